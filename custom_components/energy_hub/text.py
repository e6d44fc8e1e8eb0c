"""Text platform: each vendor adds its own text entities."""

from __future__ import annotations

from homeassistant.const import Platform

from .contract import platform_setup

# one write at a time per device
PARALLEL_UPDATES = 1

async_setup_entry = platform_setup(Platform.TEXT)
