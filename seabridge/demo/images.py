"""Product tiles for the demo store: small self-contained SVGs, no external assets.

Each product gets a coloured tile with its category's line icon and its name;
products with colour options also get a swatch tile. Tints come from a stable
hash of the handle, so every tile differs yet regenerates identically.
"""

from __future__ import annotations

import colorsys
import math
import textwrap
import zlib
from xml.sax.saxutils import escape

from seabridge.demo import catalog as cat
from seabridge.demo.products import Product

SIZE = 480
_FONT = "font-family=\"'Helvetica Neue',Arial,sans-serif\""

# Hue (0-1) per category; each product shifts it slightly.
_HUES = {
    cat.APPAREL: 0.58,
    cat.BEAUTY: 0.95,
    cat.ELECTRONICS: 0.62,
    cat.HOME: 0.09,
    cat.JEWELRY: 0.13,
    cat.OUTDOOR: 0.30,
    cat.INDUSTRIAL: 0.55,
}
_SATURATION = {cat.ELECTRONICS: 0.25, cat.INDUSTRIAL: 0.12}


def _gear() -> str:
    teeth = "".join(
        f'<rect x="-11" y="-74" width="22" height="22" rx="3" transform="rotate({angle})"/>'
        for angle in range(0, 360, 45)
    )
    return f'{teeth}<circle r="54"/><circle r="20"/>'


# Line icons centred on (0, 0), drawn within roughly ±85 units.
_ICONS = {
    cat.APPAREL: '<path d="M-38-72 L-84-46 L-66-6 L-46-16 V74 H46 V-16 L66-6 L84-46 L38-72 Q0-40-38-72 Z"/>',
    cat.BEAUTY: '<rect x="-30" y="-6" width="60" height="82" rx="8"/>'
    '<path d="M-20-6 V-40 H20 V-6 M-12-40 V-70 L12-82 V-40"/>',
    cat.ELECTRONICS: '<rect x="-46" y="-82" width="92" height="164" rx="16"/>'
    '<path d="M-14 62 H14 M6-40 L-12 4 H8 L-6 40"/>',
    cat.HOME: '<path d="M-80 2 L0-70 L80 2 M-58-18 V74 H58 V-18 M-16 74 V30 H16 V74"/>',
    cat.JEWELRY: '<path d="M-62-28 L-36-66 H36 L62-28 L0 72 Z M-62-28 H62 M-18-66 L-28-28 L0 72 L28-28 L18-66"/>',
    cat.OUTDOOR: '<path d="M-86 70 L-26-40 L8 22 L34-14 L86 70 Z"/><circle cx="48" cy="-52" r="16"/>',
    cat.INDUSTRIAL: _gear(),
}


def _hex(hue: float, lightness: float, saturation: float) -> str:
    red, green, blue = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


def _palette(product: Product) -> tuple[str, str, str]:
    """(background, ink, accent) for a product's tiles."""
    digest = zlib.crc32(product.handle.encode())
    category = product.spec.category
    hue = _HUES[category] + ((digest % 1000) / 1000 - 0.5) * 0.12
    saturation = _SATURATION.get(category, 0.45)
    light = 0.86 + ((digest >> 10) % 100) / 100 * 0.06
    return (
        _hex(hue, light, saturation),
        _hex(hue, 0.22, saturation + 0.1),
        _hex(hue, 0.45, saturation + 0.2),
    )


def _open(label: str, background: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{SIZE}" height="{SIZE}" '
        f'viewBox="0 0 {SIZE} {SIZE}" role="img" aria-label="{escape(label, {chr(34): "&quot;"})}">',
        f'<rect width="{SIZE}" height="{SIZE}" rx="28" fill="{background}"/>',
    ]


def _caption(lines: list[str], ink: str, y: int) -> list[str]:
    return [
        f'<text x="{SIZE // 2}" y="{y + 32 * index}" text-anchor="middle" {_FONT} '
        f'font-size="26" font-weight="600" fill="{ink}">{escape(line)}</text>'
        for index, line in enumerate(lines)
    ]


def product_tile(product: Product) -> str:
    background, ink, accent = _palette(product)
    category = product.spec.category
    lines = textwrap.wrap(product.title, 24)[:3]
    parts = _open(product.title, background)
    parts.append(
        f'<text x="{SIZE // 2}" y="58" text-anchor="middle" {_FONT} font-size="15" '
        f'letter-spacing="4" fill="{accent}">{escape(category.upper())}</text>'
    )
    parts.append(
        f'<g transform="translate({SIZE // 2} 178)" fill="none" stroke="{ink}" '
        f'stroke-width="9" stroke-linecap="round" stroke-linejoin="round">{_ICONS[category]}</g>'
    )
    parts.extend(_caption(lines, ink, 330 if len(lines) > 2 else 346))
    parts.append(
        f'<text x="{SIZE // 2}" y="{SIZE - 26}" text-anchor="middle" {_FONT} font-size="14" '
        f'fill="{accent}">{escape(product.vendor)}</text>'
    )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def swatch_tile(product: Product) -> str:
    """The colour options of a product as a row of circles."""
    background, ink, _ = _palette(product)
    swatches = product.swatches
    parts = _open(f"{product.title}: colour options", background)
    columns = min(len(swatches), 4)
    rows = math.ceil(len(swatches) / columns)
    gap = SIZE // (columns + 1)
    for index, (name, colour) in enumerate(swatches):
        x = gap * (index % columns + 1)
        y = 150 + 120 * (index // columns) - 60 * (rows - 1)
        parts.append(f'<circle cx="{x}" cy="{y}" r="38" fill="{colour}" stroke="{ink}" stroke-width="3"/>')
        parts.append(
            f'<text x="{x}" y="{y + 64}" text-anchor="middle" {_FONT} font-size="15" fill="{ink}">{escape(name)}</text>'
        )
    lines = textwrap.wrap(product.title, 28)[:2]
    parts.extend(_caption(lines, ink, 372))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
