"""The go-e coordinator: one filtered status request per poll, writes with a refresh soon after."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from homeassistant.core import CALLBACK_TYPE, HassJob, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.event import async_call_later

from ...api import EnergyHubApiError
from ...api.goe import GoeClient, GoeKeySupport, GoeRejectedError
from ...const import DOMAIN
from ...contract import EnergyHubConfigEntry
from ...coordinator import EnergyHubCoordinator, action_error
from ...helpers import device_identifier
from .const import REFRESH_AFTER_WRITE


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
