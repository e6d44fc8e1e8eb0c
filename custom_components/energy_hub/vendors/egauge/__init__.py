"""eGauge meters through the eGauge WebAPI: every register, one request per poll."""

from .vendor import VENDOR

__all__ = ["VENDOR"]
