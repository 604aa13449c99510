"""Small statistics every report counts the same way."""

from __future__ import annotations

import math
import statistics


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile (the value below which `share` of the values lie)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None
