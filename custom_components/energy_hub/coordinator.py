"""Coordinator base and runtime data shared by every vendor."""

from __future__ import annotations

from abc import abstractmethod
from datetime import timedelta
from typing import ClassVar

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
    EnergyHubConnectionError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from .const import DOMAIN, LOGGER
from .contract import EnergyHubConfigEntry

#: Failed polls in a row, for the same reason, before a repair issue is raised.
REPAIR_AFTER_POLLS = 3


def certificate_error_key(err: EnergyHubCertificateError) -> str:
    """Translation key of a refused certificate: a pinned one replaced, or not trusted."""
    if isinstance(err, EnergyHubCertificateChangedError):
        return "certificate_changed"
    return "certificate_untrusted"


@callback
def async_certificate_issue(
    hass: HomeAssistant, entry: EnergyHubConfigEntry, err: EnergyHubCertificateError | None
) -> None:
    """Raise the entry's repair issue about a refused certificate (None: clear it).

    Unlike other failures it is raised at once: a device presenting another certificate
    than the trusted one may be an impostor, and only the user can decide.
    """
    issue_id = f"certificate_{entry.entry_id}"
    if err is None:
        ir.async_delete_issue(hass, DOMAIN, issue_id)
        return
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=certificate_error_key(err),
        translation_placeholders={"name": entry.title},
    )


def translate_api_error(err: EnergyHubApiError) -> UpdateFailed | ConfigEntryAuthFailed:
    """Map a client error onto the translated exception Home Assistant expects."""
    if isinstance(err, EnergyHubCertificateError):
        return UpdateFailed(translation_domain=DOMAIN, translation_key=certificate_error_key(err))
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


def action_error(
    hass: HomeAssistant, entry: EnergyHubConfigEntry, err: EnergyHubApiError
) -> HomeAssistantError:
    """The translated error a failed action (service, button, switch, number) raises.

    Vendors handle their own special cases first (a rejected key, a missing right) and
    pass the rest here. Refused credentials also start the reauth flow.
    """
    if isinstance(err, EnergyHubCertificateError):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key=certificate_error_key(err)
        )
    if isinstance(err, EnergyHubAuthError):
        entry.async_start_reauth(hass)
        return HomeAssistantError(translation_domain=DOMAIN, translation_key="auth_failed")
    if isinstance(err, EnergyHubUnavailableError):
        return HomeAssistantError(
            translation_domain=DOMAIN, translation_key=f"unavailable_{err.reason}"
        )
    if isinstance(err, EnergyHubConnectionError):
        return HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders={"error": str(err)},
        )
    return HomeAssistantError(
        translation_domain=DOMAIN,
        translation_key="invalid_response",
        translation_placeholders={"error": str(err)},
    )


class EnergyHubCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Polls one device; vendors implement ``_async_fetch``.

    Client errors become ``ConfigEntryAuthFailed`` (starts reauth) or a translated
    ``UpdateFailed`` (entities unavailable; logged once when lost, once when back).
    """

    config_entry: EnergyHubConfigEntry
    #: Unavailable reasons (``EnergyHubUnavailableError.reason``) only the user can fix:
    #: while one persists, a repair issue with translation key ``issues.<reason>`` shows.
    repair_reasons: ClassVar[frozenset[str]] = frozenset()

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
        self._repair_reason: str | None = None
        self._repair_count = 0

    @abstractmethod
    async def _async_fetch(self) -> DataT:
        """Read the device once (client errors propagate)."""

    def translate_error(self, err: EnergyHubApiError) -> UpdateFailed | ConfigEntryAuthFailed:
        """The translated exception of a failed poll; vendors may say more about some."""
        return translate_api_error(err)

    async def _async_update_data(self) -> DataT:
        try:
            data = await self._async_fetch()
        except EnergyHubUnavailableError as err:
            self._async_track_repair(err.reason)
            raise self.translate_error(err) from err
        except EnergyHubCertificateError as err:
            async_certificate_issue(self.hass, self.config_entry, err)
            raise self.translate_error(err) from err
        except EnergyHubApiError as err:
            raise self.translate_error(err) from err
        self._async_track_repair(None)
        async_certificate_issue(self.hass, self.config_entry, None)
        return data

    def _async_track_repair(self, reason: str | None) -> None:
        """Raise a repair issue when a reason the user must fix persists; clear it after.

        Only reasons listed in ``repair_reasons`` count, and only after
        ``REPAIR_AFTER_POLLS`` failed polls in a row, so a short outage raises nothing.
        """
        if reason == self._repair_reason:
            self._repair_count += 1
        else:
            if self._repair_reason is not None:
                ir.async_delete_issue(self.hass, DOMAIN, self._repair_issue_id(self._repair_reason))
            self._repair_reason = reason
            self._repair_count = 1
        if (
            reason is not None
            and reason in self.repair_reasons
            and self._repair_count == REPAIR_AFTER_POLLS
        ):
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._repair_issue_id(reason),
                is_fixable=False,
                is_persistent=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=reason,
                translation_placeholders={"name": self.config_entry.title},
            )

    def _repair_issue_id(self, reason: str) -> str:
        return f"{reason}_{self.config_entry.entry_id}"
