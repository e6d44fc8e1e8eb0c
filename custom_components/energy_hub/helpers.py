"""Shared helpers of the generic layer.

* Dynamic and stale entities/devices: shared by vendors whose devices change at run time.
* Trusted device certificates: the trust step of the flows and the pins of entries.
* What service actions share: finding the entry they are about, checking a time range.
* The redaction of every log record of Energy Hub's loggers (the entries' secrets and any
  secret-looking value), through the one redaction step of ``api/redact.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Coroutine, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
import logging
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import ATTR_ENTITY_ID, CONF_HOST
from homeassistant.core import (
    CALLBACK_TYPE,
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
    callback,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import (
    config_validation as cv,
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.helpers.entity import Entity
from homeassistant.util import dt as dt_util
import voluptuous as vol
from yarl import URL

from .api.errors import (
    EnergyHubApiError,
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
)
from .api.http import HttpClient, InvalidHostError, normalize_base_url
from .api.redact import RedactingFilter
from .api.tls import async_fetch_certificate, format_fingerprint
from .const import CONF_CERTIFICATE_SHA256, CONF_VENDOR, CONF_VERIFY_SSL, DOMAIN, LOGGER
from .contract import (
    VENDORS,
    EnergyHubConfigEntry,
    FlowError,
    PlatformSetup,
    UntrustedCertificateError,
)
from .coordinator import EnergyHubCoordinator

#: Entry data keys that hold a secret whatever the vendor says.
SECRET_DATA_KEYS: Final = frozenset({"password", "token", "api_key", "api_token", "key"})

#: The entries whose secrets are removed from log records (by entry id).
_REDACTED_ENTRIES: dict[str, EnergyHubConfigEntry] = {}


def entry_secrets(entry: EnergyHubConfigEntry) -> list[str]:
    """The secrets stored in an entry's data (the vendor's secret keys and the usual ones)."""
    vendor = VENDORS.get(str(entry.data.get(CONF_VENDOR)))
    keys = SECRET_DATA_KEYS | (vendor.secret_keys if vendor is not None else frozenset())
    return [value for key in keys if isinstance(value := entry.data.get(key), str) and value]


def _all_entry_secrets() -> list[str]:
    return [secret for entry in list(_REDACTED_ENTRIES.values()) for secret in entry_secrets(entry)]


#: The one filter on every Energy Hub logger (api clients, generic layer, vendors).
LOG_REDACTION: Final = RedactingFilter(_all_entry_secrets)


def install_log_redaction() -> None:
    """Attach the redacting filter to every logger of the package (idempotent)."""
    package = LOGGER.name
    loggers = [LOGGER] + [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if name.startswith(f"{package}.") and isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        if LOG_REDACTION not in logger.filters:
            logger.addFilter(LOG_REDACTION)


@callback
def async_redact_entry_in_logs(entry: EnergyHubConfigEntry) -> CALLBACK_TYPE:
    """Remove this entry's secrets from every log record until the returned callback runs."""
    install_log_redaction()
    _REDACTED_ENTRIES[entry.entry_id] = entry

    @callback
    def _forget() -> None:
        _REDACTED_ENTRIES.pop(entry.entry_id, None)

    return _forget


class DynamicEntities[DataT]:
    """Keep one platform's entities in step with what the device reports.

    On every coordinator update, ``keys_fn(data)`` lists the items the device has now
    (registers, signals, triggers ...); when it returns the very tuple it returned last
    time, nothing is compared. Entities are created with ``create_fn(key)`` for
    new items, and registry entries of items that are gone are removed. Registry entries
    whose unique id starts with ``unique_id_prefix`` but are not current are removed too
    (items that vanished while Home Assistant was stopped).
    """

    def __init__(
        self,
        setup: PlatformSetup,
        coordinator: EnergyHubCoordinator[DataT],
        *,
        keys_fn: Callable[[DataT], Iterable[str]],
        create_fn: Callable[[str], list[Entity]],
        unique_id_prefix: str,
    ) -> None:
        """Set up tracking; call ``async_start`` to add the first entities."""
        self._hass = setup.hass
        self._entry = setup.entry
        self._coordinator = coordinator
        self._platform = setup.platform
        self._add = setup.async_add_entities
        self._keys_fn = keys_fn
        self._create_fn = create_fn
        self._prefix = unique_id_prefix
        self._known: dict[str, list[str]] = {}
        #: the key tuple last synced: a vendor whose ``keys_fn`` returns the same tuple
        #: until the device's items change costs nothing per poll (only an immutable
        #: collection can be trusted by identity)
        self._synced_keys: tuple[str, ...] | None = None

    @callback
    def async_start(self) -> None:
        """Add entities for the current data and follow later updates."""
        self._async_sync(first=True)
        self._entry.async_on_unload(self._coordinator.async_add_listener(self._async_sync))

    @callback
    def _async_sync(self, first: bool = False) -> None:
        data = self._coordinator.data
        if data is None or not self._coordinator.last_update_success:
            return
        keys = self._keys_fn(data)
        if type(keys) is tuple:
            if keys is self._synced_keys:
                return  # the very same keys as last time (made at discovery)
            self._synced_keys = keys
        current = set(keys)
        new_entities: list[Entity] = []
        for key in sorted(current - self._known.keys()):
            entities = self._create_fn(key)
            self._known[key] = [e.unique_id for e in entities if e.unique_id]
            new_entities.extend(entities)
        if new_entities:
            self._add(new_entities)
        gone = [key for key in self._known if key not in current]
        stale_ids: set[str] = set()
        for key in gone:
            stale_ids.update(self._known.pop(key))
        if first:
            live = {uid for uids in self._known.values() for uid in uids}
            ent_reg = er.async_get(self._hass)
            stale_ids.update(
                reg.unique_id
                for reg in er.async_entries_for_config_entry(ent_reg, self._entry.entry_id)
                if reg.domain == self._platform.value
                and reg.unique_id.startswith(self._prefix)
                and reg.unique_id not in live
            )
        if stale_ids:
            self._async_remove(stale_ids)

    @callback
    def _async_remove(self, unique_ids: Iterable[str]) -> None:
        ent_reg = er.async_get(self._hass)
        for unique_id in unique_ids:
            entity_id = ent_reg.async_get_entity_id(self._platform.value, DOMAIN, unique_id)
            if entity_id is not None:
                LOGGER.debug("Removing %s: gone from the device", entity_id)
                ent_reg.async_remove(entity_id)


@callback
def async_remove_stale_devices(
    hass: HomeAssistant,
    entry: EnergyHubConfigEntry,
    current_identifiers: Iterable[tuple[str, str]],
    *,
    keep: Callable[[dr.DeviceEntry], bool] | None = None,
) -> list[str]:
    """Detach from ``entry`` every device none of whose identifiers is current.

    Devices for which ``keep(device)`` is true stay. Returns the removed device ids.
    """
    current = set(current_identifiers)
    dev_reg = dr.async_get(hass)
    removed: list[str] = []
    for device in dr.async_entries_for_config_entry(dev_reg, entry.entry_id):
        if device.identifiers & current or (keep is not None and keep(device)):
            continue
        LOGGER.debug("Removing device %s: gone from the vendor's device list", device.name)
        dev_reg.async_update_device(device.id, remove_config_entry_id=entry.entry_id)
        removed.append(device.id)
    return removed


def device_identifier(*parts: Any) -> tuple[str, str]:
    """A device-registry identifier in this integration's domain."""
    return (DOMAIN, "_".join(str(p) for p in parts))


# -- trusted device certificates -----------------------------------------------------------


def tls_settings(data: Mapping[str, Any]) -> tuple[bool, str | None]:
    """``(verify_ssl, pinned fingerprint)`` of a form's or an entry's data.

    A missing ``verify_ssl`` means True: verification is on unless a certificate is pinned.
    """
    pin = data.get(CONF_CERTIFICATE_SHA256)
    return bool(data.get(CONF_VERIFY_SSL, True)), pin if isinstance(pin, str) and pin else None


def connection_url(data: Mapping[str, Any], *, default_scheme: str = "http") -> str:
    """The device's base URL from a connection form's host (FlowError ``invalid_host``).

    Raises UntrustedCertificateError for an https device not to be verified with nothing
    pinned: the user is then shown the certificate and asked to trust exactly that one; a
    device is never added with verification simply switched off.
    """
    try:
        url = normalize_base_url(str(data.get(CONF_HOST, "")), default_scheme=default_scheme)
    except InvalidHostError as err:
        raise FlowError("invalid_host", field=CONF_HOST) from err
    verify, pin = tls_settings(data)
    if not verify and pin is None and URL(url).scheme == "https":
        raise UntrustedCertificateError(url)
    return url


@contextmanager
def connection_errors(
    url: str, errors: Iterable[tuple[type[EnergyHubApiError], str, str]]
) -> Iterator[None]:
    """Turn what a connection test's requests raise into the flow's translated errors.

    A refused certificate offers the trust step (UntrustedCertificateError for ``url``).
    Any other client error becomes ``FlowError(error, field=field)`` of the first
    ``(error class, error, field)`` of ``errors`` it is an instance of.
    """
    try:
        yield
    except EnergyHubCertificateError as err:
        raise UntrustedCertificateError(
            url, changed=isinstance(err, EnergyHubCertificateChangedError)
        ) from err
    except EnergyHubApiError as err:
        for kind, error, field in errors:
            if isinstance(err, kind):
                raise FlowError(error, field=field) from err
        raise


async def async_pin_learned_certificate(hass: HomeAssistant, entry: EnergyHubConfigEntry) -> None:
    """After a successful connection: pin the certificate of an entry from before 1.2.

    Entries that did not verify the certificate (``verify_ssl`` False, nothing pinned) keep
    working after the update; at their next successful connection the certificate the
    device presents is pinned, later connections accept only that one, and a repair issue
    tells the user once.
    """
    client = entry.runtime_data.client
    verify, pin = tls_settings(entry.data)
    if verify or pin is not None or not isinstance(client, HttpClient):
        return
    if client.base_url.scheme != "https":
        return
    try:
        certificate = await async_fetch_certificate(client.base_url)
    except EnergyHubApiError as err:
        LOGGER.debug("Could not read the certificate of %s to pin it: %s", entry.title, err)
        return
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, CONF_CERTIFICATE_SHA256: certificate.sha256}
    )
    client.pin_certificate(certificate.sha256)
    LOGGER.info(
        "Pinned the certificate of %s (SHA-256 %s); any other certificate is refused from now on",
        entry.title,
        certificate.display_fingerprint,
    )
    ir.async_create_issue(
        hass,
        DOMAIN,
        f"certificate_pinned_{entry.entry_id}",
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.WARNING,
        translation_key="certificate_pinned",
        translation_placeholders={
            "name": entry.title,
            "fingerprint": format_fingerprint(certificate.sha256),
        },
    )


# -- diagnostics by allow-list -------------------------------------------------------------

#: What replaces a value in diagnostics (the same text as Home Assistant's redaction).
REDACTED = "**REDACTED**"


def redact_unknown(data: Any, known: Container[str]) -> Any:
    """``data`` with the value of every mapping key not in ``known`` redacted, at any depth.

    For what a device sends: only keys known to be harmless are shown; a key the device
    sends without being asked (a password, a token, a URL with credentials) is not.
    """
    if isinstance(data, Mapping):
        return {
            key: redact_unknown(value, known) if key in known else REDACTED
            for key, value in data.items()
        }
    if isinstance(data, (list, tuple)):
        return [redact_unknown(value, known) for value in data]
    return data


# -- service actions -------------------------------------------------------------------------


@callback
def async_register_data_action(
    hass: HomeAssistant,
    service: str,
    handler: Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]],
    schema: vol.Schema,
) -> None:
    """Register an action of ours that returns data and nothing else (a history read)."""
    hass.services.async_register(
        DOMAIN, service, handler, schema=schema, supports_response=SupportsResponse.ONLY
    )


def invalid_call(key: str, **placeholders: str) -> ServiceValidationError:
    """The translated error of an action called with what it cannot use."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders
    )


#: The fields an action reading a device's history shares: what it reads (an entity, or an
#: entry: ``ActionEntries``) and the time range (``time_range``).
ATTR_CONFIG_ENTRY_ID: Final = "config_entry_id"
ATTR_START: Final = "start"
ATTR_END: Final = "end"
HISTORY_FIELDS: Final[dict[vol.Marker, Any]] = {
    vol.Optional(ATTR_ENTITY_ID): cv.entity_id,
    vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string,
    vol.Required(ATTR_START): cv.datetime,
    vol.Required(ATTR_END): cv.datetime,
}


@dataclass(frozen=True)
class ActionEntries:
    """How a vendor's action finds the loaded entry it is about.

    What can go wrong is told by the vendor's translation keys (``exceptions``):
    ``<vendor>_no_entry`` (or ``missing_key``), no entry of this vendor or an id of none;
    ``<vendor>_entry_not_loaded`` (placeholder ``{name}``), the entry is not loaded;
    ``<vendor>_entry_required``, several entries and none chosen.
    """

    vendor: str
    missing_key: str | None = None

    @property
    def missing(self) -> str:
        """The key of "no such entry"."""
        return self.missing_key or f"{self.vendor}_no_entry"

    @property
    def not_loaded(self) -> str:
        """The key of "the entry is not loaded"."""
        return f"{self.vendor}_entry_not_loaded"

    @property
    def ambiguous(self) -> str:
        """The key of "choose one of several entries"."""
        return f"{self.vendor}_entry_required"

    def loaded(self, hass: HomeAssistant, entry_id: str | None) -> EnergyHubConfigEntry:
        """The loaded entry ``entry_id`` of the vendor; without an id, its only entry."""
        if entry_id is None:
            entries = [
                entry
                for entry in hass.config_entries.async_entries(DOMAIN)
                if entry.data.get(CONF_VENDOR) == self.vendor
            ]
            if not entries:
                raise invalid_call(self.missing)
            if len(entries) > 1:
                raise invalid_call(self.ambiguous)
            entry_id = entries[0].entry_id
        entry: EnergyHubConfigEntry | None = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or entry.data.get(CONF_VENDOR) != self.vendor:
            raise invalid_call(self.missing)
        if entry.state is not ConfigEntryState.LOADED:
            raise invalid_call(self.not_loaded, name=entry.title)
        return entry

    def of_call[KeyT](
        self,
        hass: HomeAssistant,
        data: Mapping[str, Any],
        unique_id_key: Callable[[str], KeyT | None],
        error: str,
    ) -> tuple[EnergyHubConfigEntry, KeyT | None]:
        """The loaded entry a call (``HISTORY_FIELDS``) is about.

        With an entity: its entry and what its unique id names (see ``of_entity``); else
        the chosen entry, or the vendor's only one, and None.
        """
        if ATTR_ENTITY_ID in data:
            return self.of_entity(hass, data[ATTR_ENTITY_ID], unique_id_key, error)
        return self.loaded(hass, data.get(ATTR_CONFIG_ENTRY_ID)), None

    def of_entity[KeyT](
        self,
        hass: HomeAssistant,
        entity_id: str,
        unique_id_key: Callable[[str], KeyT | None],
        error: str,
    ) -> tuple[EnergyHubConfigEntry, KeyT]:
        """The loaded entry of one of our entities and what its unique id names.

        ``unique_id_key`` reads the part the action needs from the entity's unique id
        (None: not an entity the action takes); ``error`` (placeholder ``{entity_id}``)
        is raised for any entity that is not one.
        """
        reg_entry = er.async_get(hass).async_get(entity_id)
        key = unique_id_key(reg_entry.unique_id) if reg_entry is not None else None
        if reg_entry is None or reg_entry.platform != DOMAIN or key is None:
            raise invalid_call(error, entity_id=entity_id)
        if reg_entry.config_entry_id is None:  # pragma: no cover - our entities have one
            raise invalid_call(error, entity_id=entity_id)
        return self.loaded(hass, reg_entry.config_entry_id), key


def time_range(data: Mapping[str, Any], error: str) -> tuple[datetime, datetime]:
    """A call's time range (``HISTORY_FIELDS``) in UTC; ``error`` unless start is before end."""
    start, end = dt_util.as_utc(data[ATTR_START]), dt_util.as_utc(data[ATTR_END])
    if start >= end:
        raise invalid_call(error)
    return start, end
