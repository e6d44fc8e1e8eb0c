"""EMS entities: one sensor per enabled signal (meaning from the ``si`` table), one button.

Loads are shown in the entity name (``{load} voltage L1`` on the EMS device's page), not as
devices of their own: a load is a measurement channel of a meter, not a separate piece of
hardware, and Home Assistant's device tree has only one level below the gateway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from homeassistant.components.button import ButtonEntity
from homeassistant.components.sensor import SensorEntity
from homeassistant.helpers.device_registry import DeviceInfo

from ...api.ems import EmsSample
from ...api.ems_signals import signal_type
from ...api.values import finite_float, utc_datetime
from ...entity import EnergyHubEntity
from .coordinator import EmsCoordinator, ems_device_identifier, gateway_identifier
from .descriptions import REDISCOVER, describe

#: The realtime status ``s`` of a valid sample (the API document's example has s = 1).
VALID_STATUS = 1


def signal_unique_id(serial: str, uid: int) -> str:
    """Unique id of a signal's sensor."""
    return f"{serial}_signal_{uid}"


def uid_from_unique_id(unique_id: str) -> int | None:
    """The signal UID of a sensor's unique id (None if it is no signal sensor)."""
    _, sep, tail = unique_id.rpartition("_signal_")
    if not sep or not tail.isdigit():
        return None
    return int(tail)


class EmsSignalSensor(EnergyHubEntity[EmsCoordinator], SensorEntity):
    """The latest value of one signal."""

    _unrecorded_attributes = frozenset({"sample_time"})

    def __init__(self, coordinator: EmsCoordinator, uid: int) -> None:
        """Describe the signal from its code, its load and its device."""
        data = coordinator.data
        serial = data.system.serial
        signal = data.config.signals[uid]
        self._uid = uid
        self._row = signal_type(signal.si)
        # the coordinator registers the devices with their details; link to them here
        identifier = (
            ems_device_identifier(serial, signal.did)
            if signal.did is not None and signal.did in data.config.devices
            else gateway_identifier(serial)
        )
        device_info = DeviceInfo(identifiers={identifier})
        super().__init__(
            coordinator,
            describe(uid, self._row),
            unique_id=signal_unique_id(serial, uid),
            device_info=device_info,
        )
        load = data.config.loads.get(signal.lid) if signal.lid is not None else None
        if load is not None:
            load_label = load.label
        elif signal.lid is not None:
            load_label = f"Load {signal.lid}"
        else:
            load_label = f"Signal {uid}"
        self._attr_translation_placeholders = {
            "load": load_label,
            "si": "?" if signal.si is None else str(signal.si),
        }

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the signal is gone."""
        return super().available and self._uid in self.coordinator.data.config.signals

    def _sample(self) -> EmsSample | None:
        return self.coordinator.data.realtime.get(self._uid)

    def _sample_time(self, sample: EmsSample) -> datetime | None:
        if sample.time_ms is None:
            return None
        return utc_datetime(sample.time_ms / 1000)

    def _stale(self, sample: EmsSample) -> bool:
        sampled = self._sample_time(sample)
        if sampled is None:
            return False
        return self.coordinator.data.polled_at - sampled > self.coordinator.stale_after

    @property
    def native_value(self) -> float | str | None:
        """The sample's value; unknown when missing, invalid, stale or impossible."""
        sample = self._sample()
        if sample is None or self._stale(sample):
            return None
        if sample.status is not None and sample.status != VALID_STATUS:
            return None
        value = sample.value
        if isinstance(value, (int, float)):
            # NaN, infinities and numbers beyond the float range never reach a state
            value = finite_float(value)
        if self._row is None:
            return value
        if not isinstance(value, float):
            return None
        if self._row.is_counter and value < 0:
            return None
        return value

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """The signal's UID and code, and the status, reason and time of the sample."""
        signal = self.coordinator.data.config.signals.get(self._uid)
        attributes: dict[str, Any] = {
            "signal_uid": self._uid,
            "signal_code": signal.si if signal is not None else None,
        }
        sample = self._sample()
        if sample is not None:
            sampled = self._sample_time(sample)
            attributes.update(
                sample_status=sample.status,
                sample_reason=sample.reason,
                sample_time=sampled.isoformat() if sampled else None,
                stale=self._stale(sample),
            )
        return attributes


class EmsRediscoverButton(EnergyHubEntity[EmsCoordinator], ButtonEntity):
    """Rediscover at once, so that a change made on the gateway shows up now."""

    def __init__(self, coordinator: EmsCoordinator) -> None:
        """Attach the button to the gateway device."""
        serial = coordinator.data.system.serial
        super().__init__(
            coordinator,
            REDISCOVER,
            unique_id=f"{serial}_rediscover",
            device_info=DeviceInfo(identifiers={gateway_identifier(serial)}),
        )

    async def async_press(self) -> None:
        """Read the configuration and the realtime values now."""
        self.coordinator.discovered_at = None
        await self.coordinator.async_refresh()
