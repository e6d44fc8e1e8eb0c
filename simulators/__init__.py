"""Device simulators for Energy Hub's tests and development instance (not shipped to users).

Each vendor simulator lives in ``simulators/<name>.py`` and exposes its class as ``SIMULATOR``;
``VENDORS`` lists them (one line per vendor). ``python -m simulators <name>`` serves one.
"""

from __future__ import annotations

import importlib

from .base import Faults, RequestRecord, Simulator, TokenStore, bearer_token, free_port

#: Simulator modules, one per vendor (``simulators/<name>.py``).
VENDORS: tuple[str, ...] = ("egauge", "ekm", "ems", "goe")


def load(name: str) -> type[Simulator]:
    """Import ``simulators.<name>`` and return its ``SIMULATOR`` class."""
    if name not in VENDORS:
        raise KeyError(f"Unknown simulator {name!r}; known: {', '.join(VENDORS)}")
    module = importlib.import_module(f"{__name__}.{name}")
    cls: type[Simulator] = module.SIMULATOR
    return cls


__all__ = [
    "VENDORS",
    "Faults",
    "RequestRecord",
    "Simulator",
    "TokenStore",
    "bearer_token",
    "free_port",
    "load",
]
