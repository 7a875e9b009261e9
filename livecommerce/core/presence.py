"""Who is in a room: its members, what each may moderate, the counts per language, and
which languages have no moderator (their messages go to the fallback moderators too).

A room has copies in other processes when it shares a bus: their counts come in with
`set_peers`, and a language moderated in any copy is covered in every copy.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from livecommerce.core import moderation
from livecommerce.core.effects import Deliver, Effect, notice_frame
from livecommerce.core.messages import N_
from livecommerce.core.models import Role
from livecommerce.core.routing import Member, MemberIndex, Recipients


class Roster:
    """The members connected here, indexed for routing, and the coverage of languages."""

    def __init__(self, languages: tuple[str, ...], fallback_langs: tuple[str, ...]) -> None:
        self.languages = languages
        self.fallback_langs = fallback_langs
        self.members: dict[int, Member] = {}
        self.index = MemberIndex()
        # What each moderator's token allows them to moderate, by connection.
        self.granted: dict[int, frozenset[str]] = {}
        # Viewers and moderators per language in the room's copies in other processes.
        self.peer_viewers: dict[str, int] = {}
        self.peer_moderators: dict[str, int] = {}
        self.gaps = self.uncovered()

    # -- members -----------------------------------------------------------------------

    def add(self, member: Member) -> None:
        """A connection joins (again: it replaces what it was)."""
        previous = self.members.get(member.conn)
        if previous is not None:
            self.index.remove(previous)
        self.members[member.conn] = member
        self.index.add(member)
        if member.role is Role.MODERATOR:
            # Without a recorded grant, a narrower `subscribe` would lose the rest for good.
            self.granted.setdefault(member.conn, member.moderates)

    def remove(self, conn: int) -> None:
        gone = self.members.pop(conn, None)
        if gone is not None:
            self.index.remove(gone)
        self.granted.pop(conn, None)

    def subscribe(self, member: Member, langs: frozenset[str]) -> Member:
        """The member now reading `langs`; a moderator moderates those of them their
        grant allows."""
        moderates = member.moderates
        if member.role is Role.MODERATOR:
            moderates = langs & self.granted.get(member.conn, member.moderates)
        updated = replace(member, langs=langs, moderates=moderates, declared=True)
        self.index.remove(member)
        self.members[member.conn] = updated
        self.index.add(updated)
        return updated

    def grant(self, conn: int, langs: frozenset[str]) -> None:
        self.granted[conn] = langs

    def staff(self) -> frozenset[int]:
        return frozenset(c for c, m in self.members.items() if moderation.is_staff(m.role))

    # -- routing -----------------------------------------------------------------------

    def fallback(self) -> frozenset[int]:
        return self.index.fallback(self.fallback_langs)

    def route(self, lang: str | None, *, staff_only: bool = False) -> Recipients:
        """Who receives a frame of language `lang` (None: every channel)."""
        return self.index.route(lang, self.gaps, self.fallback(), staff_only=staff_only)

    def covers_for(self, member: Member, lang: str) -> bool:
        """A fallback moderator acts for a language while nobody else moderates it: they
        are shown its messages and held queue, so they must be able to act on them."""
        return lang in self.gaps and member.conn in self.fallback()

    def may_moderate(self, member: Member, lang: str) -> bool:
        return moderation.may_moderate(member.role, member.moderates, lang) or self.covers_for(
            member, lang
        )

    # -- coverage and counts -----------------------------------------------------------

    def uncovered(self) -> frozenset[str]:
        return self.index.uncovered(self.languages) - frozenset(self.peer_moderators)

    def covered_here(self) -> frozenset[str]:
        """The languages moderated by connections of this process."""
        return frozenset(self.languages) - self.index.uncovered(self.languages)

    def coverage_changes(self) -> list[Effect]:
        """Tell the staff which languages lost or regained a moderator since last asked."""
        gaps = self.uncovered()
        if gaps == self.gaps:
            return []
        lost, regained = gaps - self.gaps, self.gaps - gaps
        self.gaps = gaps
        staff = self.staff()
        effects: list[Effect] = []
        for lang in sorted(lost):
            effects.append(
                Deliver(
                    staff,
                    notice_frame(
                        "uncovered",
                        N_("Nobody moderates {language} now: fallback moderators see it."),
                        language=lang,
                    ),
                )
            )
        for lang in sorted(regained):
            effects.append(
                Deliver(
                    staff,
                    notice_frame("covered", N_("{language} has a moderator again."), language=lang),
                )
            )
        return effects

    def counts(self) -> dict[str, dict[str, int]]:
        """Viewers and moderators per language among the members connected here."""
        viewers = dict.fromkeys(self.languages, 0)
        moderators = dict.fromkeys(self.languages, 0)
        for member in self.members.values():
            if member.role is Role.VIEWER:
                for lang in member.langs:
                    if lang in viewers:
                        viewers[lang] += 1
            elif member.role is Role.MODERATOR:
                for lang in member.moderates:
                    if lang in moderators:
                        moderators[lang] += 1
        return {"viewers": viewers, "moderators": moderators}

    def set_peers(self, peers: Iterable[dict[str, dict[str, int]]]) -> list[Effect]:
        """The counts of the room's copies in other processes: presence adds them up, and
        a language moderated elsewhere is covered here too. Returns coverage changes."""
        viewers: dict[str, int] = {}
        moderators: dict[str, int] = {}
        for peer in peers:
            for total, counts in (
                (viewers, peer.get("viewers", {})),
                (moderators, peer.get("moderators", {})),
            ):
                for lang, count in counts.items():
                    if lang in self.languages and isinstance(count, int) and count > 0:
                        total[lang] = total.get(lang, 0) + count
        self.peer_viewers, self.peer_moderators = viewers, moderators
        return self.coverage_changes()

    def presence(self) -> tuple[frozenset[int], dict[str, Any]]:
        """Viewers and moderators per language (here and in the room's other copies),
        for the staff's `presence` frame."""
        counts = self.counts()
        viewers, moderators = counts["viewers"], counts["moderators"]
        for lang, count in self.peer_viewers.items():
            viewers[lang] += count
        for lang, count in self.peer_moderators.items():
            moderators[lang] += count
        frame = {
            "type": "presence",
            "viewers": viewers,
            "moderators": moderators,
            "uncovered": sorted(self.gaps),
        }
        return self.staff(), frame
