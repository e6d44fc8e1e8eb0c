"""TLS verified by default; trusting (pinning) a device's own certificate (issue 14 #7).

Against the eGauge and EMS simulators serving HTTPS with a self-signed certificate:
verification refuses it and the flow offers to trust exactly that certificate; a trusted
(pinned) entry refuses any other certificate with a translated error and a repair issue;
entries from before version 1.2 that did not verify keep working and are pinned at their
next successful connection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.energy_hub.api.errors import (
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
)
from custom_components.energy_hub.api.tls import format_fingerprint
from custom_components.energy_hub.const import (
    CONF_CERTIFICATE_SHA256,
    CONF_VENDOR,
    CONF_VERIFY_SSL,
    CONFIG_MINOR_VERSION,
    DOMAIN,
)
from custom_components.energy_hub.coordinator import action_error
from custom_components.energy_hub.helpers import async_pin_learned_certificate
from simulators.base import Simulator
from simulators.egauge import EgaugeSimulator
from simulators.ems import EmsSimulator

from .common import advance
from .conftest import StartSimulator


@dataclass(frozen=True)
class Device:
    """How to talk to one vendor's simulator in these tests."""

    vendor: str
    make: Callable[[], Simulator]
    form: Callable[[Simulator], dict[str, Any]]
    #: unique id of one sensor that is available while polls work
    sensor: Callable[[Simulator], str]
    #: a request path every poll makes
    poll_path: str


DEVICES = {
    "egauge": Device(
        vendor="egauge",
        make=EgaugeSimulator,
        form=lambda sim: {
            CONF_HOST: sim.url,
            CONF_USERNAME: "owner",
            CONF_PASSWORD: "secret",
        },
        sensor=lambda sim: f"{sim.serial}_reg0_power",  # type: ignore[attr-defined]
        poll_path="/api/register",
    ),
    "ems": Device(
        vendor="ems",
        make=EmsSimulator,
        form=lambda sim: {CONF_HOST: sim.url, CONF_USERNAME: "admin", CONF_PASSWORD: "s3cret!"},
        sensor=lambda sim: f"{sim.serial}_signal_{_first_enabled(sim)}",  # type: ignore[attr-defined]
        poll_path="/v1/signals/realtime",
    ),
}


def _first_enabled(sim: Any) -> int:
    return min(uid for uid, s in sim.signals.items() if s["enable"])


# a refused handshake is what these tests provoke: its server side is no error here
pytestmark = pytest.mark.usefixtures("refused_handshakes_are_no_errors")


@pytest.fixture(params=sorted(DEVICES))
def device(request: pytest.FixtureRequest) -> Device:
    """Each vendor with a TLS setting."""
    return DEVICES[request.param]


@pytest.fixture
async def sim(device: Device, start_simulator: StartSimulator) -> Simulator:
    """The vendor's simulator serving HTTPS with a self-signed certificate."""
    simulator = device.make()
    simulator.use_self_signed_certificate()
    await start_simulator(simulator)
    assert simulator.url.startswith("https://")
    return simulator


async def _open_form(hass: HomeAssistant, vendor: str) -> str:
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": vendor}
    )
    assert result["step_id"] == vendor
    # verification is on unless the user switches it off
    defaults = {
        str(key): key.default() for key in result["data_schema"].schema if callable(key.default)
    }
    assert defaults[CONF_VERIFY_SSL] is True
    return str(result["flow_id"])


def _sensor_state(hass: HomeAssistant, device: Device, sim: Simulator) -> str:
    entity_id = er.async_get(hass).async_get_entity_id("sensor", DOMAIN, device.sensor(sim))
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state.state


async def _trusted_entry(hass: HomeAssistant, device: Device, sim: Simulator) -> Any:
    """Add the device through the flow, trusting its certificate."""
    flow_id = await _open_form(hass, device.vendor)
    result = await hass.config_entries.flow.async_configure(flow_id, device.form(sim))
    assert result["step_id"] == "trust_certificate"
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    return result["result"]


async def test_default_verification_refuses_then_trusting_pins(
    hass: HomeAssistant, device: Device, sim: Simulator
) -> None:
    """A self-signed device: the trust step shows its certificate; trusting pins it."""
    flow_id = await _open_form(hass, device.vendor)
    result = await hass.config_entries.flow.async_configure(flow_id, device.form(sim))
    # verification refused the certificate: nothing was sent, the certificate is shown
    assert sim.log == []
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "trust_certificate"
    assert result["errors"] == {}
    placeholders = result["description_placeholders"]
    assert sim.certificate_sha256 is not None
    assert placeholders["fingerprint"] == format_fingerprint(sim.certificate_sha256)
    assert placeholders["host"] == sim.url
    assert "CN=" in placeholders["subject"]
    assert placeholders["subject"] == placeholders["issuer"]  # self-signed
    assert placeholders["not_after"][:2] == "20"

    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CERTIFICATE_SHA256] == sim.certificate_sha256
    assert result["data"][CONF_VERIFY_SSL] is False
    assert result["data"][CONF_HOST] == sim.url
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == CONFIG_MINOR_VERSION
    assert sim.requests(device.poll_path)
    assert _sensor_state(hass, device, sim) != STATE_UNAVAILABLE
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_{entry.entry_id}") is None


async def test_unticked_verification_shows_the_certificate_first(
    hass: HomeAssistant, device: Device, sim: Simulator
) -> None:
    """Switching verification off is not silent: the certificate is shown to be trusted."""
    flow_id = await _open_form(hass, device.vendor)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**device.form(sim), CONF_VERIFY_SSL: False}
    )
    assert result["step_id"] == "trust_certificate"
    assert sim.log == []
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CERTIFICATE_SHA256] == sim.certificate_sha256


async def test_certificate_changing_before_trust_is_shown_again(
    hass: HomeAssistant, device: Device, sim: Simulator
) -> None:
    """The certificate changes between showing and trusting: the new one is shown, not pinned."""
    flow_id = await _open_form(hass, device.vendor)
    result = await hass.config_entries.flow.async_configure(flow_id, device.form(sim))
    shown = result["description_placeholders"]["fingerprint"]
    await sim.change_certificate()
    assert sim.certificate_sha256 is not None
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "certificate_changed"}
    assert result["description_placeholders"]["fingerprint"] != shown
    assert result["description_placeholders"]["fingerprint"] == format_fingerprint(
        sim.certificate_sha256
    )
    assert sim.log == []  # nothing was sent to the device with the other certificate
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CERTIFICATE_SHA256] == sim.certificate_sha256


async def test_trust_step_device_gone(hass: HomeAssistant, device: Device, sim: Simulator) -> None:
    """The device goes away while the user looks at the certificate: cannot connect."""
    flow_id = await _open_form(hass, device.vendor)
    result = await hass.config_entries.flow.async_configure(flow_id, device.form(sim))
    assert result["step_id"] == "trust_certificate"
    await sim.stop()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "trust_certificate"
    # the trust form has no host field: the error is a form error, not lost
    assert result["errors"] == {"base": "cannot_connect"}


async def test_changed_certificate_is_refused_with_a_repair_issue(
    hass: HomeAssistant, device: Device, sim: Simulator, freezer: FrozenDateTimeFactory
) -> None:
    """A pinned entry meets another certificate: unavailable, translated, repair issue, no
    request (and so no credential) reaches the impostor; trusting the new one via
    reconfigure recovers."""
    entry = await _trusted_entry(hass, device, sim)
    old_pin = entry.data[CONF_CERTIFICATE_SHA256]
    await sim.change_certificate()
    sim.clear_log()
    await advance(hass, freezer, 3700)
    assert _sensor_state(hass, device, sim) == STATE_UNAVAILABLE
    error = entry.runtime_data.coordinator.last_exception
    assert error is not None
    assert error.translation_key == "certificate_changed"
    assert "another certificate" in str(error)  # the translated message
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "certificate_changed"
    assert issue.translation_placeholders == {"name": entry.title}
    assert issue.severity is ir.IssueSeverity.ERROR
    assert sim.log == []
    assert hass.config_entries.flow.async_progress() == []  # not a reauth

    # the user replaced the certificate on purpose: reconfigure, trust the new one
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**device.form(sim), CONF_PASSWORD: "", CONF_VERIFY_SSL: False}
    )
    assert result["step_id"] == "trust_new_certificate", result.get("errors")
    assert result["description_placeholders"]["fingerprint"] == format_fingerprint(
        sim.certificate_sha256 or ""
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_CERTIFICATE_SHA256] == sim.certificate_sha256 != old_pin
    assert entry.state is ConfigEntryState.LOADED
    assert _sensor_state(hass, device, sim) != STATE_UNAVAILABLE
    assert ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_{entry.entry_id}") is None


async def test_changed_certificate_at_setup(
    hass: HomeAssistant, device: Device, sim: Simulator
) -> None:
    """Home Assistant starting while the device shows another certificate: retry + issue."""
    entry = await _trusted_entry(hass, device, sim)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await sim.change_certificate()
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "another certificate" in entry.reason
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "certificate_changed"


async def test_verified_entry_meeting_an_untrusted_certificate(
    hass: HomeAssistant, device: Device, start_simulator: StartSimulator
) -> None:
    """An entry that verifies (the default) and meets a self-signed certificate."""
    plain = device.make()
    await start_simulator(plain)
    flow_id = await _open_form(hass, device.vendor)
    result = await hass.config_entries.flow.async_configure(flow_id, device.form(plain))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.data[CONF_VERIFY_SSL] is True
    assert CONF_CERTIFICATE_SHA256 not in entry.data
    assert await hass.config_entries.async_unload(entry.entry_id)
    # the device now serves https with a certificate no authority signed
    await plain.stop()
    plain.use_self_signed_certificate()
    await plain.start(plain.host, plain.port)
    hass.config_entries.async_update_entry(entry, data={**entry.data, CONF_HOST: plain.url})
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    assert "not trusted" in entry.reason
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "certificate_untrusted"


# -- migration of entries from before 1.2 -----------------------------------------------


def _old_entry(device: Device, sim: Simulator, **data: Any) -> MockConfigEntry:
    return MockConfigEntry(
        domain=DOMAIN,
        title=f"old {device.vendor}",
        unique_id=str(getattr(sim, "serial", "")),
        version=1,
        minor_version=1,
        data={CONF_VENDOR: device.vendor, **device.form(sim), **data},
    )


@pytest.mark.parametrize("flag", [{}, {CONF_VERIFY_SSL: False}], ids=["no_flag", "verify_off"])
async def test_migration_pins_at_next_connection(
    hass: HomeAssistant,
    device: Device,
    sim: Simulator,
    freezer: FrozenDateTimeFactory,
    flag: dict[str, Any],
) -> None:
    """An old entry that did not verify keeps working, is pinned, and the user is told."""
    entry = _old_entry(device, sim, **flag)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert (entry.version, entry.minor_version) == (1, CONFIG_MINOR_VERSION)
    assert entry.data[CONF_VERIFY_SSL] is False
    assert entry.data[CONF_CERTIFICATE_SHA256] == sim.certificate_sha256
    assert _sensor_state(hass, device, sim) != STATE_UNAVAILABLE
    notice = ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_pinned_{entry.entry_id}")
    assert notice is not None
    assert notice.translation_key == "certificate_pinned"
    assert notice.translation_placeholders == {
        "name": entry.title,
        "fingerprint": format_fingerprint(sim.certificate_sha256 or ""),
    }
    # from now on exactly that certificate: another one is refused at the next poll
    await sim.change_certificate()
    await advance(hass, freezer, 3700)
    assert _sensor_state(hass, device, sim) == STATE_UNAVAILABLE
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_{entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "certificate_changed"


async def test_migration_keeps_a_verifying_entry_and_plain_http(
    hass: HomeAssistant, device: Device, start_simulator: StartSimulator
) -> None:
    """Entries that verified stay so; plain http has nothing to pin; other vendors untouched."""
    plain = device.make()
    await start_simulator(plain)
    verifying = _old_entry(device, plain, **{CONF_VERIFY_SSL: True})
    verifying.add_to_hass(hass)
    assert await hass.config_entries.async_setup(verifying.entry_id)
    await hass.async_block_till_done()
    assert verifying.minor_version == CONFIG_MINOR_VERSION
    assert verifying.data[CONF_VERIFY_SSL] is True
    assert CONF_CERTIFICATE_SHA256 not in verifying.data
    assert await hass.config_entries.async_remove(verifying.entry_id)

    old_http = _old_entry(device, plain)
    old_http.add_to_hass(hass)
    assert await hass.config_entries.async_setup(old_http.entry_id)
    await hass.async_block_till_done()
    assert old_http.state is ConfigEntryState.LOADED
    assert old_http.data[CONF_VERIFY_SSL] is False  # what it meant; nothing to pin on http
    assert CONF_CERTIFICATE_SHA256 not in old_http.data
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"certificate_pinned_{old_http.entry_id}")
        is None
    )


async def test_migration_of_other_vendors_and_from_the_future(
    hass: HomeAssistant, socket_enabled: None
) -> None:
    """Vendors without a TLS setting get no flag; an entry from a newer version is refused."""
    goe = MockConfigEntry(
        domain=DOMAIN,
        version=1,
        minor_version=1,
        data={CONF_VENDOR: "goe", "goe_mode": "local", CONF_HOST: "http://127.0.0.1:9"},
    )
    goe.add_to_hass(hass)
    await hass.config_entries.async_setup(goe.entry_id)
    await hass.async_block_till_done()
    assert goe.minor_version == CONFIG_MINOR_VERSION
    assert CONF_VERIFY_SSL not in goe.data

    future = MockConfigEntry(
        domain=DOMAIN, version=2, data={CONF_VENDOR: "egauge", CONF_HOST: "http://127.0.0.1:9"}
    )
    future.add_to_hass(hass)
    await hass.config_entries.async_setup(future.entry_id)
    await hass.async_block_till_done()
    assert future.state is ConfigEntryState.MIGRATION_ERROR


async def test_reauth_meeting_a_changed_certificate(
    hass: HomeAssistant, device: Device, sim: Simulator
) -> None:
    """Signing in again while the device shows another certificate: the trust step first."""
    entry = await _trusted_entry(hass, device, sim)
    await sim.change_certificate()
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=dict(entry.data),
    )
    assert result["step_id"] == "reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_PASSWORD: device.form(sim)[CONF_PASSWORD]}
    )
    assert result["step_id"] == "trust_new_certificate"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_CERTIFICATE_SHA256] == sim.certificate_sha256


async def test_certificate_that_cannot_be_read(
    hass: HomeAssistant, device: Device, socket_enabled: None
) -> None:
    """Verification off for an https address where nothing answers: cannot connect."""
    flow_id = await _open_form(hass, device.vendor)
    form = {**device.form(device.make()), CONF_HOST: "https://127.0.0.1:9"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**form, CONF_VERIFY_SSL: False}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "cannot_connect"}


async def test_pinning_waits_when_the_certificate_cannot_be_read(
    hass: HomeAssistant, device: Device, sim: Simulator
) -> None:
    """An old entry whose device is gone right after its first poll is pinned later."""
    entry = _old_entry(device, sim)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    pin = entry.data[CONF_CERTIFICATE_SHA256]
    # back to "not pinned yet" with the device gone: nothing is pinned, nothing breaks
    hass.config_entries.async_update_entry(
        entry, data={k: v for k, v in entry.data.items() if k != CONF_CERTIFICATE_SHA256}
    )
    entry.runtime_data.client.pin_certificate(None)
    await sim.stop()
    await async_pin_learned_certificate(hass, entry)
    assert CONF_CERTIFICATE_SHA256 not in entry.data
    assert entry.runtime_data.client.certificate_pin is None
    assert pin == sim.certificate_sha256


def test_action_error_for_certificates(hass: HomeAssistant) -> None:
    """Actions (buttons, services) refused for a certificate say so, translated."""
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_VENDOR: "egauge"})
    changed = action_error(hass, entry, EnergyHubCertificateChangedError("other"))  # type: ignore[arg-type]
    assert changed.translation_key == "certificate_changed"
    untrusted = action_error(hass, entry, EnergyHubCertificateError("untrusted"))  # type: ignore[arg-type]
    assert untrusted.translation_key == "certificate_untrusted"


@pytest.fixture(autouse=True)
def _no_history_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """eGauge and EMS entries made through the flow import no history here.

    The history import paces its requests on the event loop's clock, which the frozen test
    clock never moves; these tests are about certificates, not history.
    """
    monkeypatch.setattr("custom_components.energy_hub.vendors.egauge.flow.DEFAULT_HISTORY_DAYS", 0)
    monkeypatch.setattr(
        "custom_components.energy_hub.vendors.ems.flow.history_days", lambda _options: 0
    )
