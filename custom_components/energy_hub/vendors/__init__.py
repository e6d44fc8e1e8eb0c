"""The vendor registry: one line per vendor.

Each vendor is a folder ``vendors/<key>/`` exposing ``VENDOR`` (a ``Vendor`` instance).
The config-flow menu, the platforms, diagnostics and services all come from here.
"""

from __future__ import annotations

from .base import DeviceIdentity, FlowError, Vendor

VENDORS: dict[str, Vendor] = {}


def register(vendor: Vendor) -> None:
    """Add a vendor to the registry (tests use this for a test-only vendor)."""
    VENDORS[vendor.key] = vendor


def get_vendor(key: str) -> Vendor:
    """The vendor of a config entry; KeyError when it is unknown."""
    return VENDORS[key]


__all__ = ["VENDORS", "DeviceIdentity", "FlowError", "Vendor", "get_vendor", "register"]

# -- the registry: one line per vendor (imported last: vendors import this package) --
from .egauge import VENDOR as _EGAUGE  # noqa: E402
from .ekm import VENDOR as _EKM  # noqa: E402
from .ems import VENDOR as _EMS  # noqa: E402
from .goe import VENDOR as _GOE  # noqa: E402

for _vendor in (_EGAUGE, _EKM, _EMS, _GOE):
    register(_vendor)
