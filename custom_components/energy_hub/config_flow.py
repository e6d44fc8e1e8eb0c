"""Config flow: a menu of vendors, each vendor's connection steps, reauth, reconfigure, options.

The vendor steps come from the registry (``contract.VENDORS``): a vendor's first step has the
vendor's key as its id; vendors may add further steps (``Vendor.flow_steps``). Every step
tests the connection for real before an entry is created or changed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult, OptionsFlowWithReload
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import callback
from homeassistant.helpers import selector
import voluptuous as vol

from .api.errors import EnergyHubApiError
from .api.tls import PeerCertificate, async_fetch_certificate
from .const import (
    CONF_CERTIFICATE_SHA256,
    CONF_VENDOR,
    CONF_VERIFY_SSL,
    CONFIG_MINOR_VERSION,
    CONFIG_VERSION,
    DOMAIN,
    LOGGER,
)
from .contract import (
    VENDORS,
    DeviceIdentity,
    EnergyHubConfigEntry,
    FlowError,
    StepHandler,
    UntrustedCertificateError,
    Vendor,
    get_vendor,
)

StepMethod = Callable[[dict[str, Any] | None], Awaitable[ConfigFlowResult]]
#: What happens once a connection test passed: create or update the entry.
Finish = Callable[[DeviceIdentity, dict[str, Any]], Awaitable[ConfigFlowResult]]


@dataclass(slots=True)
class _PendingTrust:
    """A connection refused for its certificate: what the trust step shows and then does."""

    vendor: Vendor
    data: dict[str, Any]
    certificate: PeerCertificate
    #: the device replaced a certificate that was trusted before
    changed: bool
    finish: Finish
    #: the device's https address
    url: str


def _without_secrets(vendor: Vendor, data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in vendor.secret_keys and k != CONF_VENDOR}


def _secrets_optional(schema: vol.Schema, secret_keys: frozenset[str]) -> vol.Schema:
    """The same form with its secret fields optional (left empty = keep the stored one)."""
    fields: dict[vol.Marker, Any] = {}
    for marker, validator in schema.schema.items():
        key = str(marker.schema) if isinstance(marker, vol.Marker) else str(marker)
        if key in secret_keys:
            fields[vol.Optional(key, description=getattr(marker, "description", None))] = validator
        else:
            fields[marker] = validator
    return vol.Schema(fields)


def _fields(schema: vol.Schema | None) -> set[str]:
    """The field names of a form."""
    if schema is None:
        return set()
    return {
        str(marker.schema) if isinstance(marker, vol.Marker) else str(marker)
        for marker in schema.schema
    }


def fit_errors(
    schema: vol.Schema | None, errors: Mapping[str, str] | None
) -> dict[str, str] | None:
    """Errors for fields the form lacks (e.g. ``host`` in the reauth form) become ``base``.

    Home Assistant shows an error only next to a field of the form; one filed under a
    missing field would vanish and the form would come back without a word.
    """
    if not errors:
        return None if errors is None else {}
    fields = _fields(schema)
    fitted: dict[str, str] = {}
    for key, error in errors.items():
        if key != "base" and key not in fields:
            fitted.setdefault("base", error)
        else:
            fitted[key] = error
    return fitted


def suggest_values(schema: vol.Schema, defaults: Mapping[str, Any]) -> vol.Schema:
    """The same form with ``defaults`` as suggested values (what the user typed before)."""
    fields: dict[vol.Marker, Any] = {}
    for marker, validator in schema.schema.items():
        key = str(marker.schema) if isinstance(marker, vol.Marker) else str(marker)
        if key in defaults and isinstance(marker, (vol.Required, vol.Optional)):
            new_marker = type(marker)(
                key, description={"suggested_value": defaults[key]}, default=marker.default
            )
            fields[new_marker] = validator
        else:
            fields[marker] = validator
    return vol.Schema(fields)


class EnergyHubConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add, reauthenticate and reconfigure Energy Hub devices."""

    #: 1.2: entries of vendors with ``tls_pinning`` always have ``verify_ssl``; 1.3: EKM
    #: meter ids scoped to the gateway (see ``async_migrate_entry`` in ``__init__.py``)
    VERSION = CONFIG_VERSION
    MINOR_VERSION = CONFIG_MINOR_VERSION

    def __init__(self) -> None:
        """Start with no vendor chosen."""
        self.vendor: Vendor | None = None
        #: Data gathered by earlier steps of a multi-step vendor flow.
        self.flow_data: dict[str, Any] = {}
        #: A certificate the user is asked to trust (set by ``_async_test``).
        self._trust: _PendingTrust | None = None

    # -- dispatch of vendor steps ------------------------------------------------------

    def __getattr__(self, name: str) -> StepMethod:
        """Resolve ``async_step_<id>`` for the steps the registered vendors define."""
        if name.startswith("async_step_"):
            step_id = name.removeprefix("async_step_")
            for vendor in VENDORS.values():
                handler = vendor.flow_steps().get(step_id)
                if handler is not None:
                    return self._bind(vendor, handler)
                if step_id == vendor.key:
                    return self._bind_connection(vendor)
        raise AttributeError(name)

    def _bind(self, vendor: Vendor, handler: StepHandler) -> StepMethod:
        async def step(user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
            self.vendor = vendor
            return await handler(self, user_input)

        return step

    def _bind_connection(self, vendor: Vendor) -> StepMethod:
        async def step(user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
            self.vendor = vendor
            return await self.async_connection_step(vendor, vendor.key, user_input)

        return step

    # -- user ------------------------------------------------------------------------------

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Let the user pick a vendor."""
        return self.async_show_menu(step_id="user", menu_options=sorted(VENDORS))

    async def async_connection_step(
        self, vendor: Vendor, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """The generic vendor form: ask, test the connection, create the entry.

        ``flow_data`` (e.g. a connection mode chosen in a menu) is stored with the form's
        values without being asked.
        """
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            data = {**self.flow_data, **user_input, CONF_VENDOR: vendor.key}

            async def finish(identity: DeviceIdentity, data: dict[str, Any]) -> ConfigFlowResult:
                return await self.async_finish(vendor, identity, data)

            if result := await self._async_test(vendor, data, errors, placeholders, finish):
                return result
            if self._trust is not None:
                return await self.async_step_trust_certificate()
            # what the user typed in this flow stays in the form, secrets included
            defaults = dict(user_input)
        schema = vendor.connection_schema(self.flow_data)
        return self.async_show_form(
            step_id=step_id,
            data_schema=suggest_values(schema, defaults) if defaults else schema,
            errors=errors,
            description_placeholders=placeholders or None,
        )

    async def _async_test(
        self,
        vendor: Vendor,
        data: dict[str, Any],
        errors: dict[str, str],
        placeholders: dict[str, str],
        finish: Finish,
    ) -> ConfigFlowResult | None:
        """Test a connection for real: ``finish`` when it works; else fill ``errors``, None.

        A certificate that is not trusted leaves ``self._trust`` set instead: the caller
        then shows the trust step, which ends with ``finish`` when the user trusts it.
        ``data`` asking for verification (``verify_ssl`` on) drops a stored pin.
        """
        self._trust = None
        if vendor.tls_pinning and data.get(CONF_VERIFY_SSL) is True:
            data.pop(CONF_CERTIFICATE_SHA256, None)
        try:
            identity = await vendor.async_validate(self.hass, data)
        except UntrustedCertificateError as err:
            try:
                certificate = await async_fetch_certificate(err.url)
            except EnergyHubApiError:
                errors["base"] = "cannot_connect"
                return None
            self._trust = _PendingTrust(vendor, data, certificate, err.changed, finish, err.url)
        except FlowError as err:
            errors[err.field] = err.error
            placeholders.update(err.placeholders)
        except Exception:  # noqa: BLE001 - any bug becomes 'unknown', never a trace
            LOGGER.exception("Unexpected error while testing the %s connection", vendor.name)
            errors["base"] = "unknown"
        else:
            return await finish(identity, data)
        return None

    async def async_finish(
        self, vendor: Vendor, identity: DeviceIdentity, data: dict[str, Any]
    ) -> ConfigFlowResult:
        """Create the entry for a tested connection (or abort if it exists already)."""
        await self.async_set_unique_id(identity.unique_id)
        self._abort_if_unique_id_configured()
        return self.async_create_entry(
            title=identity.title,
            data={**data, **identity.data_updates, CONF_VENDOR: vendor.key},
        )

    # -- trusting a device's own certificate ---------------------------------------------

    async def async_step_trust_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show the device's certificate; on submit pin it and connect with exactly it."""
        pending = self._trust
        if pending is None:  # pragma: no cover - only reachable through a pending trust
            return await self.async_step_user()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {
                **pending.data,
                CONF_VERIFY_SSL: False,
                CONF_CERTIFICATE_SHA256: pending.certificate.sha256,
            }
            if result := await self._async_test(pending.vendor, data, errors, {}, pending.finish):
                return result
            if self._trust is not None:
                # the device presented yet another certificate: show that one
                pending = self._trust
                errors["base"] = "certificate_changed"
            else:
                self._trust = pending
        certificate = pending.certificate
        return self.async_show_form(
            step_id="trust_new_certificate" if pending.changed else "trust_certificate",
            data_schema=vol.Schema({}),
            errors=errors,
            description_placeholders={
                "host": pending.url,
                "fingerprint": certificate.display_fingerprint,
                "subject": certificate.subject or "-",
                "issuer": certificate.issuer or "-",
                "not_after": certificate.not_after or "-",
            },
        )

    async def async_step_trust_new_certificate(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The trust step for a device whose trusted certificate was replaced."""
        return await self.async_step_trust_certificate(user_input)

    def _finish_entry(self, entry: EnergyHubConfigEntry) -> Finish:
        """Reauth and reconfigure: the same device, its entry updated and reloaded."""

        async def finish(identity: DeviceIdentity, data: dict[str, Any]) -> ConfigFlowResult:
            await self.async_set_unique_id(identity.unique_id)
            self._abort_if_unique_id_mismatch(reason="wrong_device")
            return self.async_update_reload_and_abort(entry, data={**data, **identity.data_updates})

        return finish

    def async_show_form(
        self,
        *,
        data_schema: vol.Schema | None = None,
        errors: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> ConfigFlowResult:
        """Show a form; errors of fields it lacks are shown as form errors (any step)."""
        return super().async_show_form(
            data_schema=data_schema, errors=fit_errors(data_schema, errors), **kwargs
        )

    # -- reauth ------------------------------------------------------------------------

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The device refused the stored credentials."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for new credentials and test them."""
        entry, vendor, errors, placeholders = _entry_form(self._get_reauth_entry())
        schema = vendor.reauth_schema()
        if user_input is not None:
            data = {**entry.data, **user_input}
            finish = self._finish_entry(entry)
            if result := await self._async_test(vendor, data, errors, placeholders, finish):
                return result
            if self._trust is not None:
                return await self.async_step_trust_certificate()
            # keep what was typed in this flow (never the stored secrets)
            schema = suggest_values(schema, user_input)
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )

    # -- reconfigure ---------------------------------------------------------------------

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the connection of an existing entry (host, credentials ...)."""
        entry, vendor, errors, placeholders = _entry_form(self._get_reconfigure_entry())
        defaults = _without_secrets(vendor, entry.data)
        if user_input is not None:
            # Secrets left empty keep their stored value.
            data = {
                **entry.data,
                **{k: v for k, v in user_input.items() if not (k in vendor.secret_keys and not v)},
            }
            finish = self._finish_entry(entry)
            if result := await self._async_test(vendor, data, errors, placeholders, finish):
                return result
            if self._trust is not None:
                return await self.async_step_trust_certificate()
            # what was typed stays (secrets too); a secret left empty stays empty
            defaults = {
                **_without_secrets(vendor, user_input),
                **{k: v for k, v in user_input.items() if k in vendor.secret_keys and v},
            }
        schema = _secrets_optional(
            vendor.connection_schema(_without_secrets(vendor, defaults)), vendor.secret_keys
        )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=suggest_values(schema, defaults),
            errors=errors,
            description_placeholders=placeholders,
        )

    # -- options ---------------------------------------------------------------------------

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: EnergyHubConfigEntry) -> EnergyHubOptionsFlow:
        """Options: the poll interval and vendor settings."""
        return EnergyHubOptionsFlow()


def _entry_form(
    entry: EnergyHubConfigEntry,
) -> tuple[EnergyHubConfigEntry, Vendor, dict[str, str], dict[str, str]]:
    """A form about an existing entry: the entry, its vendor, no errors yet, its name."""
    return entry, get_vendor(entry.data[CONF_VENDOR]), {}, {"name": entry.title}


class EnergyHubOptionsFlow(OptionsFlowWithReload):
    """Poll interval within the vendor's range, vendor options, and vendor options steps.

    A vendor with options steps (``Vendor.options_steps``) gets a menu first: the general
    settings form (``settings``) and its own steps.
    """

    def __getattr__(self, name: str) -> StepMethod:
        """Resolve ``async_step_<id>`` for the options steps of the entry's vendor."""
        if name.startswith("async_step_"):
            step_id = name.removeprefix("async_step_")
            vendor = get_vendor(self.config_entry.data[CONF_VENDOR])
            handler = vendor.options_steps().get(step_id)
            if handler is not None:

                async def step(user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
                    return await handler(self, user_input)

                return step
        raise AttributeError(name)

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """The menu when the vendor has options steps, else the settings form."""
        vendor = get_vendor(self.config_entry.data[CONF_VENDOR])
        steps = list(vendor.options_steps())
        if steps:
            return self.async_show_menu(step_id="init", menu_options=["settings", *steps])
        return await self.async_step_settings(user_input)

    async def async_step_settings(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show and store the poll interval and the vendor's options."""
        vendor = get_vendor(self.config_entry.data[CONF_VENDOR])
        step_id = "settings" if vendor.options_steps() else "init"
        placeholders = {"min": str(vendor.min_scan_interval), "max": str(vendor.max_scan_interval)}
        errors: dict[str, str] = {}
        if user_input is not None:
            interval = int(user_input[CONF_SCAN_INTERVAL])
            if vendor.min_scan_interval <= interval <= vendor.max_scan_interval:
                new_options = {**self.config_entry.options, **user_input}
                new_options[CONF_SCAN_INTERVAL] = interval
                return self.async_create_entry(data=new_options)
            # our own check, so the message names the allowed range (translated)
            errors[CONF_SCAN_INTERVAL] = "scan_interval_range"
        schema: dict[vol.Marker, Any] = {
            vol.Required(
                CONF_SCAN_INTERVAL,
                default=int(vendor.scan_interval(self.config_entry).total_seconds()),
            ): selector.NumberSelector(
                selector.NumberSelectorConfig(
                    step=1, mode=selector.NumberSelectorMode.BOX, unit_of_measurement="s"
                )
            ),
            **vendor.entry_options_schema(self.config_entry),
        }
        data_schema = vol.Schema(schema)
        if user_input is not None:
            data_schema = suggest_values(data_schema, user_input)
        return self.async_show_form(
            step_id=step_id,
            data_schema=data_schema,
            errors=errors,
            description_placeholders=placeholders,
        )
