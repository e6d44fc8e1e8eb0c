"""EKM Omnimeters through the EKM Push cloud (readings, relays, triggers)."""

from __future__ import annotations

from .vendor import EkmVendor

VENDOR = EkmVendor()

__all__ = ["VENDOR", "EkmVendor"]
