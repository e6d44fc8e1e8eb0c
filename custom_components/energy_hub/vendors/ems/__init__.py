"""The EMS smart-meter gateway (Carlo Gavazzi EMS Webapi 1.0.0) as an Energy Hub vendor."""

from .vendor import VENDOR

__all__ = ["VENDOR"]
