"""Size charts for the demo apparel, in the JSON shape of the size-chart metafield.

Column ``Size chart (product.metafields.custom.size_chart)`` holds one JSON
object per product::

    {
      "unit": "cm",
      "fit": "regular",
      "columns": ["chest", "waist", "length"],
      "rows": {
        "XS": {"chest": [80, 84], "waist": [62, 66], "length": [64, 64]},
        "S":  {"chest": [84, 88], "waist": [66, 70], "length": [66, 66]}
      }
    }

- ``unit``: the unit of every number, always ``"cm"``.
- ``fit``: the cut, one of ``slim``, ``regular`` or ``relaxed``.
- ``columns``: the measurements, in display order.
- ``rows``: one entry per size, keyed exactly by the variant's Size option
  value and in the same order. Each column maps to ``[min, max]``: a body
  measurement (chest, bust, waist, hip, foot_length) gives the range of bodies
  the size fits; a garment measurement (length, sleeve, inseam) has
  ``min == max``. Shoe sizes are EU sizes with a ``foot_length`` column.
"""

from __future__ import annotations

# Per size XS..XXL: body ranges for a regular fit, garment lengths in cm.
_CHEST = ((80, 84), (84, 88), (88, 94), (94, 100), (100, 106), (106, 112))
_WAIST = ((62, 66), (66, 70), (70, 76), (76, 82), (82, 88), (88, 94))
_HIP = ((84, 88), (88, 92), (92, 98), (98, 104), (104, 110), (110, 116))
_GARMENT: dict[str, tuple[int, ...]] = {
    "length": (64, 66, 68, 70, 72, 74),
    "inseam": (76, 77, 78, 79, 80, 81),
    "dress_length": (108, 110, 112, 114, 116, 118),
    "skirt_length": (76, 77, 78, 79, 80, 81),
    "sleeve": (60, 61, 62, 63, 64, 65),
    "coat_length": (70, 72, 74, 76, 78, 80),
}
_BODY = {"chest": _CHEST, "bust": _CHEST, "waist": _WAIST, "hip": _HIP}

# kind -> (column name, source table) in display order
_LAYOUTS: dict[str, tuple[tuple[str, str], ...]] = {
    "top": (("chest", "chest"), ("waist", "waist"), ("length", "length")),
    "knit": (("chest", "chest"), ("length", "length"), ("sleeve", "sleeve")),
    "bottom": (("waist", "waist"), ("hip", "hip"), ("inseam", "inseam")),
    "skirt": (("waist", "waist"), ("hip", "hip"), ("length", "skirt_length")),
    "dress": (("bust", "bust"), ("waist", "waist"), ("hip", "hip"), ("length", "dress_length")),
    "outer": (("chest", "chest"), ("sleeve", "sleeve"), ("length", "coat_length")),
}
# How far a cut moves the body ranges a size fits, in cm.
_EASE = {"slim": -2, "regular": 0, "relaxed": 4}
ALPHA = ("XS", "S", "M", "L", "XL", "XXL")


def size_chart(kind: str, fit: str, sizes: tuple[str, ...]) -> dict[str, object] | None:
    """The chart for a garment or shoe, or None for a kind that has no chart."""
    if kind == "shoe":
        return _shoe_chart(sizes)
    layout = _LAYOUTS.get(kind)
    if layout is None:
        return None
    ease = _EASE[fit or "regular"]
    rows: dict[str, dict[str, list[float]]] = {}
    for size in sizes:
        index = ALPHA.index(size)
        row: dict[str, list[float]] = {}
        for column, source in layout:
            if source in _BODY:
                low, high = _BODY[source][index]
                row[column] = [low + ease, high + ease]
            else:
                garment = _GARMENT[source][index] + (2 if fit == "relaxed" else 0)
                row[column] = [garment, garment]
        rows[size] = row
    return {
        "unit": "cm",
        "fit": fit or "regular",
        "columns": [column for column, _ in layout],
        "rows": rows,
    }


def _shoe_chart(sizes: tuple[str, ...]) -> dict[str, object]:
    rows: dict[str, dict[str, list[float]]] = {}
    for size in sizes:
        # EU (Paris point) size = 1.5 × (foot length + 1.5 cm allowance)
        foot = int(size) / 1.5 - 1.5
        rows[size] = {"foot_length": [round(foot - 0.3, 1), round(foot + 0.3, 1)]}
    return {"unit": "cm", "fit": "regular", "columns": ["foot_length"], "rows": rows}
