"""Amounts shown rounded whose shown parts still add up to their shown total.

Rounding each line of a report on its own can leave the lines a cent (or a tenge) off
the total printed under them. `allocate` rounds a column as a whole: each part down to
the unit, then the units left over to the parts that lost the most (largest remainder),
so the rounded parts sum to the rounded sum, half up, as a shop rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def allocate(parts: Sequence[Decimal], unit: Decimal = CENT) -> list[Decimal]:
    """`parts` rounded to `unit` so that they sum to their exact sum rounded half up;
    each moves by less than one unit, and the leftover units go to the largest
    remainders (the earlier part on a tie)."""
    if not parts:
        return []
    target = sum(parts, Decimal(0)).quantize(unit, rounding=ROUND_HALF_UP)
    floors = [part.quantize(unit, rounding=ROUND_FLOOR) for part in parts]
    left = int((target - sum(floors, Decimal(0))) / unit)
    order = sorted(range(len(parts)), key=lambda i: (-(parts[i] - floors[i]), i))
    shown = list(floors)
    for i in order[:left]:
        shown[i] += unit
    return shown
