"""Clocks: which a zone's people keep, and in what order."""

from __future__ import annotations

from livecommerce.core.clocks import BEIJING, NAMES, XINJIANG, Clock, clocks, clocks_of


def test_xinjiang_keeps_beijing_time_first_and_xinjiang_time_second() -> None:
    assert clocks("Asia/Urumqi") == (BEIJING, XINJIANG)
    assert clocks("Asia/Kashgar") == (BEIJING, XINJIANG)
    assert (BEIJING.zone, XINJIANG.zone) == ("Asia/Shanghai", "Asia/Urumqi")


def test_other_zones_keep_one_clock_named_or_left_to_cldr() -> None:
    assert clocks("Asia/Almaty") == (Clock("Asia/Almaty", "Almaty time"),)
    assert clocks("Asia/Shanghai") == (BEIJING,)
    assert clocks("Europe/Paris") == (Clock("Europe/Paris", None),)


def test_every_market_zone_of_the_demo_has_a_name_of_its_own() -> None:
    zones = {"Asia/Almaty", "Asia/Tashkent", "Asia/Bishkek", "Europe/Moscow"}
    zones |= {"Europe/Warsaw", "Europe/Berlin", "Asia/Shanghai", "Asia/Urumqi"}
    assert set(NAMES) == zones


def test_clocks_of_several_zones_are_each_shown_once_in_order() -> None:
    # China and Xinjiang share Beijing time.
    assert clocks_of(("Asia/Shanghai", "Asia/Urumqi")) == (BEIJING, XINJIANG)
    assert [c.zone for c in clocks_of(("Asia/Almaty", "Asia/Urumqi"))] == [
        "Asia/Almaty",
        "Asia/Shanghai",
        "Asia/Urumqi",
    ]
