"""The go-e coordinator: one filtered status request per poll, writes with a refresh soon after.

Also the background work of a charger: ``GoePvSurplusSender`` sends the grid, PV and battery
power the user chose to the charger (``ids``) every few seconds for solar surplus charging.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
import math
from typing import Any

from homeassistant.const import (
    ATTR_UNIT_OF_MEASUREMENT,
    EVENT_HOMEASSISTANT_STOP,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
    UnitOfPower,
)
from homeassistant.core import CALLBACK_TYPE, Event, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.event import async_call_later, async_track_time_interval
from homeassistant.util import dt as dt_util
from homeassistant.util.unit_conversion import PowerConverter

from ...api.errors import EnergyHubApiError
from ...api.goe import GoeClient, GoeKeySupport, GoeRejectedError, pv_surplus_ids
from ...api.goe_surplus import ChargerDraw, battery_discharge, grid_import, shared_grid_power
from ...const import DOMAIN, LOGGER
from ...contract import EnergyHubConfigEntry
from ...coordinator import EnergyHubCoordinator, action_error
from ...helpers import device_identifier
from .const import (
    ISSUE_PV_SOURCE_STALE,
    ISSUE_PV_SOURCE_UNAVAILABLE,
    PV_LOGIC_MODES,
    PV_MODE_KEYS,
    PV_REPAIR_AFTER,
    PV_SOURCE_STALE_AFTER,
    REFRESH_AFTER_WRITE,
)
from .flow import PvSurplusConfig


class GoeCoordinator(EnergyHubCoordinator[dict[str, Any]]):
    """Polls one charger, asking only for the keys its enabled entities need."""

    # 403 from the cloud: the charger is offline or its cloud API is switched off;
    # only the user can fix that, so it becomes a repair issue when it persists.
    repair_reasons = frozenset({"goe_offline"})

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: GoeClient,
        *,
        serial: str,
        update_interval: timedelta,
        initial_keys: Iterable[str],
    ) -> None:
        """``initial_keys`` are read until the entities say which keys they need."""
        super().__init__(hass, entry, name=f"go-e {serial}", update_interval=update_interval)
        self.client = client
        self.serial = serial
        self._initial_keys = frozenset(initial_keys)
        self._key_users: Counter[str] = Counter()
        #: Keys this charger does not know (learnt from its answers).
        self.support = GoeKeySupport()
        self._refresh_job = HassJob(self._async_refresh_after_write, cancel_on_shutdown=True)
        self._refresh_unsub: CALLBACK_TYPE | None = None
        #: Sends grid/PV/battery power while solar surplus charging is configured.
        self.pv_sender: GoePvSurplusSender | None = None

    # -- which keys a poll asks for ---------------------------------------------------------

    @property
    def wanted_keys(self) -> frozenset[str]:
        """The keys of the next poll: those of the entities in Home Assistant.

        Before the entities exist (the first poll), those the entity registry says are
        enabled. The firmware version is always read (device page, key support).
        """
        keys = frozenset(self._key_users) if self._key_users else self._initial_keys
        return keys | {"fwv"}

    @callback
    def async_track_keys(self, keys: Iterable[str]) -> Callable[[], None]:
        """An entity needs ``keys`` from now on; call the result when it goes away."""
        keys = tuple(keys)
        self._key_users.update(keys)

        @callback
        def _untrack() -> None:
            self._key_users.subtract(keys)
            self._key_users = +self._key_users

        return _untrack

    async def _async_fetch(self) -> dict[str, Any]:
        status = await self.client.read(self.support.keys_to_ask(self.wanted_keys))
        self.support.learn(status)
        self._update_firmware(status.values.get("fwv"))
        return status.values

    def _update_firmware(self, firmware: Any) -> None:
        """Show a firmware update on the device page."""
        if firmware is None:
            return
        dev_reg = dr.async_get(self.hass)
        device = dev_reg.async_get_device_by_identifier(
            device_identifier("goe", self.serial), self.config_entry.entry_id
        )
        if device is not None and device.sw_version != str(firmware):
            dev_reg.async_update_device(device.id, sw_version=str(firmware))

    # -- writes ----------------------------------------------------------------------------

    async def async_write(self, values: Mapping[str, Any], *, refresh: bool = True) -> None:
        """Write ``values``; failures become translated errors; read again soon after.

        Also after a refusal: keys of the same request may have been applied, and the
        entities must show what the charger really has.
        """
        try:
            await self.client.set(values)
        except GoeRejectedError as err:
            if refresh:
                self.async_schedule_refresh()
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="goe_rejected",
                translation_placeholders={"keys": ", ".join(err.keys), "detail": err.detail},
            ) from err
        except EnergyHubApiError as err:
            raise action_error(self.hass, self.config_entry, err) from err
        if refresh:
            self.async_schedule_refresh()

    @callback
    def async_schedule_refresh(self) -> None:
        """Read the charger again shortly (a write shows up after its next logic cycle)."""
        self.async_cancel_refresh()
        self._refresh_unsub = async_call_later(self.hass, REFRESH_AFTER_WRITE, self._refresh_job)

    @callback
    def async_cancel_refresh(self) -> None:
        """Drop a pending refresh (on unload)."""
        if self._refresh_unsub is not None:
            self._refresh_unsub()
            self._refresh_unsub = None

    async def _async_refresh_after_write(self, _now: datetime) -> None:
        self._refresh_unsub = None
        await self.async_refresh()


# -- PV surplus: grid, PV and battery power sent to the charger (``ids``) ------------------


class GoePvSurplusSender:
    """Sends the chosen grid/PV/battery power to one charger every few seconds.

    Only while the charger follows the PV surplus (``fup`` on in eco mode, as last polled);
    nothing while a chosen entity is unavailable or stale (a repair issue names it once
    that lasts ``PV_REPAIR_AFTER``). Sends are background requests of the client: they never
    queue ahead of a poll. A failed send is tried again on the next tick; failing and
    recovering are logged once each. Stops on unload and when Home Assistant stops.
    """

    def __init__(
        self, hass: HomeAssistant, coordinator: GoeCoordinator, config: PvSurplusConfig
    ) -> None:
        """Nothing runs until ``async_start``."""
        self.hass = hass
        self.coordinator = coordinator
        self.config = config
        self._unsubs: list[CALLBACK_TYPE] = []
        self._unsub_stop: CALLBACK_TYPE | None = None
        self._task: asyncio.Task[None] | None = None
        self._failing = False
        #: (translation key, entity id) of the source problem and since when it lasts.
        self._problem: tuple[str, str] | None = None
        self._problem_since: datetime | None = None
        self._issue_raised = False
        #: What diagnostics show.
        self.sent = 0
        self.failed = 0
        self.last_ids: dict[str, float] | None = None
        self.last_error: str | None = None

    @property
    def _issue_id(self) -> str:
        return f"goe_pv_source_{self.coordinator.config_entry.entry_id}"

    # -- life cycle ------------------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Poll the mode keys and tick every ``interval`` seconds."""
        self._unsubs.append(self.coordinator.async_track_keys(PV_MODE_KEYS))
        self._unsubs.append(
            async_track_time_interval(
                self.hass,
                self._async_tick,
                timedelta(seconds=self.config.interval),
                name=f"go-e {self.coordinator.serial} PV surplus",
                cancel_on_shutdown=True,
            )
        )
        self._unsub_stop = self.hass.bus.async_listen_once(
            EVENT_HOMEASSISTANT_STOP, self._async_on_hass_stop
        )

    @callback
    def _async_on_hass_stop(self, _event: Event) -> None:
        self._unsub_stop = None  # a listener that fired is gone already
        self.async_stop()

    @callback
    def async_stop(self) -> None:
        """Stop ticking, drop a send in flight and the repair issue."""
        for unsub in self._unsubs:
            unsub()
        self._unsubs.clear()
        if self._unsub_stop is not None:
            self._unsub_stop()
            self._unsub_stop = None
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)

    # -- state -----------------------------------------------------------------------------

    @property
    def following(self) -> bool:
        """True while the charger follows the PV surplus (as of the last successful poll)."""
        data = self.coordinator.data
        return (
            self.coordinator.last_update_success
            and isinstance(data, dict)
            and data.get("fup") is True
            and data.get("lmo") in PV_LOGIC_MODES
        )

    @property
    def draw(self) -> float:
        """What the charger draws now (W, from the last poll; 0 when unknown)."""
        nrg = (self.coordinator.data or {}).get("nrg")
        power = nrg[11] if isinstance(nrg, list) and len(nrg) > 11 else None
        if isinstance(power, (int, float)) and not isinstance(power, bool):
            return float(power) if math.isfinite(power) else 0.0
        return 0.0

    def _read(self, entity_id: str) -> float | str:
        """The entity's power in W, or the translation key of what is wrong with it."""
        state = self.hass.states.get(entity_id)
        if state is None or state.state in (STATE_UNAVAILABLE, STATE_UNKNOWN):
            return ISSUE_PV_SOURCE_UNAVAILABLE
        try:
            value = float(state.state)
        except ValueError:
            return ISSUE_PV_SOURCE_UNAVAILABLE
        unit = state.attributes.get(ATTR_UNIT_OF_MEASUREMENT)
        if not math.isfinite(value) or (
            unit is not None and unit not in PowerConverter.VALID_UNITS
        ):
            return ISSUE_PV_SOURCE_UNAVAILABLE
        if dt_util.utcnow() - state.last_reported > timedelta(seconds=PV_SOURCE_STALE_AFTER):
            return ISSUE_PV_SOURCE_STALE
        if unit is None or unit == UnitOfPower.WATT:
            return value
        return PowerConverter.convert(value, unit, UnitOfPower.WATT)

    def _group(self) -> list[ChargerDraw]:
        """The chargers of this Energy Hub following the surplus of the same grid entity."""
        draws: list[ChargerDraw] = []
        for entry in self.hass.config_entries.async_loaded_entries(DOMAIN):
            coordinator = getattr(entry.runtime_data, "coordinator", None)
            if not isinstance(coordinator, GoeCoordinator):
                continue
            sender = coordinator.pv_sender
            if sender is None or sender.config.grid != self.config.grid or not sender.following:
                continue
            draws.append(
                ChargerDraw(entry.entry_id, sender.config.priority, coordinator.serial, sender.draw)
            )
        return draws

    # -- the tick --------------------------------------------------------------------------

    @callback
    def _async_tick(self, now: datetime) -> None:
        """Read the entities and start a send (unless one is still under way)."""
        if self._task is not None and not self._task.done():
            return
        if not self.following:
            self._async_set_problem(None, now)
            return
        values: dict[str, float] = {}
        for entity_id in self.config.entities:
            value = self._read(entity_id)
            if isinstance(value, str):
                self._async_set_problem((value, entity_id), now)
                return
            values[entity_id] = value
        self._async_set_problem(None, now)
        grid = shared_grid_power(
            grid_import(values[self.config.grid], self.config.grid_sign),
            self.coordinator.config_entry.entry_id,
            self._group(),
        )
        pv = values.get(self.config.pv) if self.config.pv else None
        battery = values.get(self.config.battery) if self.config.battery else None
        if battery is not None:
            battery = battery_discharge(battery, self.config.battery_sign)
        self._task = self.coordinator.config_entry.async_create_background_task(
            self.hass,
            self._async_send(grid, pv, battery),
            f"go-e {self.coordinator.serial} PV surplus send",
        )

    async def _async_send(self, grid: float, pv: float | None, battery: float | None) -> None:
        try:
            await self.coordinator.client.send_pv_data(grid, pv, battery)
        except EnergyHubApiError as err:
            self.failed += 1
            self.last_error = str(err)
            if not self._failing:
                self._failing = True
                LOGGER.warning(
                    "Sending PV surplus data to go-eCharger %s failed, trying again: %s",
                    self.coordinator.serial,
                    err,
                )
            return
        if self._failing:
            self._failing = False
            LOGGER.info(
                "Sending PV surplus data to go-eCharger %s works again", self.coordinator.serial
            )
        self.sent += 1
        self.last_ids = pv_surplus_ids(grid, pv, battery)
        self.last_error = None

    @callback
    def _async_set_problem(self, problem: tuple[str, str] | None, now: datetime) -> None:
        """Note a source problem (log once, repair issue after a while) or its end."""
        if problem != self._problem:
            if problem is not None:
                LOGGER.warning(
                    "go-eCharger %s: not sending PV surplus data, %s is %s",
                    self.coordinator.serial,
                    problem[1],
                    "stale" if problem[0] == ISSUE_PV_SOURCE_STALE else "unavailable",
                )
            else:  # the problem before is gone
                LOGGER.info(
                    "go-eCharger %s: sending PV surplus data again", self.coordinator.serial
                )
            if self._issue_raised:
                ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)
                self._issue_raised = False
            self._problem = problem
            self._problem_since = now
        if (
            problem is not None
            and not self._issue_raised
            and self._problem_since is not None
            and now - self._problem_since >= timedelta(seconds=PV_REPAIR_AFTER)
        ):
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=problem[0],
                translation_placeholders={
                    "entity": problem[1],
                    "name": self.coordinator.config_entry.title,
                    "seconds": str(PV_SOURCE_STALE_AFTER),
                },
            )
            self._issue_raised = True

    def diagnostics(self) -> dict[str, Any]:
        """What the diagnostics download shows about the sender."""
        return {
            "grid": self.config.grid,
            "grid_sign": self.config.grid_sign,
            "pv": self.config.pv,
            "battery": self.config.battery,
            "battery_sign": self.config.battery_sign,
            "interval": self.config.interval,
            "priority": self.config.priority,
            "following": self.following,
            "problem": list(self._problem) if self._problem else None,
            "sent": self.sent,
            "failed": self.failed,
            "last_ids": self.last_ids,
            "last_error": self.last_error,
        }
