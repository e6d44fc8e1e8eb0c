"""go-eCharger wallboxes through the go-e cloud API or the charger's local HTTP API v2."""

from .vendor import VENDOR

__all__ = ["VENDOR"]
