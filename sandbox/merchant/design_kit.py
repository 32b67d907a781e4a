"""A designer's decoration kit for a new shop: a logo (店标) and a banner (店招) as PNG files.

Drawn with Pillow from a key (the merchant's login), so the same world always gets the same pictures.
"""

from __future__ import annotations

import colorsys
import hashlib
import io

from PIL import Image, ImageDraw

LOGO_SIZE = (240, 240)
BANNER_SIZE = (1200, 300)


def _rgb(hue: float, saturation: float, lightness: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return round(r * 255), round(g * 255), round(b * 255)


def _hue(key: str) -> float:
    return hashlib.sha256(key.encode()).digest()[0] / 256


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def logo_png(key: str) -> bytes:
    """A round badge in the shop's colour."""
    hue = _hue(key)
    image = Image.new("RGB", LOGO_SIZE, (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((12, 12, 228, 228), fill=_rgb(hue, 0.6, 0.45))
    draw.ellipse((52, 52, 188, 188), outline=(255, 255, 255), width=10)
    draw.polygon([(120, 70), (165, 150), (75, 150)], fill=_rgb(hue + 0.08, 0.7, 0.85))
    return _png(image)


def banner_png(key: str) -> bytes:
    """A wide banner: a gradient with bands in the shop's colours."""
    hue = _hue(key)
    width, height = BANNER_SIZE
    image = Image.new("RGB", BANNER_SIZE)
    draw = ImageDraw.Draw(image)
    for x in range(width):
        draw.line([(x, 0), (x, height)], fill=_rgb(hue + 0.12 * x / width, 0.55, 0.5 + 0.3 * x / width))
    for i in range(5):
        left = 80 + i * 220
        draw.rounded_rectangle((left, 90, left + 160, 210), radius=24, fill=_rgb(hue + 0.05 * i, 0.6, 0.92))
    return _png(image)
