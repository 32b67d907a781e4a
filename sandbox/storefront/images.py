"""Locally generated product pictures (SVG), drawn from the product's own data."""

from __future__ import annotations

from markupsafe import escape

from sandbox.storefront.models import Product


def product_svg(product: Product) -> str:
    """A simple, distinct picture: a tinted card with the product type and brand."""
    hue = product.image_hue
    parts = product.name.split(" ")
    kind = parts[1] if len(parts) > 1 else product.name
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
<stop offset="0" stop-color="hsl({hue},70%,92%)"/><stop offset="1" stop-color="hsl({(hue + 40) % 360},65%,78%)"/>
</linearGradient></defs>
<rect width="400" height="400" rx="24" fill="url(#g)"/>
<circle cx="200" cy="165" r="86" fill="hsl({hue},55%,55%)" opacity="0.85"/>
<text x="200" y="195" font-size="84" text-anchor="middle" fill="#fff" font-family="Noto Sans CJK SC, sans-serif">{escape(kind[:1])}</text>
<text x="200" y="300" font-size="30" text-anchor="middle" fill="hsl({hue},45%,25%)" font-family="Noto Sans CJK SC, sans-serif" font-weight="700">{escape(kind[:10])}</text>
<text x="200" y="345" font-size="22" text-anchor="middle" fill="hsl({hue},30%,35%)" font-family="Noto Sans CJK SC, sans-serif">{escape(product.brand)}</text>
</svg>"""
