"""EKM Omnimeters through the EKM Push cloud (readings, relays, triggers)."""

from .vendor import VENDOR

__all__ = ["VENDOR"]
