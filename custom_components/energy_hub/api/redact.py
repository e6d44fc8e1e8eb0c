"""The one redaction step for every text Energy Hub logs or puts into an error.

No Home Assistant imports. :func:`redact` removes

* the secrets it is given (a password, token, JWT or EKM key), also URL-encoded;
* the values of secret-looking query or form parameters (``key=``, ``token=``,
  ``password=``, ...), of ``Bearer`` authorisations and of ``user:password@`` in URLs;
* anything shaped like a JWT (``eyJ...``.``...``.``...``).

:class:`Redactor` binds the secrets of one config entry (or one client) to it;
:class:`RedactingFilter` applies the same step to log records (message, arguments and
the formatted traceback) of the loggers it is attached to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import logging
import re
import traceback
from typing import Final
from urllib.parse import quote, quote_plus

#: What a removed secret is replaced with.
MASK: Final = "**REDACTED**"

_SECRET_PARAMS: Final = (
    "key",
    "api_key",
    "apikey",
    "token",
    "access_token",
    "refresh_token",
    "api_token",
    "password",
    "passwd",
    "pwd",
    "pass",
    "secret",
    "jwt",
    "auth",
    "hash",
)
_PARAM_RE: Final = re.compile(
    r"(?i)(?<![A-Za-z0-9_])(" + "|".join(_SECRET_PARAMS) + r")(=|%3D)([^&\s'\"<>#,;)\]}]+)"
)
#: A JSON member whose value is a secret: ``"password": "..."``.
_JSON_RE: Final = re.compile(
    r"(?i)([\"'](?:" + "|".join(_SECRET_PARAMS) + r")[\"']\s*:\s*[\"'])([^\"']*)"
)
_BEARER_RE: Final = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_JWT_RE: Final = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_USERINFO_RE: Final = re.compile(r"(?i)([a-z][a-z0-9+.-]*://[^/\s:@]*):[^/\s@]*@")


def _forms(secret: str) -> set[str]:
    """The secret as written, URL-encoded and form-encoded."""
    return {secret, quote(secret, safe=""), quote_plus(secret, safe=""), quote(secret)}


def redact(text: object, secrets: Iterable[str | None] = ()) -> str:
    """``text`` (any object, as ``str``) with every secret removed; never raises."""
    try:
        result = str(text)
    except Exception:  # noqa: BLE001 - a broken __str__ must not break an error path
        return f"<{type(text).__name__}>"
    forms = {form for secret in secrets if secret for form in _forms(secret)}
    for form in sorted(forms, key=len, reverse=True):
        result = result.replace(form, MASK)
    result = _PARAM_RE.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", result)
    result = _JSON_RE.sub(lambda m: f"{m.group(1)}{MASK}", result)
    result = _BEARER_RE.sub(lambda m: f"{m.group(1)}{MASK}", result)
    result = _JWT_RE.sub(MASK, result)
    return _USERINFO_RE.sub(lambda m: f"{m.group(1)}:{MASK}@", result)


def exception_chain(err: BaseException) -> list[BaseException]:
    """``err`` and every exception chained to it (causes and contexts), each once."""
    seen: list[BaseException] = []
    current: BaseException | None = err
    while current is not None and not any(current is known for known in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


class Redactor:
    """Redaction with a fixed set of secrets (those of one entry or client)."""

    __slots__ = ("_secrets",)

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        """Keep the non-empty secrets."""
        self._secrets: tuple[str, ...] = tuple(s for s in secrets if s)

    def __repr__(self) -> str:
        """Never show the secrets themselves."""
        return f"<Redactor secrets={len(self._secrets)}>"

    def __call__(self, text: object) -> str:
        """``text`` with the secrets removed."""
        return redact(text, self._secrets)

    def is_clean(self, err: BaseException) -> bool:
        """True when no exception in ``err``'s chain has a text the redaction would change."""
        return all(str(self(item)) == _text(item) for item in exception_chain(err))


def _text(err: BaseException) -> str:
    try:
        return str(err)
    except Exception:  # noqa: BLE001
        return f"<{type(err).__name__}>"


class RedactedError(Exception):
    """Stands in for a logged exception whose text had to be redacted."""


class RedactingFilter(logging.Filter):
    """Pass every record of a logger through :func:`redact`.

    ``secrets`` is asked at each record for the secrets known now (e.g. those of every
    loaded config entry). A record whose message or traceback would change is rewritten:
    the message is formatted and redacted, the traceback is formatted, redacted and kept
    in ``exc_text``, and the exception is replaced by a :class:`RedactedError` with the
    redacted text (the traceback's frames stay, so log viewers still show where).
    """

    def __init__(self, secrets: Callable[[], Iterable[str | None]] | None = None) -> None:
        """Use ``secrets`` (a callable) for the entry secrets; patterns always apply."""
        super().__init__()
        self._secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        secrets = tuple(self._secrets()) if self._secrets else ()
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: leave it to logging
            return True
        clean = redact(message, secrets)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            exc_type, value, tb = record.exc_info
            text = "".join(traceback.format_exception(exc_type, value, tb)).rstrip("\n")
            clean_text = redact(text, secrets)
            if clean_text != text:
                record.exc_text = clean_text
                stand_in = RedactedError(redact(f"{exc_type.__name__}: {value}", secrets))
                record.exc_info = (RedactedError, stand_in, tb)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, secrets)
        return True
