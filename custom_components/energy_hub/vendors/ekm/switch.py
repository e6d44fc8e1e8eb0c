"""Relay switches (one-shot setRelay triggers) and one switch per gateway trigger."""

from __future__ import annotations

from typing import Any

from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceInfo

from ...api import EnergyHubApiError
from ...entity import EnergyHubEntity
from .coordinator import EkmCoordinator, PendingRelay
from .entity import gateway_device, raise_api_error
from .sensor import EkmMeterEntity

RELAY_SWITCHES: tuple[SwitchEntityDescription, ...] = tuple(
    SwitchEntityDescription(
        key=relay, translation_key="relay", translation_placeholders={"relay": relay[-1]}
    )
    for relay in ("relay_1", "relay_2")
)


class EkmRelaySwitch(EkmMeterEntity, SwitchEntity):
    """A relay output of a v4 Omnimeter.

    Switching creates a one-shot trigger firing now; until ``State_Out`` confirms the
    new state (or the command times out) the switch shows the requested state.
    """

    def __init__(
        self,
        coordinator: EkmCoordinator,
        description: SwitchEntityDescription,
        meter: str,
        device_info: DeviceInfo,
    ) -> None:
        """Bind to one relay of ``meter``."""
        super().__init__(coordinator, description, meter, device_info)
        self._relay = description.key

    @property
    def _pending(self) -> PendingRelay | None:
        """The command on its way (None once confirmed or timed out)."""
        pending = self.coordinator.pending.get((self._meter, self._relay))
        return None if pending is None or pending.expired else pending

    @property
    def assumed_state(self) -> bool:
        """True while a command is on its way."""
        return self._pending is not None

    @property
    def is_on(self) -> bool | None:
        """The requested state while a command is pending, else the read state."""
        pending = self._pending
        if pending is not None:
            return pending.target
        reading = self.reading
        states = None if reading is None else reading.relays
        if states is None:
            return None
        return states[0 if self._relay == "relay_1" else 1]

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Close the relay."""
        await self._async_switch(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Open the relay."""
        await self._async_switch(False)

    async def _async_switch(self, on: bool) -> None:
        try:
            await self.coordinator.async_set_relay(self._meter, self._relay, on)
        except EnergyHubApiError as err:
            raise_api_error(self.coordinator.config_entry, err)
        self.async_write_ha_state()
        await self.coordinator.async_request_refresh()


class EkmTriggerSwitch(EnergyHubEntity[EkmCoordinator], SwitchEntity):
    """A trigger of the gateway: on = enabled. Conditions and actions are attributes."""

    _attr_entity_category = EntityCategory.CONFIG
    _unrecorded_attributes = frozenset({"conditions", "actions", "created_at", "updated_at"})

    def __init__(self, coordinator: EkmCoordinator, trigger_uuid: str) -> None:
        """Bind to the trigger ``trigger_uuid``."""
        super().__init__(
            coordinator,
            SwitchEntityDescription(key="trigger", translation_key="trigger"),
            unique_id=f"ekm_{coordinator.gateway}_trigger_{trigger_uuid}",
            device_info=gateway_device(coordinator.gateway),
        )
        self._uuid = trigger_uuid
        self._update_name()

    @property
    def _trigger(self) -> dict[str, Any] | None:
        return self.coordinator.data.triggers.get(self._uuid)

    def _update_name(self) -> None:
        trigger = self._trigger
        name = str(trigger.get("trigger_name") or self._uuid) if trigger else self._uuid
        if getattr(self, "_attr_translation_placeholders", None) != {"name": name}:
            self._attr_translation_placeholders = {"name": name}
            # the entity name is cached; a trigger renamed elsewhere renames the switch
            self.__dict__.pop("name", None)

    @callback
    def _handle_coordinator_update(self) -> None:
        self._update_name()
        super()._handle_coordinator_update()

    @property
    def available(self) -> bool:
        """Available while the trigger exists and the trigger list could be read."""
        return super().available and self.coordinator.data.triggers_ok and self._trigger is not None

    @property
    def is_on(self) -> bool | None:
        """Whether the trigger is enabled."""
        trigger = self._trigger
        return None if trigger is None else bool(trigger.get("enabled"))

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The trigger's uuid, conditions, actions and time stamps."""
        trigger = self._trigger or {}
        return {
            "trigger_uuid": self._uuid,
            "conditions": trigger.get("conditions", []),
            "actions": trigger.get("actions", []),
            "created_at": trigger.get("created_at"),
            "updated_at": trigger.get("updated_at"),
        }

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Enable the trigger."""
        await self._async_enable(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Disable the trigger."""
        await self._async_enable(False)

    async def _async_enable(self, enabled: bool) -> None:
        try:
            trigger = await self.coordinator.client.update_trigger(self._uuid, {"enabled": enabled})
        except EnergyHubApiError as err:
            raise_api_error(self.coordinator.config_entry, err)
        self.coordinator.data.triggers[self._uuid] = trigger
        self.coordinator.async_update_listeners()
