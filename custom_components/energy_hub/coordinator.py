"""Coordinator base and runtime data shared by every vendor."""

from __future__ import annotations

from abc import abstractmethod
from datetime import datetime, timedelta
import math
from typing import ClassVar

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from .api.errors import (
    EnergyHubApiError,
    EnergyHubAuthError,
    EnergyHubCertificateChangedError,
    EnergyHubCertificateError,
    EnergyHubConnectionError,
    EnergyHubRateLimitError,
    EnergyHubRequestError,
    EnergyHubResponseError,
    EnergyHubUnavailableError,
)
from .const import DOMAIN, LOGGER
from .contract import EnergyHubConfigEntry

#: Failed polls in a row, for the same reason, before a repair issue is raised.
REPAIR_AFTER_POLLS = 3
#: Polls in a row the device (or its cloud) could not be reached before the
#: ``unreachable`` repair issue shows: a short outage raises nothing.
UNREACHABLE_AFTER_POLLS = 5
#: The repair reason (and issue translation key) of a device that cannot be reached.
REASON_UNREACHABLE = "unreachable"
#: Unavailable reasons that mean "cannot be reached" as well (a cloud answering 503).
UNREACHABLE_REASONS = frozenset({"service_unavailable"})


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


def _translated[E: HomeAssistantError](
    exception: type[E], err: EnergyHubApiError, *, others_unknown: bool
) -> E:
    """``exception`` telling the user, translated, what a client error means.

    An error no other key fits is ``unknown_error`` when ``others_unknown``, else
    ``invalid_response``.
    """
    if isinstance(err, EnergyHubCertificateError):
        return exception(translation_domain=DOMAIN, translation_key=certificate_error_key(err))
    if isinstance(err, EnergyHubAuthError):
        return exception(translation_domain=DOMAIN, translation_key="auth_failed")
    if isinstance(err, EnergyHubUnavailableError):
        return exception(
            translation_domain=DOMAIN,
            translation_key=f"unavailable_{err.reason}",
            translation_placeholders=_unavailable_placeholders(err),
        )
    placeholders = {"error": str(err)}
    if isinstance(err, EnergyHubConnectionError):
        return exception(
            translation_domain=DOMAIN,
            translation_key="communication_error",
            translation_placeholders=placeholders,
        )
    if others_unknown and not isinstance(err, (EnergyHubResponseError, EnergyHubRequestError)):
        return exception(
            translation_domain=DOMAIN,
            translation_key="unknown_error",
            translation_placeholders=placeholders,
        )
    return exception(
        translation_domain=DOMAIN,
        translation_key="invalid_response",
        translation_placeholders=placeholders,
    )


def translate_api_error(err: EnergyHubApiError) -> UpdateFailed | ConfigEntryAuthFailed:
    """Map a client error onto the translated exception Home Assistant expects."""
    if isinstance(err, EnergyHubAuthError):
        return ConfigEntryAuthFailed(translation_domain=DOMAIN, translation_key="auth_failed")
    return _translated(UpdateFailed, err, others_unknown=True)


def _unavailable_placeholders(err: EnergyHubUnavailableError) -> dict[str, str] | None:
    """A rate limit says how long to wait (``{seconds}``); other reasons need nothing."""
    if isinstance(err, EnergyHubRateLimitError):
        return {"seconds": str(math.ceil(err.retry_after))}
    return None


def action_error(
    hass: HomeAssistant, entry: EnergyHubConfigEntry, err: EnergyHubApiError
) -> HomeAssistantError:
    """The translated error a failed action (service, button, switch, number) raises.

    Vendors handle their own special cases first (a rejected key, a missing right) and
    pass the rest here. Refused credentials also start the reauth flow.
    """
    if isinstance(err, EnergyHubAuthError):
        entry.async_start_reauth(hass)
    return _translated(HomeAssistantError, err, others_unknown=False)


class EnergyHubCoordinator[DataT](DataUpdateCoordinator[DataT]):
    """Polls one device; vendors implement ``_async_fetch``.

    Client errors become ``ConfigEntryAuthFailed`` (starts reauth) or a translated
    ``UpdateFailed`` (entities unavailable; logged once when lost, once when back).
    A rate limit (HTTP 429) stretches the interval to its ``Retry-After`` until a poll
    succeeds again, so the device is not asked before it allows it.
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
        #: the interval to return to after a rate limit (None: no back-off active)
        self._normal_interval: timedelta | None = None
        #: Until then a failed poll is expected (our own reboot command): no error logged.
        self._quiet_until: datetime | None = None

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
            if isinstance(err, EnergyHubRateLimitError):
                self._async_back_off(err.retry_after)
            self._async_track_repair(
                REASON_UNREACHABLE if err.reason in UNREACHABLE_REASONS else err.reason
            )
            raise self.translate_error(err) from err
        except EnergyHubCertificateError as err:
            # its own repair issue, at once (before the connection errors it derives from)
            self._async_track_repair(None)
            async_certificate_issue(self.hass, self.config_entry, err)
            raise self.translate_error(err) from err
        except EnergyHubConnectionError as err:
            self._async_track_repair(REASON_UNREACHABLE)
            raise self.translate_error(err) from err
        except EnergyHubApiError as err:
            self._async_track_repair(None)
            raise self.translate_error(err) from err
        self._async_track_repair(None)
        async_certificate_issue(self.hass, self.config_entry, None)
        self._async_end_back_off()
        return data

    @property
    def backing_off(self) -> bool:
        """True while polls are spaced out because the device asked to wait (HTTP 429)."""
        return self._normal_interval is not None

    def _async_back_off(self, retry_after: float) -> None:
        """Poll next no sooner than ``retry_after`` seconds from now."""
        if self._normal_interval is None:
            self._normal_interval = self.update_interval or timedelta(0)
        wait = timedelta(seconds=math.ceil(retry_after))
        self.update_interval = max(self._normal_interval, wait)
        LOGGER.debug(
            "%s is rate limited; next poll in %s s",
            self.name,
            self.update_interval.total_seconds(),
        )

    def _async_end_back_off(self) -> None:
        """A poll succeeded: back to the configured interval."""
        if self._normal_interval is not None:
            self.update_interval = self._normal_interval or None
            self._normal_interval = None

    def expect_outage(self, duration: timedelta) -> None:
        """Our own command (a reboot) makes the device unreachable for ``duration``.

        Failed polls in that time are expected: logged at info level, not as errors.
        """
        self._quiet_until = dt_util.utcnow() + duration

    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        quiet = self._quiet_until is not None and dt_util.utcnow() < self._quiet_until
        if not quiet:
            self._quiet_until = None
        was_ok = self.last_update_success
        await super()._async_refresh(
            log_failures=log_failures and not quiet,
            raise_on_auth_failed=raise_on_auth_failed,
            scheduled=scheduled,
            raise_on_entry_error=raise_on_entry_error,
        )
        if quiet and was_ok and not self.last_update_success:
            LOGGER.info(
                "%s is unavailable after our own command, as expected: %s",
                self.name,
                self.last_exception,
            )

    def _async_track_repair(self, reason: str | None) -> None:
        """Raise a repair issue when a reason the user must fix persists; clear it after.

        Reasons listed in ``repair_reasons`` count after ``REPAIR_AFTER_POLLS`` failed
        polls in a row, an unreachable device (connection errors, time-outs, a cloud
        answering 503) after ``UNREACHABLE_AFTER_POLLS``: a short outage raises nothing.
        The issue goes with the first poll that ends otherwise.
        """
        if reason == self._repair_reason:
            self._repair_count += 1
        else:
            if self._repair_reason is not None:
                ir.async_delete_issue(self.hass, DOMAIN, self._repair_issue_id(self._repair_reason))
            self._repair_reason = reason
            self._repair_count = 1
        if reason == REASON_UNREACHABLE:
            threshold = UNREACHABLE_AFTER_POLLS
        elif reason in self.repair_reasons:
            threshold = REPAIR_AFTER_POLLS
        else:
            return
        if self._repair_count == threshold:
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

    async def async_shutdown(self) -> None:
        """Stop polling; an unloaded entry leaves no repair issue behind."""
        if self._repair_reason is not None:
            ir.async_delete_issue(self.hass, DOMAIN, self._repair_issue_id(self._repair_reason))
            self._repair_reason = None
            self._repair_count = 0
        await super().async_shutdown()

    def _repair_issue_id(self, reason: str) -> str:
        return f"{reason}_{self.config_entry.entry_id}"
