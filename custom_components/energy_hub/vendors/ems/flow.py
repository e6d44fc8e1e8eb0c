"""EMS gateway config flow: the connection form and its test; the signal-meanings options step."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigEntryState, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import selector
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import voluptuous as vol

from ... import statistics
from ...api.ems import EmsClient, EmsNotGatewayError
from ...api.ems_signals import CHOICES, MeaningBook, parse_choice
from ...api.errors import EnergyHubApiError, EnergyHubAuthError, EnergyHubConnectionError
from ...const import CONF_VERIFY_SSL
from ...contract import DeviceIdentity, VendorOptionsFlow
from ...helpers import connection_errors, connection_url, tls_settings
from .const import CONF_HISTORY_DAYS, CONF_MEANINGS, DEFAULT_SCHEME
from .coordinator import CodeSummary, EmsCoordinator, confirmed_meanings

#: The choice that leaves a code to Energy Hub's table (checked against the values).
TABLE_CHOICE = "table"
#: Marks of where a meaning comes from (explained in the step's translated description).
_SOURCE_MARKS = {"documented": "D", "assumed": "A", "confirmed": "C", "none": "-"}
#: Characters of a text sample shown.
_SAMPLE_CHARS = 20


def connection_schema(defaults: Mapping[str, Any]) -> vol.Schema:
    """Host, API user and password, and whether to verify the certificate."""
    return vol.Schema(
        {
            vol.Required(CONF_HOST): selector.TextSelector(),
            vol.Required(CONF_USERNAME): selector.TextSelector(
                selector.TextSelectorConfig(autocomplete="username")
            ),
            vol.Required(CONF_PASSWORD): selector.TextSelector(
                selector.TextSelectorConfig(
                    type=selector.TextSelectorType.PASSWORD, autocomplete="current-password"
                )
            ),
            vol.Required(
                CONF_VERIFY_SSL, default=bool(defaults.get(CONF_VERIFY_SSL, True))
            ): selector.BooleanSelector(),
        }
    )


def client(hass: HomeAssistant, data: Mapping[str, Any]) -> EmsClient:
    """A client for the connection data of a form or an entry."""
    verify_ssl, pin = tls_settings(data)
    gateway = EmsClient(
        async_get_clientsession(hass),
        str(data[CONF_HOST]),
        str(data[CONF_USERNAME]),
        str(data[CONF_PASSWORD]),
        verify_ssl=verify_ssl,
    )
    gateway.pin_certificate(pin)
    return gateway


#: What a failed connection test tells the user (the first class that fits): while the
#: gateway is recognised (``/ver``, no login yet), then while logging in and reading it.
RECOGNITION_ERRORS = (
    (EmsNotGatewayError, "ems_not_gateway", CONF_HOST),
    (EnergyHubApiError, "cannot_connect", CONF_HOST),
)
LOGIN_ERRORS = (
    (EnergyHubAuthError, "invalid_auth", "base"),
    (EnergyHubConnectionError, "cannot_connect", CONF_HOST),
    (EnergyHubApiError, "ems_invalid_reply", "base"),
)


async def async_validate(hass: HomeAssistant, data: dict[str, Any]) -> DeviceIdentity:
    """Recognise the gateway (``/ver``), log in and read its serial number."""
    url = connection_url(data, default_scheme=DEFAULT_SCHEME)
    gateway = client(hass, {**data, CONF_HOST: url})
    with connection_errors(url, RECOGNITION_ERRORS):
        await gateway.api_version()
    with connection_errors(url, LOGIN_ERRORS):
        system = await gateway.system_info()
    return DeviceIdentity(
        unique_id=system.serial,
        title=f"EMS gateway {system.serial}",
        data_updates={CONF_HOST: url},
    )


def _sample_text(sample: float | str | None) -> str:
    if sample is None:
        return "-"
    if isinstance(sample, float):
        return f"{sample:g}"
    return sample[:_SAMPLE_CHARS]


def field_name(si: int) -> str:
    """The form field of signal code ``si`` (shown as it is: "Code 29")."""
    return f"Code {si}"


async def async_step_meanings(
    flow: VendorOptionsFlow, user_input: dict[str, Any] | None
) -> ConfigFlowResult:
    """What each signal code of the gateway measures: confirm or correct Energy Hub's table.

    Lists the codes the gateway uses (at its last discovery) with a sample value, how many
    signals use each and the meaning in use; a choice applies to every signal with that
    code on this gateway. The entry reloads with the new options; entity ids stay.
    """
    entry = flow.config_entry
    confirmed = confirmed_meanings(entry.options)
    coordinator: EmsCoordinator | None = None
    if entry.state is ConfigEntryState.LOADED:
        coordinator = entry.runtime_data.coordinator  # type: ignore[assignment]
    codes: dict[int, CodeSummary] = dict(coordinator.codes) if coordinator is not None else {}
    for si in confirmed:
        codes.setdefault(si, CodeSummary(signals=0, sample=None))
    if user_input is not None:
        meanings: dict[str, str] = {}
        for si in codes:
            choice = user_input.get(field_name(si), TABLE_CHOICE)
            if choice != TABLE_CHOICE and parse_choice(choice) is not None:
                meanings[str(si)] = choice
        return flow.async_create_entry(data={**entry.options, CONF_MEANINGS: meanings})
    book = coordinator.book if coordinator is not None else MeaningBook(confirmed)
    rows = ["| Code | Sample | Signals | In use |", "|---|---|---|---|"]
    schema: dict[vol.Marker, Any] = {}
    for si, summary in sorted(codes.items()):
        meaning = book.meaning(si)
        rejection = book.rejections.get(si)
        if rejection is not None:
            in_use = f"- · R ({rejection.assumed})"
        else:
            in_use = f"{meaning.unit or '-'} · {_SOURCE_MARKS[meaning.source]}"
        rows.append(f"| {si} | {_sample_text(summary.sample)} | {summary.signals} | {in_use} |")
        schema[vol.Required(field_name(si), default=confirmed.get(si, TABLE_CHOICE))] = (
            selector.SelectSelector(
                selector.SelectSelectorConfig(
                    options=[TABLE_CHOICE, *CHOICES],
                    translation_key="ems_meaning",
                    mode=selector.SelectSelectorMode.DROPDOWN,
                )
            )
        )
    return flow.async_show_form(
        step_id="ems_meanings",
        data_schema=vol.Schema(schema),
        description_placeholders={"codes": "\n".join(rows)},
    )


def history_days(options: Mapping[str, Any]) -> int:
    """The history import's depth in days (0 = off; 30 when the entry has no such option)."""
    return statistics.history_days(options, CONF_HISTORY_DAYS)


def options_schema(options: Mapping[str, Any]) -> dict[vol.Marker, Any]:
    """The general settings: how many days of the gateway's history to import."""
    return statistics.history_days_schema(options, CONF_HISTORY_DAYS)
