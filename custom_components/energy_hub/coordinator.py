"""Coordinator base and runtime data shared by every vendor."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubConnectionError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from .const import DOMAIN, LOGGER

if TYPE_CHECKING:
    from .vendors.base import Vendor


@dataclass(kw_only=True)
class EnergyHubRuntimeData:
    """What a loaded entry keeps: its vendor, the main coordinator and the client.

    Vendors needing more (a second coordinator, a discovery cache) subclass this.
    """

    vendor: Vendor
    coordinator: EnergyHubCoordinator[Any]
    client: Any


type EnergyHubConfigEntry = ConfigEntry[EnergyHubRuntimeData]


def translate_api_error(err: EnergyHubApiError) -> UpdateFailed | ConfigEntryAuthFailed:
    """Map a client error onto the translated exception Home Assistant expects."""
    if isinstance(err, EnergyHubAuthError):
        return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="auth_failed")
    if isinstance(err, EnergyHubUnavailableError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key=f"unavailable_{err.reason}",
        )
    if isinstance(err, EnergyHubConnectionError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"error": str(err)},
        )
    if isinstance(err, (EnergyHubResponseError, EnergyHubRequestError)):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="invalid_response",
            translation_placeholders={"error": str(err)},
        )
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="unknown_error",
        translation_placeholders={"error": str(err)},
    )


class EnergyHubCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Polls one device; vendors implement ``_async_fetch``.

    Client errors become ``ConfigEntryAuthFailed`` (starts reauth) or a translated
    ``UpdateFailed`` (entities unavailable; logged once when lost, once when back).
    """

    config_entry: EnergyHubConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: EnergyHubConfigEntry,
        *,
        name: str,
        update_interval: timedelta,
    ) -> None:
        """Create a coordinator polling every ``update_interval``."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=name,
            update_interval=update_interval,
        )

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Read the device once (client errors propagate)."""

    async def _async_update_data(self) -> DataT:
        try:
            return await self._async_fetch()
        except EnergyHubApiError as err:
            raise translate_api_error(err) from err
