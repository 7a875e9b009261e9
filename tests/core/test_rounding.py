"""A rounded column adds up to its rounded total."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from livecommerce.core.rounding import allocate

D = Decimal


def test_three_thirds_still_make_the_whole() -> None:
    third = D(10) / D(3)  # 3.333…
    assert allocate([third, third, third]) == [D("3.34"), D("3.33"), D("3.33")]
    assert sum(allocate([third, third, third])) == D("10.00")


def test_whole_units_round_half_up_and_the_largest_remainder_gets_the_unit() -> None:
    assert allocate([D("2.5"), D("1.2"), D("1.3")], D(1)) == [D(3), D(1), D(1)]
    assert allocate([D("0.4"), D("0.4"), D("0.4")], D(1)) == [D(1), D(0), D(0)]


def test_exact_parts_are_kept() -> None:
    assert allocate([D("1.10"), D("2.25")]) == [D("1.10"), D("2.25")]
    assert allocate([]) == []


amounts = st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False)


@given(st.lists(amounts, min_size=1, max_size=30), st.sampled_from([D("0.01"), D(1)]))
def test_the_parts_sum_to_the_rounded_sum_and_each_moves_less_than_a_unit(
    parts: list[Decimal], unit: Decimal
) -> None:
    shown = allocate(parts, unit)
    assert sum(shown) == sum(parts).quantize(unit, rounding="ROUND_HALF_UP")
    for exact, rounded in zip(parts, shown, strict=True):
        assert abs(rounded - exact) < unit
        assert rounded == rounded.quantize(unit)
