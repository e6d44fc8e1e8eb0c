"""The plug-in contract: what a vendor provides and what the generic layer calls.

A vendor is a folder ``vendors/<key>/`` whose ``__init__.py`` exposes ``VENDOR``, an
instance of a ``Vendor`` subclass, registered by one line in ``vendors/__init__.py``.
The generic layer (config flow, coordinator base, platforms, diagnostics) calls only
what is defined here.

Layering (each layer imports only the ones before it)::

    api  ->  contract (+ const)  ->  generic layer  ->  vendors  ->  entry points

This module therefore imports nothing of ours but ``const``: the types the generic
layer provides (the config flow, the coordinator) appear here only as protocols.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Container, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from homeassistant.config_entries import ConfigEntry, ConfigFlowResult
from homeassistant.const import CONF_PASSWORD, CONF_SCAN_INTERVAL, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
import voluptuous as vol

if TYPE_CHECKING:
    from homeassistant.helpers.device_registry import DeviceEntry


class FormFlow(Protocol):
    """What every flow offers a vendor's step: Home Assistant and forms."""

    hass: HomeAssistant

    def async_show_form(
        self,
        *,
        step_id: str | None = None,
        data_schema: vol.Schema | None = None,
        errors: dict[str, str] | None = None,
        description_placeholders: Mapping[str, str] | None = None,
        last_step: bool | None = None,
        preview: str | None = None,
    ) -> ConfigFlowResult:
        """Show a form (``FlowHandler.async_show_form``)."""


class VendorFlow(FormFlow, Protocol):
    """What a vendor's config-flow step may use of the flow (``EnergyHubConfigFlow``)."""

    #: Data gathered by earlier steps of a multi-step vendor flow.
    flow_data: dict[str, Any]

    def async_abort(
        self,
        *,
        reason: str,
        description_placeholders: Mapping[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Abort the flow (``FlowHandler.async_abort``)."""

    def async_show_menu(
        self,
        *,
        step_id: str | None = None,
        menu_options: Container[str],
        sort: bool = False,
        description_placeholders: Mapping[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Show a menu (``FlowHandler.async_show_menu``)."""

    async def async_connection_step(
        self, vendor: Vendor, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """The generic connection form of ``vendor`` shown as ``step_id``.

        Values the vendor's steps put into ``flow_data`` before (e.g. a connection mode
        chosen in a menu) are the form's defaults and are stored with its values.
        """

    async def async_finish(
        self, vendor: Vendor, identity: DeviceIdentity, data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Create the entry for a tested connection."""


class VendorOptionsFlow(FormFlow, Protocol):
    """What a vendor's options step may use of the options flow."""

    @property
    def config_entry(self) -> EnergyHubConfigEntry:
        """The entry whose options are edited."""

    def async_create_entry(
        self,
        *,
        title: str | None = None,
        data: Mapping[str, Any],
        description: str | None = None,
        description_placeholders: Mapping[str, str] | None = None,
    ) -> ConfigFlowResult:
        """Store the options (``data``: the complete new options)."""


#: A config-flow step a vendor adds: called with the flow and the submitted form (or None).
StepHandler = Callable[[VendorFlow, dict[str, Any] | None], Awaitable[ConfigFlowResult]]
#: An options-flow step a vendor adds (same shape, on the options flow).
OptionsStepHandler = Callable[
    [VendorOptionsFlow, dict[str, Any] | None], Awaitable[ConfigFlowResult]
]


@dataclass(kw_only=True)
class EnergyHubRuntimeData:
    """What a loaded entry keeps: its vendor, the main coordinator and the client.

    Vendors needing more (a second coordinator, a discovery cache) subclass this.
    """

    vendor: Vendor
    coordinator: DataUpdateCoordinator[Any]
    client: Any


type EnergyHubConfigEntry = ConfigEntry[EnergyHubRuntimeData]


@dataclass(frozen=True, slots=True)
class PlatformSetup:
    """One platform of one loaded entry being set up: what a vendor adds its entities with.

    Built by ``platform_setup`` (the platform modules' ``async_setup_entry``) and handed to
    ``Vendor.async_setup_platform``; ``helpers.DynamicEntities`` takes it as it is.
    """

    hass: HomeAssistant
    entry: EnergyHubConfigEntry
    platform: Platform
    async_add_entities: AddConfigEntryEntitiesCallback


@dataclass(frozen=True, kw_only=True)
class DeviceIdentity:
    """What a successful connection test learned: the config entry's unique id and title."""

    unique_id: str
    title: str
    #: Values to store in the entry's data besides the form's (e.g. a normalised host).
    data_updates: Mapping[str, Any] = field(default_factory=dict)


class FlowError(Exception):
    """A connection test failed with a translatable error for a config-flow form.

    ``error`` is a key of ``config.error`` in the strings; ``field`` the form field it
    belongs to (``base`` for the whole form).
    """

    def __init__(
        self,
        error: str,
        *,
        field: str = "base",
        placeholders: Mapping[str, str] | None = None,
    ) -> None:
        """Remember the error key, the field and the placeholders."""
        super().__init__(error)
        self.error = error
        self.field = field
        self.placeholders = dict(placeholders or {})


class UntrustedCertificateError(FlowError):
    """The device's certificate is not trusted (yet): the flow offers to trust it.

    Raised by a vendor's connection test when verification refused the certificate, when
    a pinned certificate was replaced (``changed``), or when the user chose not to verify
    an https device whose certificate is not pinned yet. The config flow then reads the
    certificate at ``url``, shows it and asks whether to trust (pin) exactly that one.
    """

    def __init__(self, url: str, *, changed: bool = False) -> None:
        """Remember the device's https base URL and whether a pinned one was replaced."""
        super().__init__("certificate_changed" if changed else "certificate_untrusted")
        self.url = url
        self.changed = changed


class Vendor(ABC):
    """Base class of a vendor plug-in."""

    #: The vendor's key: config-entry ``vendor`` value, first flow step id, folder name.
    key: ClassVar[str]
    #: Human name, used in logs.
    name: ClassVar[str]
    #: Platforms the vendor's entities live on.
    platforms: ClassVar[tuple[Platform, ...]]
    #: Poll interval default and the range the options flow allows (seconds).
    default_scan_interval: ClassVar[int] = 30
    min_scan_interval: ClassVar[int] = 5
    max_scan_interval: ClassVar[int] = 3600
    #: Data keys asked again in the reauth step (secrets first).
    reauth_keys: ClassVar[tuple[str, ...]] = ()
    #: Data keys holding secrets: redacted in diagnostics, never prefilled in forms.
    secret_keys: ClassVar[frozenset[str]] = frozenset()
    #: Further keys to redact from this vendor's diagnostics.
    redact_keys: ClassVar[frozenset[str]] = frozenset()
    #: Whether the vendor's entries have ``verify_ssl`` and may pin a device certificate
    #: (``const.CONF_CERTIFICATE_SHA256``). Entries from before version 1.2 without the
    #: flag did not verify; the migration keeps that until the certificate is pinned.
    tls_pinning: ClassVar[bool] = False
    #: Entry data keys that are harmless in diagnostics besides the generic ones (vendor,
    #: verify_ssl, certificate_sha256); every other data value is redacted.
    diagnostics_data_keys: ClassVar[frozenset[str]] = frozenset()

    # -- config flow -------------------------------------------------------------------

    @abstractmethod
    def connection_schema(self, defaults: Mapping[str, Any]) -> vol.Schema:
        """The form asking for the connection data (host, credentials, ...).

        ``defaults`` are earlier values (a failed attempt, or the entry when
        reconfiguring); secrets are never among them.
        """

    @abstractmethod
    async def async_validate(self, hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
        """Test the connection for real; raise FlowError on failure."""

    def reauth_schema(self) -> vol.Schema:
        """The form of the reauth step: the ``reauth_keys`` as fresh inputs."""
        from homeassistant.helpers import selector  # noqa: PLC0415

        return vol.Schema(
            {
                vol.Required(key): selector.TextSelector(
                    selector.TextSelectorConfig(
                        type=selector.TextSelectorType.PASSWORD
                        if key in self.secret_keys
                        else selector.TextSelectorType.TEXT
                    )
                )
                for key in self.reauth_keys
            }
        )

    def flow_steps(self) -> Mapping[str, StepHandler]:
        """Extra config-flow steps (step id -> handler); step ids start with the key.

        Without an entry for ``key`` itself, the vendor's first step is the generic
        connection form built from ``connection_schema``.
        """
        return {}

    def options_steps(self) -> Mapping[str, OptionsStepHandler]:
        """Extra options-flow steps (step id -> handler); step ids start with the key.

        When there are any, the options flow opens with a menu of the general settings
        (poll interval and ``entry_options_schema``) and these steps.
        """
        return {}

    def options_schema(self, options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
        """Vendor-specific options besides the poll interval (schema dict)."""
        return {}

    def entry_options_schema(self, entry: EnergyHubConfigEntry) -> dict[vol.Marker, Any]:
        """Vendor options of one entry (default: ``options_schema`` of its options)."""
        return self.options_schema(entry.options)

    # -- runtime -----------------------------------------------------------------------

    def scan_interval(self, entry: EnergyHubConfigEntry) -> timedelta:
        """The poll interval configured for an entry, clamped to the allowed range."""
        seconds = entry.options.get(CONF_SCAN_INTERVAL, self.default_scan_interval)
        try:
            seconds = int(seconds)
        except TypeError, ValueError:
            seconds = self.default_scan_interval
        seconds = max(self.min_scan_interval, min(self.max_scan_interval, seconds))
        return timedelta(seconds=seconds)

    @abstractmethod
    async def async_setup_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> EnergyHubRuntimeData:
        """Create client and coordinator(s), do the first refresh, return the runtime data.

        Raise ConfigEntryNotReady / ConfigEntryAuthFailed (first refresh does it).
        """

    @abstractmethod
    def async_setup_platform(self, setup: PlatformSetup) -> None:
        """Add this vendor's entities of ``setup.platform`` (and track new ones)."""

    async def async_migrate_entry(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry, from_version: tuple[int, int]
    ) -> bool:
        """Migrate an entry stored by an older version (data, unique ids, devices).

        ``from_version`` is the entry's (version, minor version); the integration stores
        the current version afterwards. Return False when the entry cannot be migrated.
        """
        return True

    async def async_unload_entry(self, hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
        """Release what ``async_setup_entry`` created beyond the coordinators."""

    async def async_diagnostics(
        self, hass: HomeAssistant, entry: EnergyHubConfigEntry
    ) -> dict[str, Any]:
        """Vendor data for the diagnostics download (redacted by the caller)."""
        coordinator = entry.runtime_data.coordinator
        data = coordinator.data
        return {"data": data if isinstance(data, (dict, list)) else repr(data)}

    def async_register_services(self, hass: HomeAssistant) -> None:
        """Register the vendor's service actions (called once from ``async_setup``)."""

    def device_removable(self, entry: EnergyHubConfigEntry, device: DeviceEntry) -> bool:
        """Whether a user may delete ``device`` (True when it is gone from the device)."""
        return False


class PasswordVendor(Vendor):
    """A vendor whose device is reached at an address with a user and a password (JWT login).

    The password is its secret and what reauth asks again; the device may present a
    self-signed certificate, which the user can pin.
    """

    reauth_keys = (CONF_PASSWORD,)
    secret_keys = frozenset({CONF_PASSWORD})
    tls_pinning = True


# -- the registry ------------------------------------------------------------------------
# Filled by ``vendors/__init__.py`` (one line per vendor) when the integration is imported;
# the generic layer reads it, so it never imports a vendor module itself.

VENDORS: dict[str, Vendor] = {}


def register(vendor: Vendor) -> None:
    """Add a vendor to the registry (tests use this for a test-only vendor)."""
    VENDORS[vendor.key] = vendor


def get_vendor(key: str) -> Vendor:
    """The vendor of a config entry; KeyError when it is unknown."""
    return VENDORS[key]


def platform_setup(
    platform: Platform,
) -> Callable[
    [HomeAssistant, EnergyHubConfigEntry, AddConfigEntryEntitiesCallback], Awaitable[None]
]:
    """A platform module's ``async_setup_entry``: the entry's vendor adds its entities."""

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        entry.runtime_data.vendor.async_setup_platform(
            PlatformSetup(hass, entry, platform, async_add_entities)
        )

    return async_setup_entry
