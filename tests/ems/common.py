"""Helpers of the EMS tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
import threading
from typing import Any

from aiohttp import web
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_HOST, CONF_PASSWORD, CONF_USERNAME
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed

from custom_components.energy_hub.const import CONF_VENDOR, CONF_VERIFY_SSL, DOMAIN
from custom_components.energy_hub.vendors.ems.const import CONF_HISTORY_DAYS
from simulators.base import free_port, self_signed_certificate, server_context
from simulators.ems import EmsSimulator

SERIAL = "BX10000000"


def user_input(sim: EmsSimulator, password: str = "s3cret!") -> dict[str, Any]:
    """What a user types into the form."""
    return {
        CONF_HOST: sim.url,
        CONF_USERNAME: "admin",
        CONF_PASSWORD: password,
        CONF_VERIFY_SSL: True,
    }


async def setup_entry(
    hass: HomeAssistant, sim: EmsSimulator, *, enable_all: bool = False, **options: Any
) -> MockConfigEntry:
    """Add and set up an entry for the simulated gateway.

    ``enable_all``: also enable the sensors that are disabled by default (as a user
    would on the device page) and reload, so that every signal has a sensor in Home
    Assistant. The history import is off unless asked for: it paces its requests on the
    event loop's clock, which the tests freeze.
    """
    options.setdefault(CONF_HISTORY_DAYS, 0)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"EMS gateway {sim.serial}",
        unique_id=sim.serial,
        data={CONF_VENDOR: "ems", **user_input(sim)},
        options=options,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    if enable_all:
        await enable_all_sensors(hass, entry)
    return entry


async def enable_all_sensors(hass: HomeAssistant, entry: MockConfigEntry) -> int:
    """Enable every sensor disabled by default, as a user does; returns how many.

    Home Assistant reloads the entry by itself 30 seconds after the last change; its
    timer is fired here.
    """
    ent_reg = er.async_get(hass)
    disabled = [
        reg.entity_id
        for reg in er.async_entries_for_config_entry(ent_reg, entry.entry_id)
        if reg.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    ]
    for entity_id in disabled:
        ent_reg.async_update_entity(entity_id, disabled_by=None)
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done(wait_background_tasks=True)
    assert entry.state is ConfigEntryState.LOADED
    return len(disabled)


def signal_sensors(hass: HomeAssistant, entry: MockConfigEntry) -> list[er.RegistryEntry]:
    """The registry entries of the entry's signal sensors (not the history import's)."""
    return [
        reg
        for reg in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if reg.domain == "sensor" and "_signal_" in reg.unique_id
    ]


def signal_entity(hass: HomeAssistant, uid: int, serial: str = SERIAL) -> str | None:
    """The entity id of a signal's sensor."""
    return er.async_get(hass).async_get_entity_id("sensor", DOMAIN, f"{serial}_signal_{uid}")


@asynccontextmanager
async def serve_tls(sim: EmsSimulator) -> AsyncIterator[int]:
    """Serve the simulator over HTTPS with a self-signed certificate; yields the port.

    The server runs on its own event loop in a thread: a client refusing the certificate
    aborts the handshake, which the server's loop reports as an error that must not be
    mistaken for one of Home Assistant's.
    """
    context = server_context(*self_signed_certificate("ems.local"))
    port = free_port()
    loop = asyncio.new_event_loop()
    loop.set_exception_handler(lambda _loop, _context: None)
    runner = web.AppRunner(sim.app, handle_signals=False, shutdown_timeout=0.1)

    async def start() -> None:
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_forever()

    thread = threading.Thread(target=run, name="ems-tls-simulator", daemon=True)
    thread.start()
    await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(start(), loop))
    try:
        yield port
    finally:
        await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(runner.cleanup(), loop))
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
