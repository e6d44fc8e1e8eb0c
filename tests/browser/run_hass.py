"""Run ``hass`` with the test-only demo vendor registered next to the real vendors.

``python -m tests.browser.run_hass --config DIR [hass options]`` is ``hass`` itself, except
that ``tests/demo_vendor.py`` is in the vendor registry, so the browser test can walk a
complete config flow even on a branch without vendors. The integration is the repository's
``custom_components/energy_hub`` (the same package the config dir links to).
"""

from __future__ import annotations

import sys

from homeassistant.__main__ import main

from custom_components.energy_hub.contract import register
from tests.demo_vendor import DEMO

if __name__ == "__main__":
    register(DEMO)
    sys.exit(main())
