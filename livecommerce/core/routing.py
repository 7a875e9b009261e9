"""Per-language routing: who receives a message, and which languages lack a moderator.

A message has one language. It goes to every connection receiving that language, to
the moderators of that language and to the streamer. A language with no moderator
online goes to the stream's fallback moderators too, flagged so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

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
    # A guest's address key (an HMAC of the client address with the server's secret):
    # bans, time-outs and the rate limit hold for it whatever name the guest takes. Kept
    # on the server, never sent to a client. Empty for token holders.
    address: str = ""
    # Whether the member chose `langs` (a `lang` query, a token's languages, a
    # `subscribe`), or was given them for want of a choice: only chosen ones are a prior.
    declared: bool = True
    # The browser's Accept-Language as the show's language codes, most wanted first.
    accept: tuple[str, ...] = ()


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


@dataclass
class MemberIndex:
    """A room's members by what they receive and moderate, kept as they join, leave and
    subscribe: routing one message costs in proportion to its audience, not to the room.

    `route`, `fallback` and `uncovered` answer exactly as the functions above do over
    all members (a property test holds them to it).
    """

    receivers: dict[str, set[int]] = field(default_factory=dict)
    moderates: dict[str, set[int]] = field(default_factory=dict)
    leads: set[int] = field(default_factory=set)  # the streamer and admins
    moderators: set[int] = field(default_factory=set)
    everyone: set[int] = field(default_factory=set)

    def add(self, member: Member) -> None:
        self.everyone.add(member.conn)
        if member.role in (Role.STREAMER, Role.ADMIN):
            self.leads.add(member.conn)
            return
        if member.role is Role.MODERATOR:
            self.moderators.add(member.conn)
        for lang in member.langs:
            self.receivers.setdefault(lang, set()).add(member.conn)
        for lang in member.moderates:
            self.moderates.setdefault(lang, set()).add(member.conn)

    def remove(self, member: Member) -> None:
        for group in (self.everyone, self.leads, self.moderators):
            group.discard(member.conn)
        for index, langs in ((self.receivers, member.langs), (self.moderates, member.moderates)):
            for lang in langs:
                conns = index.get(lang)
                if conns is not None:
                    conns.discard(member.conn)
                    if not conns:
                        del index[lang]

    def _moderating(self, lang: str) -> set[int]:
        return self.moderates.get(lang, set()) & self.moderators

    def uncovered(self, languages: Iterable[str]) -> frozenset[str]:
        return frozenset(lang for lang in languages if not self._moderating(lang))

    def fallback(self, fallback_langs: Iterable[str]) -> frozenset[int]:
        found: set[int] = set()
        for lang in fallback_langs:
            found |= self._moderating(lang)
        return frozenset(found)

    def route(
        self,
        lang: str | None,
        gaps: frozenset[str],
        fallback: frozenset[int],
        *,
        staff_only: bool = False,
    ) -> Recipients:
        if lang is None:
            regular = self.leads | self.moderators if staff_only else set(self.everyone)
        else:
            mods = self.moderates.get(lang, set())
            regular = self.leads | (mods & self.moderators if staff_only else mods)
            if not staff_only:
                regular |= self.receivers.get(lang, set())
        flagged = (
            frozenset(fallback - regular) if lang is not None and lang in gaps else frozenset()
        )
        return Recipients(frozenset(regular), flagged)
