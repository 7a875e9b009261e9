"""Clocks: the times people keep in a zone, and the names they give them.

A zone of the tz database is one offset, but a place may live by two clocks. In
Xinjiang the official time is Beijing time (UTC+8, the zone Asia/Shanghai), while many
Uyghur and Kazakh residents live by Xinjiang time (UTC+6, Asia/Urumqi): a show at
20:00 Xinjiang time is at 22:00 by the clocks of offices, schools and railway stations.
Wherever such a zone's time is shown, both clocks are shown, the official one first.

Each clock carries the name its people give it ("Beijing time", not "Shanghai"), as
an English template for the catalogs, where each language has its own form («пекинское
время», «北京时间», «بېيجىڭ ۋاقتى»). A zone without a name here is named by the adapter
from CLDR (its exemplar city).

Pure data: no I/O, no formatting.
"""

from __future__ import annotations

from dataclasses import dataclass

from livecommerce.core.messages import N_


@dataclass(frozen=True)
class Clock:
    """A clock people keep: the zone whose offset it follows, and its name (an English
    template for the catalogs; None: no name of our own, the adapter asks CLDR)."""

    zone: str
    name: str | None = None


# The names people give the clocks of the zones our markets, streamers and moderators
# live in. Shanghai's zone is all of China's official time: Beijing time.
NAMES: dict[str, str] = {
    "Asia/Almaty": N_("Almaty time"),
    "Europe/Moscow": N_("Moscow time"),
    "Asia/Tashkent": N_("Tashkent time"),
    "Asia/Bishkek": N_("Bishkek time"),
    "Europe/Warsaw": N_("Warsaw time"),
    "Europe/Berlin": N_("Berlin time"),
    "Asia/Shanghai": N_("Beijing time"),
    "Asia/Urumqi": N_("Xinjiang time"),
}

BEIJING = Clock("Asia/Shanghai", NAMES["Asia/Shanghai"])
XINJIANG = Clock("Asia/Urumqi", NAMES["Asia/Urumqi"])

# Zones that live by two clocks: the official one first, then the one kept locally.
# Asia/Kashgar is the tz database's old name of Asia/Urumqi.
COMPANIONS: dict[str, tuple[Clock, Clock]] = {
    "Asia/Urumqi": (BEIJING, XINJIANG),
    "Asia/Kashgar": (BEIJING, XINJIANG),
}


def clocks(zone: str) -> tuple[Clock, ...]:
    """The clocks people in `zone` keep: one, or the official and the local one."""
    return COMPANIONS.get(zone) or (Clock(zone, NAMES.get(zone)),)


def clocks_of(zones: tuple[str, ...] | list[str]) -> tuple[Clock, ...]:
    """The clocks of several zones, each once, in the zones' order (CN and XJ share
    Beijing time: it is shown once)."""
    return tuple(dict.fromkeys(clock for zone in zones for clock in clocks(zone)))
