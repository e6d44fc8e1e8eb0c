"""Fixtures of the browser test: no in-process Home Assistant, sockets on loopback allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Override the suite-wide fixture: it needs the in-process ``hass``, which is unused here.

    Home Assistant runs as a subprocess that loads ``custom_components/energy_hub`` itself.
    """


@pytest.fixture
def browser_tmp(tmp_path: Path, socket_enabled: Any) -> Path:
    """A temporary directory for one browser test, with loopback sockets enabled."""
    return tmp_path
