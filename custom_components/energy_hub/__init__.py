"""Energy Hub: eGauge, EMS, EKM and go-e devices in Home Assistant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .const import CONF_VENDOR, CONF_VERIFY_SSL, CONFIG_MINOR_VERSION, DOMAIN, LOGGER
from .contract import VENDORS, EnergyHubConfigEntry, get_vendor
from .helpers import (
    async_pin_learned_certificate,
    async_redact_entry_in_logs,
    install_log_redaction,
)
from .statistics import EnergyStore
from .vendors import register_all

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)

register_all()

#: Every platform any vendor uses; each entry forwards only its vendor's.
PLATFORMS: tuple[Platform, ...] = (
    Platform.BUTTON,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register every vendor's service actions (so automations validate without entries)."""
    install_log_redaction()
    for vendor in VENDORS.values():
        vendor.async_register_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> bool:
    """Set up one device (or account) of one vendor."""
    entry.async_on_unload(async_redact_entry_in_logs(entry))
    try:
        vendor = get_vendor(entry.data[CONF_VENDOR])
    except KeyError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN,
            translation_key="unknown_vendor",
            translation_placeholders={"vendor": str(entry.data.get(CONF_VENDOR))},
        ) from err
    entry.runtime_data = await vendor.async_setup_entry(hass, entry)
    if vendor.tls_pinning:
        await async_pin_learned_certificate(hass, entry)
    await hass.config_entries.async_forward_entry_setups(entry, vendor.platforms)
    return True


async def async_migrate_entry(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> bool:
    """Bring an entry from an older version of Energy Hub to the current layout.

    1.1 -> 1.2: an entry of a vendor with ``tls_pinning`` and without ``verify_ssl`` did
    not verify the certificate; it now says so (a missing flag means "verify" from 1.2 on),
    and its certificate is pinned at the next successful connection.
    1.2 -> 1.3 (and any later step of a vendor): ``Vendor.async_migrate_entry`` (EKM scopes
    its meter unique ids and devices to the gateway).
    """
    # (an entry of a newer major version never gets here: Home Assistant refuses it)
    from_version = (entry.version, entry.minor_version)
    vendor = VENDORS.get(str(entry.data.get(CONF_VENDOR)))
    if entry.version == 1 and entry.minor_version < 2:
        data = dict(entry.data)
        if vendor is not None and vendor.tls_pinning and CONF_VERIFY_SSL not in data:
            data[CONF_VERIFY_SSL] = False
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
    if vendor is not None and not await vendor.async_migrate_entry(hass, entry, from_version):
        return False
    if entry.minor_version < CONFIG_MINOR_VERSION:
        hass.config_entries.async_update_entry(entry, minor_version=CONFIG_MINOR_VERSION)
    LOGGER.debug(
        "Migrated %s from version %s.%s to 1.%s", entry.title, *from_version, CONFIG_MINOR_VERSION
    )
    return True


async def async_unload_entry(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> bool:
    """Unload an entry and release its vendor resources."""
    vendor = entry.runtime_data.vendor
    unloaded = await hass.config_entries.async_unload_platforms(entry, vendor.platforms)
    if unloaded:
        await vendor.async_unload_entry(hass, entry)
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
    """The entry is deleted: its stored energy split and history progress go too."""
    await EnergyStore(hass, entry.entry_id).async_remove()


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: EnergyHubConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a device only when the vendor no longer reports it."""
    return entry.runtime_data.vendor.device_removable(entry, device)
