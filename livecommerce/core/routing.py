"""Per-language routing: who receives a message, and which languages lack a moderator.

A message has one language. It goes to every connection receiving that language, to
the moderators of that language and to the streamer. A language with no moderator
online goes to the stream's fallback moderators too, flagged so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from livecommerce.core.models import Role


@dataclass(frozen=True)
class Member:
    """One connection's identity and what it receives and moderates."""

    conn: int
    user: str
    name: str
    role: Role
    langs: frozenset[str]
    moderates: frozenset[str] = frozenset()
    guest: bool = False


@dataclass(frozen=True)
class Recipients:
    regular: frozenset[int]
    fallback: frozenset[int]  # fallback moderators: the frame is flagged for them


def uncovered(members: Iterable[Member], languages: Iterable[str]) -> frozenset[str]:
    """The stream's languages that no moderator online moderates."""
    covered: set[str] = set()
    for member in members:
        if member.role is Role.MODERATOR:
            covered |= member.moderates
    return frozenset(languages) - covered


def fallback_moderators(members: Iterable[Member], fallback_langs: Iterable[str]) -> frozenset[int]:
    """Connections of the moderators who cover for languages nobody moderates."""
    wanted = frozenset(fallback_langs)
    return frozenset(m.conn for m in members if m.role is Role.MODERATOR and m.moderates & wanted)


def route(
    lang: str | None,
    members: Mapping[int, Member],
    gaps: frozenset[str],
    fallback: frozenset[int],
    *,
    staff_only: bool = False,
) -> Recipients:
    """Who receives a frame of language `lang` (None: every language channel).

    `staff_only` keeps it from viewers: held messages and moderation events.
    """
    regular = set()
    for member in members.values():
        if member.role in (Role.STREAMER, Role.ADMIN):
            regular.add(member.conn)
        elif lang is None or lang in member.moderates:
            if not staff_only or member.role is Role.MODERATOR:
                regular.add(member.conn)
        elif not staff_only and lang in member.langs:
            regular.add(member.conn)
    flagged = frozenset(fallback - regular) if lang is not None and lang in gaps else frozenset()
    return Recipients(frozenset(regular), flagged)
