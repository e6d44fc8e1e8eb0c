"""Draw Energy Hub's brand images (an original design; no vendor logo is used).

A hub: four small nodes (the four kinds of device) on a ring around a central disc that
carries a lightning bolt. Drawn at four times the size and scaled down for smooth edges.
Writes ``custom_components/energy_hub/brand/{icon,icon@2x,logo,logo@2x}.png``.

    .venv/bin/python scripts/brand.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parent.parent / "custom_components" / "energy_hub" / "brand"
TEAL = (14, 124, 134, 255)
AMBER = (245, 166, 35, 255)
WHITE = (255, 255, 255, 255)
INK = (33, 43, 54, 255)
SCALE = 4


def _icon(size: int) -> Image.Image:
    big = size * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    centre = big / 2
    ring = big * 0.36
    node = big * 0.11
    spoke = max(1, round(big * 0.035))
    # spokes and ring
    draw.ellipse(
        (centre - ring, centre - ring, centre + ring, centre + ring), outline=TEAL, width=spoke
    )
    points = []
    for index in range(4):
        angle = math.radians(45 + 90 * index)
        x, y = centre + ring * math.cos(angle), centre + ring * math.sin(angle)
        points.append((x, y))
        draw.line((centre, centre, x, y), fill=TEAL, width=spoke)
    # the four device nodes
    for x, y in points:
        draw.ellipse(
            (x - node, y - node, x + node, y + node), fill=AMBER, outline=WHITE, width=spoke // 2
        )
    # the hub with a lightning bolt
    hub = big * 0.22
    draw.ellipse((centre - hub, centre - hub, centre + hub, centre + hub), fill=TEAL)
    bolt = [
        (0.08, -0.62),
        (-0.36, 0.08),
        (-0.04, 0.08),
        (-0.12, 0.62),
        (0.36, -0.12),
        (0.04, -0.12),
        (0.16, -0.62),
    ]
    draw.polygon([(centre + dx * hub, centre + dy * hub) for dx, dy in bolt], fill=WHITE)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def _logo(height: int) -> Image.Image:
    icon = _icon(height)
    font = ImageFont.load_default(size=round(height * 0.42))
    text = "Energy Hub"
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    gap = round(height * 0.12)
    width = height + gap + (right - left) + gap
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.alpha_composite(icon, (0, 0))
    draw = ImageDraw.Draw(image)
    y = (height - (bottom - top)) / 2 - top
    draw.text((height + gap - left, y), text, font=font, fill=INK)
    return image


def main() -> None:
    BRAND.mkdir(parents=True, exist_ok=True)
    _icon(256).save(BRAND / "icon.png", optimize=True)
    _icon(512).save(BRAND / "icon@2x.png", optimize=True)
    _logo(128).save(BRAND / "logo.png", optimize=True)
    _logo(256).save(BRAND / "logo@2x.png", optimize=True)
    for path in sorted(BRAND.iterdir()):
        with Image.open(path) as image:
            print(f"{path.name}: {image.size[0]}x{image.size[1]}")


if __name__ == "__main__":
    main()
