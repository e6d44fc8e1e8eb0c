"""Coordinator of an EKM gateway: one readMeter request for all meters plus its triggers.

Relay commands are one-shot Trigger-API triggers; the coordinator remembers them until the
next reading confirms the relay state (or a timeout passes) and then deletes them, so
no stale triggers pile up on the account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
import logging
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.util import dt as dt_util

from ...api.ekm import EkmClient, EkmReading, one_shot_rrule
from ...api.errors import EnergyHubApiError, EnergyHubAuthError, EnergyHubRequestError
from ...const import DOMAIN
from ...contract import EnergyHubConfigEntry
from ...coordinator import EnergyHubCoordinator
from .const import RELAY_CONFIRM_TIMEOUT, RELAY_TRIGGER_PREFIX

_LOGGER = logging.getLogger(__name__)


@dataclass
class EkmData:
    """One poll: the meters' latest reads and the gateway's (user) triggers by uuid."""

    readings: dict[str, EkmReading]
    triggers: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: False when the trigger list could not be read this time (``triggers`` is the last
    #: known list then, so no trigger switch is removed by a hiccup).
    triggers_ok: bool = True


@dataclass
class PendingRelay:
    """A relay command sent as a one-shot trigger, not yet confirmed by a reading."""

    trigger_uuid: str
    target: bool
    sent: datetime
    #: True once the command timed out: the switch shows the read state again.
    expired: bool = False


def is_relay_command(trigger: dict[str, Any]) -> bool:
    """True for the one-shot triggers the relay switches create."""
    return str(trigger.get("trigger_name", "")).startswith(RELAY_TRIGGER_PREFIX)


class EkmCoordinator(EnergyHubCoordinator[EkmData]):
    """Polls the meters of one EKM gateway and the gateway's triggers."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        client: EkmClient,
        *,
        gateway: str,
        meters: list[str],
        update_interval: timedelta,
    ) -> None:
        """Poll ``meters`` (one request) and ``gateway``'s triggers."""
        super().__init__(hass, entry, name=f"EKM {gateway}", update_interval=update_interval)
        self.client = client
        self.gateway = gateway
        self.meters = meters
        self.pending: dict[tuple[str, str], PendingRelay] = {}
        #: Device-registry id of the gateway (set once registered; meters link to it).
        self.gateway_device_id: str | None = None

    @property
    def relay_timeout(self) -> timedelta:
        """How long a relay command may stay unconfirmed (at least three polls)."""
        interval = self.update_interval or RELAY_CONFIRM_TIMEOUT
        return max(RELAY_CONFIRM_TIMEOUT, 3 * interval)

    async def _async_fetch(self) -> EkmData:
        readings = await self.client.read_meters(self.meters)
        try:
            triggers = await self.client.list_triggers(self.gateway)
        except EnergyHubAuthError:
            raise
        except EnergyHubApiError as err:
            # the readings are fine: keep the meters available, only the triggers are not
            _LOGGER.debug("Could not read the triggers of %s: %s", self.gateway, err)
            await self._async_settle_relays(readings, [])
            return EkmData(
                readings=readings,
                triggers=dict(self.data.triggers) if self.data else {},
                triggers_ok=False,
            )
        await self._async_settle_relays(readings, triggers)
        return EkmData(
            readings=readings,
            triggers={t["trigger_uuid"]: t for t in triggers if not is_relay_command(t)},
        )

    async def _async_settle_relays(
        self, readings: dict[str, EkmReading], triggers: list[dict[str, Any]]
    ) -> None:
        """Delete relay-command triggers that did their job, timed out, or are orphans."""
        now = dt_util.utcnow()
        pending_uuids = {p.trigger_uuid for p in self.pending.values()}
        for trigger in triggers:
            if is_relay_command(trigger) and trigger["trigger_uuid"] not in pending_uuids:
                # left over from an earlier run (restart while a command was pending)
                await self._async_delete(trigger["trigger_uuid"])
        for (meter, relay), pending in list(self.pending.items()):
            reading = readings.get(meter)
            states = reading.relays if reading is not None else None
            actual = None if states is None else states[0 if relay == "relay_1" else 1]
            if actual is pending.target:
                if await self._async_delete(pending.trigger_uuid):
                    del self.pending[(meter, relay)]
            elif now - pending.sent >= self.relay_timeout:
                if not pending.expired:
                    pending.expired = True
                    if actual is not None:
                        _LOGGER.warning(
                            "%s",
                            HomeAssistantError(
                                translation_domain=DOMAIN,
                                translation_key="ekm_relay_mismatch",
                                translation_placeholders={
                                    "meter": meter,
                                    "relay": relay[-1],
                                    "requested": "on" if pending.target else "off",
                                    "actual": "on" if actual else "off",
                                },
                            ),
                        )
                if await self._async_delete(pending.trigger_uuid):
                    del self.pending[(meter, relay)]

    async def _async_delete(self, trigger_uuid: str) -> bool:
        """Delete a trigger; True when it is gone (also when it was gone already)."""
        try:
            await self.client.delete_trigger(trigger_uuid)
        except EnergyHubRequestError as err:
            if err.status == 404:
                return True
            _LOGGER.debug("Could not delete relay trigger: %s", err)
            return False
        except EnergyHubApiError as err:
            _LOGGER.debug("Could not delete relay trigger, retrying next poll: %s", err)
            return False
        return True

    async def async_cancel_pending(self) -> None:
        """Delete the helper triggers of unconfirmed relay commands (best effort)."""
        for key, pending in list(self.pending.items()):
            if await self._async_delete(pending.trigger_uuid):
                del self.pending[key]

    async def async_set_relay(self, meter: str, relay: str, on: bool) -> None:
        """Send a relay command as a one-shot trigger firing now (client errors propagate)."""
        previous = self.pending.pop((meter, relay), None)
        if previous is not None:
            await self._async_delete(previous.trigger_uuid)
        status = "close" if on else "open"
        now = dt_util.utcnow()
        trigger = await self.client.create_trigger(
            self.gateway,
            {
                "trigger_name": f"{RELAY_TRIGGER_PREFIX} {meter} {relay} {status}",
                "enabled": True,
                "conditions": [{"type": "rrule", "rrule": one_shot_rrule(now)}],
                "actions": [
                    {
                        "target": "meter",
                        "target_id": meter,
                        "command": "setRelay",
                        # duration 0: hold the new state
                        "params": {"relay": relay, "status": status, "duration": 0},
                    }
                ],
            },
        )
        self.pending[(meter, relay)] = PendingRelay(trigger["trigger_uuid"], on, now)
