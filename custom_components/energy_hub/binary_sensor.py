"""Binary sensor platform: each vendor adds its own binary sensor entities."""

from __future__ import annotations

from homeassistant.const import Platform

from .contract import platform_setup

# read-only: the coordinator does the I/O
PARALLEL_UPDATES = 0

async_setup_entry = platform_setup(Platform.BINARY_SENSOR)
