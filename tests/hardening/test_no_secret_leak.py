"""Every fault episode with debug logging on: no secret of the entry leaks anywhere.

Looked at: every log record (message, arguments, formatted traceback, stack), every
exception a poll ended with (with everything chained to it), every repair issue, the
diagnostics download, and every request URL (the EKM key may only travel in the URLs of
the EKM hosts, where the vendor's API requires it).
"""

from __future__ import annotations

import json
import logging
import re
import traceback
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest

from custom_components.energy_hub.const import DOMAIN
from custom_components.energy_hub.diagnostics import async_get_config_entry_diagnostics
from simulators.base import Simulator

from ..conftest import StartSimulator
from .entries import EKM_KEY, VENDORS, Setup, setup_vendor

JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")


def episodes(setup: Setup, other: Simulator) -> list[tuple[str, dict[str, Any]]]:
    """Every fault the simulators can play, on the polled path or everywhere."""
    poll = (setup.poll_path,)
    echo = " ".join(f"key={s}&token={s} password={s}" for s in setup.secrets)
    body = json.dumps({"error": f"bad request: {echo}", "message": echo}).encode()
    return [
        ("HTTP 500", {"status": 500, "paths": poll}),
        ("HTTP 503", {"status": 503}),
        ("HTTP 400", {"status": 400, "paths": poll}),
        ("HTTP 404", {"status": 404, "paths": poll}),
        ("HTTP 401", {"status": 401, "paths": poll}),
        ("malformed JSON", {"malformed_json": True}),
        ("connection dropped", {"close_connection": True}),
        ("offline", {"offline": True}),
        ("not UTF-8", {"non_utf8": True, "paths": poll}),
        ("1e400", {"out_of_range": "1e400", "paths": poll}),
        ("NaN", {"out_of_range": "NaN", "paths": poll}),
        ("400 digits", {"out_of_range": "9" * 400, "paths": poll}),
        ("deep nesting", {"deep_nesting": 50_000, "paths": poll}),
        (
            "wrong types",
            {"replace": {"registers": 5, "realtime": 5, "ReadSet": 1, "amp": []}, "paths": poll},
        ),
        ("not HTTP", {"bad_http": True}),
        ("429", {"rate_limited": True, "retry_after": "0", "paths": poll}),
        ("redirect", {"redirect": other.url}),
        ("echo 400", {"body": body, "status": 400, "paths": poll}),
        ("echo 200", {"body": body, "status": 200, "paths": poll}),
    ]


def record_texts(record: logging.LogRecord) -> list[str]:
    """A log record as any handler could print it."""
    texts = [record.getMessage(), str(record.msg), repr(record.args)]
    if record.exc_info:
        texts.append(logging.Formatter().formatException(record.exc_info))
        if record.exc_info[1] is not None:
            texts.append("".join(traceback.format_exception(record.exc_info[1])))
    texts.extend(text for text in (record.exc_text, record.stack_info) if text)
    return texts


@pytest.mark.parametrize("vendor", VENDORS)
async def test_no_secret_in_logs_errors_issues_diagnostics_or_urls(
    hass: HomeAssistant,
    start_simulator: StartSimulator,
    caplog: pytest.LogCaptureFixture,
    vendor: str,
) -> None:
    """Each episode, then recovery; nothing of the entry's secrets shows anywhere."""
    caplog.set_level(logging.DEBUG)
    setup = await setup_vendor(hass, vendor, start_simulator)
    other = await start_simulator(Simulator())
    coordinator = setup.coordinator
    exceptions: list[str] = []
    played = 0
    for name, faults in episodes(setup, other):
        setup.sim.faults.reset()
        for key, value in faults.items():
            setattr(setup.sim.faults, key, tuple(value) if key == "paths" else value)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        if coordinator.last_exception is not None:
            exceptions.append(f"{name}: {coordinator.last_exception}")
            exceptions.append("".join(traceback.format_exception(coordinator.last_exception)))
        played += 1
        setup.sim.faults.reset()
        await coordinator.async_refresh()
        await hass.async_block_till_done()
    assert played == 19
    assert len(exceptions) >= 2 * 15  # most episodes fail the poll

    diagnostics = json.dumps(
        await async_get_config_entry_diagnostics(hass, setup.entry), default=str
    )
    issues = [
        json.dumps(issue.to_json(), default=str)
        for issue in ir.async_get(hass).issues.values()
        if issue.domain == DOMAIN
    ]
    logs = [text for record in caplog.records for text in record_texts(record)]
    assert any(record.levelname == "DEBUG" for record in caplog.records)

    texts = {"log": logs, "exception": exceptions, "issue": issues, "diagnostics": [diagnostics]}
    for where, items in texts.items():
        for text in items:
            for secret in setup.secrets:
                assert secret not in text, f"{where} leaks a secret: {text[:300]}"
            assert not JWT.search(text), f"{where} leaks a JWT: {text[:300]}"

    # request URLs: the EKM key travels in EKM URLs (the vendor requires it), nothing else
    assert other.log == []
    for request in setup.sim.log:
        url = f"{request.path}?{request.query_string}"
        for secret in setup.secrets:
            if secret == EKM_KEY:
                continue
            assert secret not in url, f"request URL carries a secret: {url}"
    if vendor == "ekm":
        assert any(EKM_KEY in request.query_string for request in setup.sim.log)
