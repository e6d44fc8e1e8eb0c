"""The vendors: one folder each, registered here with one line per vendor.

Importing this package fills the registry in ``contract`` (``VENDORS``), which the
generic layer reads; the integration's ``__init__`` imports it before anything else.
"""

from __future__ import annotations

from ..contract import register
from .egauge import VENDOR as EGAUGE
from .ekm import VENDOR as EKM
from .ems import VENDOR as EMS
from .goe import VENDOR as GOE

#: Every vendor, in menu order.
ALL = (EGAUGE, EKM, EMS, GOE)


def register_all() -> None:
    """Put every vendor into the registry (idempotent)."""
    for vendor in ALL:
        register(vendor)


register_all()
