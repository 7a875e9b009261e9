"""A show's chat room as a state machine: commands in, effects out, no I/O.

`Room.join`, `Room.leave`, `Room.handle` and `Room.apply` take plain data and the time,
and return effects (see `effects.py`) for the adapter to carry out: frames to deliver to
connections, connections to close, records to store.

The room is a façade over its collaborators, each with its own state:

- `History` (`history.py`): bounded channels, ids, replay for a resuming client;
- `HeldQueue` (`held.py`): messages waiting for a moderator;
- `Restrictions` (`restrictions.py`): bans, timeouts, slow mode, rate and abuse limits;
- `Roster` (`presence.py`): members, counts, moderator coverage and fallback;
- `Priors` (`priors.py`): the languages each sender's placed messages were in;
- `Commands` (`commands.py`): decides each member's command into changes and effects.

A decided change (`changes.py`) is applied by `apply`, in every copy of the room: at
once when the room is alone, through the bus when it is `replicated`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, assert_never

from livecommerce.core import moderation
from livecommerce.core.changes import (
    Change,
    HeldResolved,
    MessageErased,
    MessageHeld,
    MessageMoved,
    MessagePublished,
    Origin,
    PresenceChanged,
    ProductPinned,
    Restriction,
    SlowModeSet,
    UserRestricted,
)
from livecommerce.core.commands import (
    Blocked,
    Commands,
    Judgement,
    Match,
    no_products,
    nothing_blocked,
)
from livecommerce.core.effects import (
    CLOSE_POLICY,
    CLOSE_TRY_LATER,
    Audit,
    Close,
    Deliver,
    Effect,
    Erase,
    Pinned,
    Relabel,
    Replicate,
    Store,
    chat_frame,
    chat_frames,
    error_frame,
    held_frame,
    notice_frame,
)
from livecommerce.core.held import Held, HeldQueue
from livecommerce.core.history import History
from livecommerce.core.hours import ALWAYS, Opening, OpeningHours
from livecommerce.core.messages import N_
from livecommerce.core.models import ChatMessage, Role, Show
from livecommerce.core.presence import Roster
from livecommerce.core.priors import Identify, Priors, keep_declared
from livecommerce.core.protocol import VERSION, Command, FrameError
from livecommerce.core.restrictions import Restrictions
from livecommerce.core.routing import Member

# The effects and frames are part of the room's API: the adapters import them from here.
__all__ = [
    "CLOSE_POLICY",
    "CLOSE_TRY_LATER",
    "Audit",
    "Close",
    "Deliver",
    "Effect",
    "Erase",
    "Pinned",
    "Relabel",
    "Replicate",
    "Room",
    "RoomRules",
    "Store",
    "chat_frames",
]


@dataclass(frozen=True)
class RoomRules:
    """The room's limits and policies, from settings and the show."""

    history: int = 500
    rate: float = 1.0
    burst: float = 5.0
    abuse_limit: int = 20
    abuse_window: float = 60.0
    hold: moderation.HoldPolicy = field(default_factory=moderation.HoldPolicy)
    opening: Opening | None = None  # None: the chat of every show is always open
    held_max: int = 500  # held messages kept per show
    held_per_sender: int = 20  # held messages kept per writer
    held_page: int = 50  # held messages a joining moderator is sent, and per page

    def hours(self, show: Show) -> OpeningHours:
        """When the chat of `show` takes messages."""
        return ALWAYS if self.opening is None else self.opening.hours(show)


class Room:
    """The chat of one show: members, history, moderation state."""

    def __init__(
        self,
        show_id: str,
        languages: tuple[str, ...],
        fallback_langs: tuple[str, ...] = (),
        rules: RoomRules | None = None,
        identify: Identify = keep_declared,
        blocked: Blocked = nothing_blocked,
        match: Match = no_products,
        hours: OpeningHours = ALWAYS,
    ) -> None:
        self.show_id = show_id
        self.languages = languages
        self.fallback_langs = fallback_langs
        self.rules = rules = rules or RoomRules()
        self.judgement = Judgement(identify, blocked, match, rules.hold)
        self.history = History(languages, rules.history)
        self.held = HeldQueue(rules.held_max, rules.held_per_sender)
        self.restrictions = Restrictions(
            rules.rate, rules.burst, rules.abuse_limit, rules.abuse_window
        )
        self.roster = Roster(languages, fallback_langs)
        self.priors = Priors()
        self.commands = Commands(
            show_id,
            languages,
            self.judgement,
            self.history,
            self.held,
            self.restrictions,
            self.roster,
            self.priors,
        )
        self.commands.hours = hours
        self.commands.held_page_size = rules.held_page
        # Whether this copy's changes go through a bus to every copy (several processes)
        # or apply here at once (one process).
        self.replicated = False
        self.applied = 0  # the place in the bus's sequence of the last change applied

    # -- settings and views ------------------------------------------------------------

    @property
    def process(self) -> str:
        """Which process this copy of the room lives in."""
        return self.commands.process

    @process.setter
    def process(self, process: str) -> None:
        self.commands.process = process

    @property
    def identify(self) -> Identify:
        return self.judgement.identify

    @identify.setter
    def identify(self, identify: Identify) -> None:
        self.judgement.identify = identify

    @property
    def blocked(self) -> Blocked:
        return self.judgement.blocked

    @blocked.setter
    def blocked(self, blocked: Blocked) -> None:
        self.judgement.blocked = blocked

    @property
    def match(self) -> Match:
        return self.judgement.match

    @match.setter
    def match(self, match: Match) -> None:
        self.judgement.match = match

    @property
    def hours(self) -> OpeningHours:
        """When the show's chat takes messages; the rest of the room works at any time."""
        return self.commands.hours

    @hours.setter
    def hours(self, hours: OpeningHours) -> None:
        self.commands.hours = hours

    @property
    def members(self) -> dict[int, Member]:
        return self.roster.members

    @property
    def next_id(self) -> int:
        return self.history.next_id

    @next_id.setter
    def next_id(self, next_id: int) -> None:
        self.history.next_id = next_id

    # -- history -----------------------------------------------------------------------

    def restore(self, messages: Iterable[ChatMessage]) -> None:
        """Load stored messages (oldest first) after a restart: history and next id."""
        messages = list(messages)
        self.history.restore(messages)
        self.restrictions.seen_users.update(m.user_id for m in messages)

    def replay(self, since: int, langs: Collection[str]) -> tuple[list[ChatMessage], bool]:
        """Messages after `since` in `langs` (and broadcasts), oldest first, and whether
        the history still reaches back that far (`recovered`)."""
        return self.history.replay(since, langs)

    def forget_through(self, last: int) -> None:
        """Claim no recovery for a client that last saw a message before `last`."""
        self.history.forget_through(last)

    # -- membership --------------------------------------------------------------------

    def join(self, member: Member, now: datetime, since: int | None = None) -> list[Effect]:
        """A connection joins: `hello`, what it missed, and coverage changes."""
        if self.restrictions.banned(member):
            return [
                Deliver(
                    frozenset({member.conn}),
                    error_frame("banned", N_("You are banned from this chat.")),
                ),
                Close(member.conn, CLOSE_POLICY, "banned"),
            ]
        self.roster.add(member)
        self.restrictions.connect(member.conn)
        missed: list[ChatMessage] = []
        recovered = True
        if since is not None:
            # Replay what live routing would have delivered: the streamer and admins
            # receive every language channel.
            langs = (
                frozenset(self.languages)
                if member.role in (Role.STREAMER, Role.ADMIN)
                else member.langs | member.moderates
            )
            missed, recovered = self.history.replay(since, langs)
        staff = moderation.is_staff(member.role)
        hello = {
            "type": "hello",
            "v": VERSION,
            "you": {"id": member.user, "name": member.name, "role": member.role.value},
            "stream": {"id": self.show_id, "languages": list(self.languages)},
            "langs": sorted(member.langs),
            "moderates": sorted(member.moderates),
            "last_id": self.history.last_id,
            "recovered": recovered,
            "slow": self.restrictions.slow_modes(),
        }
        coverage = self.roster.coverage_changes()
        to = frozenset({member.conn})
        effects: list[Effect] = [Deliver(to, hello)]
        effects += [Deliver(to, chat_frame(m, staff)) for m in missed]
        if staff:
            # The newest page of the held queue, each as a `held` frame, then how many
            # there are in all (nothing when none): older pages on request (`held_page`).
            page = self.commands.held_page(member, None)
            effects += [Deliver(to, item) for item in page.pop("items")]
            if page["total"]:
                effects.append(Deliver(to, page))
        return effects + coverage

    def leave(self, conn: int) -> list[Effect]:
        self.roster.remove(conn)
        self.restrictions.disconnect(conn)
        return self.roster.coverage_changes()

    def grant(self, conn: int, langs: frozenset[str]) -> None:
        """Record what a moderator's token allows them to moderate, before `join`."""
        self.roster.grant(conn, langs)

    # -- presence ----------------------------------------------------------------------

    def counts(self) -> dict[str, dict[str, int]]:
        """Viewers and moderators per language among the members connected here."""
        return self.roster.counts()

    def set_peers(self, peers: Iterable[dict[str, dict[str, int]]]) -> list[Effect]:
        """The counts of the room's copies in other processes: presence adds them up, and
        a language moderated elsewhere is covered here too. Returns coverage changes."""
        return self.roster.set_peers(peers)

    def presence(self) -> tuple[frozenset[int], dict[str, Any]]:
        """Viewers and moderators per language, for the staff's `presence` frame."""
        return self.roster.presence()

    def covered_here(self) -> frozenset[str]:
        """The languages moderated by connections of this process."""
        return self.roster.covered_here()

    # -- commands ----------------------------------------------------------------------

    def reject_frame(self, conn: int, error: FrameError, now: datetime) -> list[Effect]:
        """A frame that could not be parsed: an `error`, and a close after repeated abuse."""
        return self.commands.refuse(conn, error, now)

    def handle(self, conn: int, command: Command, now: datetime) -> list[Effect]:
        member = self.roster.members.get(conn)
        if member is None:
            return []
        effects = self.commands.handle(member, command, now)
        if self.replicated:
            return effects  # every copy applies the changes when the bus hands them back
        # Alone: the decided changes apply at once, where they were decided.
        done: list[Effect] = []
        for effect in effects:
            if isinstance(effect, Replicate):
                done += self.apply(effect.change)
            else:
                done.append(effect)
        return done

    # -- changes -----------------------------------------------------------------------

    def apply(self, change: Change) -> list[Effect]:
        """Apply a decided change, this room's own or a peer's; deliver it to the members
        connected here. Every copy applies the same changes in the same order; one it
        has already applied (by its place in the sequence) is ignored."""
        if change.seq:
            if change.seq <= self.applied:
                return []
            self.applied = change.seq
        match change:
            case MessagePublished():
                return self._published(change)
            case MessageHeld():
                return self._held(change)
            case HeldResolved():
                effects = self._resolved(change)
            case MessageErased():
                effects = self._erased(change)
            case UserRestricted():
                effects = self._restricted(change)
            case SlowModeSet():
                effects = self._slowed(change)
            case ProductPinned():
                return [Pinned(change.sku, change.action, change.ts, None, change.lang, True)]
            case MessageMoved():
                effects = self._moved(change)
            case PresenceChanged():
                return []
            case _:
                assert_never(change)
        if change.mod is not None:
            # The other staff hear of a moderator's action; the actor has a confirmation.
            origin = change.origin
            actor = origin.conn if origin is not None and origin.process == self.process else None
            members = self.roster.members.items()
            staff = frozenset(c for c, m in members if m.role is not Role.VIEWER and c != actor)
            effects.append(Deliver(staff, change.mod))
        return effects

    def _here(self, origin: Origin | None) -> int | None:
        """The connection of `origin` when it is a member in this process."""
        if (
            origin is not None
            and origin.process == self.process
            and origin.conn in self.roster.members
        ):
            return origin.conn
        return None

    def _published(self, change: MessagePublished) -> list[Effect]:
        message = self.history.sequenced(change.message)
        self.restrictions.seen_users.add(message.user_id)
        evicted = self.history.remember(message)
        if change.person:
            self.priors.learn(change.person, message.lang)
        recipients = self.roster.route(None if message.broadcast else message.lang)
        sender = self._here(change.origin)
        regular = recipients.regular
        if sender is not None and sender not in regular and sender not in recipients.fallback:
            # The sender sees their message also when it was placed in a channel they do
            # not read (they wrote Russian while reading Kazakh): its `lang` says where.
            regular = regular | {sender}
        # Readers get the message at once; the sender's ack rides on the Store effect,
        # released by the adapter once the message is committed.
        effects = self._chat_to(message, regular, recipients.fallback)
        release: Deliver | None = None
        if sender is not None:
            ack: dict[str, Any] = {"type": "ack", "id": message.id}
            if change.held_id:
                ack["held_id"] = change.held_id
            ack["status"] = "sent"
            if change.origin is not None and change.origin.ref is not None and not change.held_id:
                ack["ref"] = change.origin.ref
            release = Deliver(frozenset({sender}), ack)
        store = Store(message, here=change.store == self.process, ack=release, evicted=evicted)
        effects.append(store)
        return effects

    def _held(self, change: MessageHeld) -> list[Effect]:
        hold_id = self.history.sequenced(change.message).id
        message = replace(change.message, id=0)
        self.restrictions.seen_users.add(message.user_id)
        held = Held(hold_id, message, change.reasons, change.origin, change.person)
        effects: list[Effect] = []
        for evicted in self.held.hold(held):
            effects += self._evicted(evicted, change)
        recipients = self.roster.route(message.lang, staff_only=True)
        frame = held_frame(held)
        effects.append(Deliver(recipients.regular, frame))
        if recipients.fallback:
            effects.append(Deliver(recipients.fallback, {**frame, "fallback": True}))
        sender = self._here(change.origin)
        if sender is not None:
            ack: dict[str, Any] = {"type": "ack", "id": hold_id, "status": "held"}
            if change.origin is not None and change.origin.ref is not None:
                ack["ref"] = change.origin.ref
            effects.append(Deliver(frozenset({sender}), ack))
        return effects

    def _evicted(self, evicted: Held, cause: MessageHeld) -> list[Effect]:
        """A held message pushed out of the full queue: the staff who see it drop it; the
        copy of the room that decided the hold logs it (once, whatever the copies)."""
        lang = evicted.message.lang
        recipients = self.roster.route(lang, staff_only=True)
        frame = {"type": "resolved", "id": evicted.hold_id, "action": "evicted"}
        effects: list[Effect] = [Deliver(recipients.regular | recipients.fallback, frame)]
        if cause.origin is None or cause.origin.process == self.process:
            audit = Audit(
                cause.message.ts,
                "server",
                "system",
                "evict",
                user=evicted.message.user_id,
                message_id=evicted.hold_id,
                lang=lang,
            )
            effects.append(audit)
        return effects

    def _resolved(self, change: HeldResolved) -> list[Effect]:
        held = self.held.resolve(change.id)
        if held is None:
            return []
        recipients = self.roster.route(held.message.lang, staff_only=True)
        resolved = {"type": "resolved", "id": change.id, "action": change.action}
        effects: list[Effect] = [Deliver(recipients.regular | recipients.fallback, resolved)]
        sender = self._here(held.origin)
        if change.action == "reject" and sender is not None:
            effects.append(
                Deliver(frozenset({sender}), {"type": "ack", "id": change.id, "status": "rejected"})
            )
        return effects

    def _chat_to(
        self, message: ChatMessage, regular: frozenset[int], fallback: frozenset[int]
    ) -> list[Effect]:
        """A message's chat frames: staff see its script and whether its language is
        unsure; fallback moderators see it flagged `fallback`."""
        index = self.roster.index
        if message.script or message.lang_unsure:
            staff = regular & (index.leads | index.moderators)
        else:
            staff = frozenset()  # nothing for staff only: one frame for every reader
        viewers = regular - staff if staff else regular
        effects: list[Effect] = []
        if viewers:
            effects.append(Deliver(viewers, chat_frame(message)))
        frame = chat_frame(message, staff=True)
        if staff:
            effects.append(Deliver(staff, frame))
        if fallback:
            effects.append(Deliver(fallback, {**frame, "fallback": True}))
        return effects

    def _moved(self, change: MessageMoved) -> list[Effect]:
        """A moderator moved a message: readers of its old channel are told (`moved`),
        readers of the new one who did not have it get it; the store follows."""
        if change.person:
            self.priors.learn(change.person, change.lang)
        message = self.history.move(change.id, change.lang)
        effects: list[Effect] = [Relabel(change.id, change.lang)]
        old = self.roster.route(change.previous)
        new = self.roster.route(change.lang)
        had = old.regular | old.fallback
        frame = {"type": "moved", "id": change.id, "lang": change.lang, "from": change.previous}
        if had:
            effects.append(Deliver(had, frame))
        if message is not None:
            effects += self._chat_to(message, new.regular - had, new.fallback - had)
        return effects

    def _erased(self, change: MessageErased) -> list[Effect]:
        self.history.erase(change.id)
        recipients = self.roster.route(change.lang)
        frame = {"type": "deleted", "id": change.id}
        return [Erase(change.id), Deliver(recipients.regular | recipients.fallback, frame)]

    def _restricted(self, change: UserRestricted) -> list[Effect]:
        user = change.user
        members = self.roster.members.values()
        address = change.address or self.restrictions.address_of(user, members)
        self.restrictions.restrict(change.action, user, change.until, address)
        # Staff are never restricted, also when the ban came while they were away or
        # connected to another process: their role is signed in their token. A guest is
        # reached under every name it took from its address.
        targets = [
            m
            for m in members
            if (m.user == user or (address and m.address == address))
            and not moderation.is_staff(m.role)
        ]
        effects: list[Effect] = []
        match change.action:
            case Restriction.TIMEOUT:
                for target in targets:
                    frame = notice_frame(
                        "timed_out",
                        N_("A moderator timed you out for {seconds} seconds."),
                        seconds=change.seconds,
                    )
                    effects.append(Deliver(frozenset({target.conn}), frame))
            case Restriction.BAN:
                for target in targets:
                    frame = error_frame("banned", N_("You are banned from this chat."))
                    effects.append(Deliver(frozenset({target.conn}), frame))
                    effects.append(Close(target.conn, CLOSE_POLICY, "banned"))
            case Restriction.UNBAN:
                pass
            case _:
                assert_never(change.action)
        return effects

    def _slowed(self, change: SlowModeSet) -> list[Effect]:
        lang, seconds = change.lang, change.seconds
        self.restrictions.set_slow(lang, seconds)
        recipients = self.roster.route(lang)
        if seconds:
            frame = notice_frame(
                "slow_mode",
                N_("Slow mode: one message every {seconds} seconds."),
                seconds=seconds,
                lang=lang,
            )
        else:
            frame = notice_frame("slow_mode_off", N_("Slow mode is off."), seconds=0, lang=lang)
        return [Deliver(recipients.regular | recipients.fallback, frame)]
