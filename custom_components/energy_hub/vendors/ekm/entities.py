"""EKM entities: meter sensors, relay and trigger switches, and the device helpers they share."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NoReturn, cast

from homeassistant.components.sensor import SensorEntity, SensorStateClass
from homeassistant.components.switch import SwitchEntity, SwitchEntityDescription
from homeassistant.const import EntityCategory
from homeassistant.core import callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.entity import EntityDescription

from ...api.ekm import EkmReading
from ...api.errors import EnergyHubApiError, EnergyHubRequestError
from ...api.values import finite_float
from ...const import DOMAIN
from ...contract import EnergyHubConfigEntry
from ...coordinator import action_error
from ...entity import EnergyHubEntity, EnergyHubItemEntity
from ...helpers import device_identifier
from .const import MANUFACTURER, VENDOR_KEY
from .coordinator import EkmCoordinator, PendingRelay
from .descriptions import EkmSensorDescription


def gateway_identifier(gateway: str) -> tuple[str, str]:
    """Device-registry identifier of a Push3 gateway."""
    return device_identifier(VENDOR_KEY, gateway)


def meter_identifier(gateway: str, meter: str) -> tuple[str, str]:
    """Device-registry identifier of an Omnimeter read through ``gateway``.

    Scoped to the gateway (one config entry each), so two entries never share a device.
    """
    return device_identifier(VENDOR_KEY, gateway, meter)


def meter_unique_id(gateway: str, meter: str, key: str) -> str:
    """Unique id of a meter entity, scoped to the gateway (entry) reading the meter."""
    return f"{VENDOR_KEY}_{gateway}_{meter}_{key}"


def gateway_device(gateway: str) -> DeviceInfo:
    """The Push3 gateway's device."""
    return DeviceInfo(
        identifiers={gateway_identifier(gateway)},
        name=f"EKM Push3 {gateway}",
        manufacturer=MANUFACTURER,
        model="Push3 gateway",
        serial_number=gateway,
    )


def meter_device(
    gateway: str, meter: str, info: Mapping[str, Any], gateway_device_id: str | None
) -> DeviceInfo:
    """An Omnimeter's device, linked to the gateway it is read through."""
    protocol = str(info.get("protocol") or "v4")
    device = DeviceInfo(
        identifiers={meter_identifier(gateway, meter)},
        name=f"Omnimeter {meter}",
        manufacturer=MANUFACTURER,
        model=f"Omnimeter {protocol}",
        serial_number=meter,
    )
    if gateway_device_id is not None:
        device["via_device_id"] = gateway_device_id
    return device


def ekm_coordinator(entry: EnergyHubConfigEntry) -> EkmCoordinator:
    """The coordinator of a loaded EKM entry."""
    return cast("EkmCoordinator", entry.runtime_data.coordinator)


def raise_api_error(entry: EnergyHubConfigEntry, err: EnergyHubApiError) -> NoReturn:
    """Turn a client error of an action into the translated error the user sees."""
    if isinstance(err, EnergyHubRequestError):
        if err.status == 404:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="ekm_trigger_not_found",
                translation_placeholders={"error": err.detail},
            ) from err
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="ekm_trigger_refused",
            translation_placeholders={"error": err.detail},
        ) from err
    raise action_error(entry.runtime_data.coordinator.hass, entry, err) from err


class EkmMeterEntity(EnergyHubItemEntity[EkmCoordinator, EkmReading]):
    """An entity of one meter; unavailable while the meter is missing from the reads."""

    def __init__(
        self,
        coordinator: EkmCoordinator,
        description: EntityDescription,
        meter: str,
        device_info: DeviceInfo,
    ) -> None:
        """Bind to ``meter``."""
        super().__init__(
            coordinator,
            description,
            unique_id=meter_unique_id(coordinator.gateway, meter, description.key),
            device_info=device_info,
        )
        self._meter = meter

    @property
    def item(self) -> EkmReading | None:
        """The meter's latest read (None when the cloud sent none)."""
        return self.coordinator.data.readings.get(self._meter)


#: A counter reading lower than the last one is only believed after this many reads.
COUNTER_DROP_READS = 3


class EkmSensor(EkmMeterEntity, SensorEntity):
    """One reading field; None (unknown) for a bad read, never 0.

    For counters (total_increasing), a single read lower than the last one is treated as
    a glitch and shown as unknown, so the Energy dashboard never books a false meter
    reset; a lower value that persists (a real reset or a replaced meter) is accepted.
    """

    entity_description: EkmSensorDescription

    def __init__(
        self,
        coordinator: EkmCoordinator,
        description: EkmSensorDescription,
        meter: str,
        device_info: DeviceInfo,
    ) -> None:
        """Bind to one field of ``meter``; the value is computed once per poll."""
        super().__init__(coordinator, description, meter, device_info)
        self._last_total: float | None = None
        self._drops = 0
        self._attr_native_value = self._compute()

    @callback
    def _handle_coordinator_update(self) -> None:
        self._attr_native_value = self._compute()
        super()._handle_coordinator_update()

    def _compute(self) -> float | None:
        """The field of the latest good read (converted, counters checked)."""
        reading = self.item
        value = (
            None if reading is None else finite_float(reading.value(self.entity_description.field))
        )
        if value is None:
            return None
        if self.entity_description.convert is not None:
            return self.entity_description.convert(value)
        if self.entity_description.state_class is SensorStateClass.TOTAL_INCREASING:
            if self._last_total is not None and value < self._last_total:
                self._drops += 1
                if self._drops < COUNTER_DROP_READS:
                    return None
            self._drops = 0
            self._last_total = value
        return value


class EkmLastReadingSensor(EkmMeterEntity, SensorEntity):
    """When the meter was last read successfully."""

    @property
    def native_value(self) -> datetime | None:
        """The time stamp of the latest good read."""
        reading = self.item
        return reading.timestamp if reading is not None and reading.good else None


class OnOffSwitch(SwitchEntity):
    """A switch whose on and off are one request with the wanted state (``_async_set``)."""

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch on: close the relay, enable the trigger."""
        await self._async_set(True)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch off: open the relay, disable the trigger."""
        await self._async_set(False)

    async def _async_set(self, on: bool) -> None:
        raise NotImplementedError


class EkmRelaySwitch(EkmMeterEntity, OnOffSwitch):
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
        reading = self.item
        states = None if reading is None else reading.relays
        if states is None:
            return None
        return states[0 if self._relay == "relay_1" else 1]

    async def _async_set(self, on: bool) -> None:
        """Close (on) or open the relay."""
        try:
            await self.coordinator.async_set_relay(self._meter, self._relay, on)
        except EnergyHubApiError as err:
            raise_api_error(self.coordinator.config_entry, err)
        self.async_write_ha_state()
        await self.coordinator.async_request_refresh()


class EkmTriggerSwitch(EnergyHubEntity[EkmCoordinator], OnOffSwitch):
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

    async def _async_set(self, on: bool) -> None:
        """Enable (on) or disable the trigger."""
        try:
            trigger = await self.coordinator.client.update_trigger(self._uuid, {"enabled": on})
        except EnergyHubApiError as err:
            raise_api_error(self.coordinator.config_entry, err)
        self.coordinator.data.triggers[self._uuid] = trigger
        self.coordinator.async_update_listeners()
