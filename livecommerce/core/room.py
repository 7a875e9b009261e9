"""A show's chat room as a state machine: commands in, effects out, no I/O.

`Room.join`, `Room.leave`, `Room.handle` and `Room.tick` take plain data and the time,
and return effects for the adapter to carry out: frames to deliver to connections,
connections to close, records to store. Frames are plain dicts; a sentence for people
is a `Text` the adapter translates for each reader.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from livecommerce.core import moderation, routing
from livecommerce.core.changes import Change, Origin
from livecommerce.core.messages import N_, Text
from livecommerce.core.models import ChatMessage, Role
from livecommerce.core.protocol import (
    VERSION,
    Chat,
    Command,
    FrameError,
    Moderate,
    Pin,
    Restrict,
    Slow,
    Subscribe,
)
from livecommerce.core.routing import Member

# Close codes (RFC 6455 and the registry): policy violation, try again later.
CLOSE_POLICY = 1008
CLOSE_TRY_LATER = 1013

# (text, declared, allowed) -> (language, confident)
Identify = Callable[[str, str, Collection[str]], tuple[str, bool]]
# (text, language) -> whether it contains a blocked term of that language
Blocked = Callable[[str, str], bool]
# text -> skus of the products it names
Match = Callable[[str], tuple[str, ...]]


def _keep_declared(text: str, declared: str, allowed: Collection[str]) -> tuple[str, bool]:
    return declared, False


def _nothing_blocked(text: str, lang: str) -> bool:
    return False


def _no_products(text: str) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class RoomRules:
    """The room's limits and policies, from settings and the show."""

    history: int = 500
    rate: float = 1.0
    burst: float = 5.0
    abuse_limit: int = 20
    abuse_window: float = 60.0
    hold: moderation.HoldPolicy = field(default_factory=moderation.HoldPolicy)


# -- effects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Deliver:
    """Send `frame` to each connection in `to`."""

    to: frozenset[int]
    frame: dict[str, Any]


@dataclass(frozen=True)
class Close:
    conn: int
    code: int
    reason: str


@dataclass(frozen=True)
class Store:
    """A chat message to keep (history and export). Every copy of a room keeps what it
    hears (the store keeps one of each), so a message acknowledged by a process that
    dies is still kept by the others; `here` says whether it was decided here."""

    message: ChatMessage
    here: bool = True


@dataclass(frozen=True)
class Erase:
    """A message deleted by a moderator: gone from history and from the store."""

    id: int


@dataclass(frozen=True)
class Audit:
    """One moderation action, for the audit log."""

    ts: datetime
    actor: str
    role: str
    action: str
    user: str | None = None
    message_id: int | None = None
    lang: str | None = None
    seconds: int | None = None


@dataclass(frozen=True)
class Pinned:
    """The streamer pinned or unpinned a product: the adapter sends localized `product` frames."""

    sku: str
    action: str
    ts: datetime
    conn: int | None = None  # who pinned it (None: over HTTP)
    lang: str | None = None  # the language they speak in the room
    shared: bool = False  # decided in another copy of the room: only show it here


@dataclass(frozen=True)
class Replicate:
    """A decided change for every copy of the room (other processes too): the adapter
    hands it to the bus, which gives it its id and hands it back to each `Room.apply`."""

    change: Change


Effect = Deliver | Close | Store | Erase | Audit | Pinned | Replicate


@dataclass
class _Held:
    hold_id: int
    message: ChatMessage
    reasons: tuple[str, ...]
    origin: Origin | None


@dataclass
class _Sender:
    bucket: moderation.TokenBucket
    abuse: moderation.AbuseCounter


@dataclass
class Room:
    """The chat of one show: members, history, moderation state."""

    show_id: str
    languages: tuple[str, ...]
    fallback_langs: tuple[str, ...] = ()
    rules: RoomRules = field(default_factory=RoomRules)
    identify: Identify = _keep_declared
    blocked: Blocked = _nothing_blocked
    match: Match = _no_products
    next_id: int = 1
    members: dict[int, Member] = field(default_factory=dict)
    # History: a bounded deque per language, and one for the streamer's broadcasts.
    history: dict[str, deque[ChatMessage]] = field(default_factory=dict)
    evicted: dict[str, int] = field(default_factory=dict)
    held: dict[int, _Held] = field(default_factory=dict)
    timeouts: dict[str, float] = field(default_factory=dict)
    bans: set[str] = field(default_factory=set)
    slow: dict[str, int] = field(default_factory=dict)
    last_sent: dict[tuple[str, str], float] = field(default_factory=dict)
    seen_users: set[str] = field(default_factory=set)
    senders: dict[int, _Sender] = field(default_factory=dict)
    gaps: frozenset[str] = frozenset()
    granted: dict[int, frozenset[str]] = field(default_factory=dict)
    index: routing.MemberIndex = field(default_factory=routing.MemberIndex)
    # Which process this copy of the room lives in, and whether its changes go through a
    # bus to every copy (several processes) or apply here at once (one process).
    process: str = "local"
    replicated: bool = False
    applied: int = 0  # the place in the bus's sequence of the last change applied
    # Viewers and moderators per language in the room's copies in other processes.
    peer_viewers: dict[str, int] = field(default_factory=dict)
    peer_moderators: dict[str, int] = field(default_factory=dict)

    BROADCAST = "*"

    def __post_init__(self) -> None:
        for lang in (*self.languages, self.BROADCAST):
            self.history.setdefault(lang, deque(maxlen=self.rules.history))
            self.evicted.setdefault(lang, 0)
        for member in self.members.values():
            self.index.add(member)
        self.gaps = self._uncovered()

    # -- history -----------------------------------------------------------------------

    def restore(self, messages: Iterable[ChatMessage]) -> None:
        """Load stored messages (oldest first) after a restart: history and next id."""
        for message in messages:
            # A language the show no longer has keeps its id but no channel to replay in.
            if message.broadcast or message.lang in self.history:
                self._remember(message)
            self.seen_users.add(message.user_id)
            self.next_id = max(self.next_id, message.id + 1)

    def _remember(self, message: ChatMessage) -> None:
        key = self.BROADCAST if message.broadcast else message.lang
        bucket = self.history[key]
        if bucket.maxlen is not None and len(bucket) == bucket.maxlen:
            # With no history at all (maxlen 0) the message itself is what is lost.
            self.evicted[key] = bucket[0].id if bucket else message.id
        bucket.append(message)

    def _find(self, message_id: int) -> ChatMessage | None:
        for bucket in self.history.values():
            for message in bucket:
                if message.id == message_id:
                    return message
        return None

    def replay(self, since: int, langs: Collection[str]) -> tuple[list[ChatMessage], bool]:
        """Messages after `since` in `langs` (and broadcasts), oldest first, and whether
        the history still reaches back that far (`recovered`)."""
        keys = [lang for lang in langs if lang in self.history] + [self.BROADCAST]
        recovered = since < self.next_id and all(self.evicted[k] <= since for k in keys)
        found = [m for k in keys for m in self.history[k] if m.id > since]
        found.sort(key=lambda m: m.id)
        return found, recovered

    # -- membership --------------------------------------------------------------------

    def join(self, member: Member, now: datetime, since: int | None = None) -> list[Effect]:
        """A connection joins: `hello`, what it missed, and coverage changes."""
        if self._banned(member):
            return [
                Deliver(
                    frozenset({member.conn}), _error("banned", N_("You are banned from this chat."))
                ),
                Close(member.conn, CLOSE_POLICY, "banned"),
            ]
        previous = self.members.get(member.conn)
        if previous is not None:
            self.index.remove(previous)
        self.members[member.conn] = member
        self.index.add(member)
        if member.role is Role.MODERATOR:
            # Without a recorded grant, a narrower `subscribe` would lose the rest for good.
            self.granted.setdefault(member.conn, member.moderates)
        self.senders[member.conn] = _Sender(
            moderation.TokenBucket(self.rules.rate, self.rules.burst),
            moderation.AbuseCounter(self.rules.abuse_limit, self.rules.abuse_window),
        )
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
            missed, recovered = self.replay(since, langs)
        hello = {
            "type": "hello",
            "v": VERSION,
            "you": {"id": member.user, "name": member.name, "role": member.role.value},
            "stream": {"id": self.show_id, "languages": list(self.languages)},
            "langs": sorted(member.langs),
            "moderates": sorted(member.moderates),
            "last_id": self.next_id - 1,
            "recovered": recovered,
            "slow": {lang: s for lang, s in self.slow.items() if s},
        }
        coverage = self._coverage_changes()
        effects: list[Effect] = [Deliver(frozenset({member.conn}), hello)]
        effects += [Deliver(frozenset({member.conn}), _chat_frame(m)) for m in missed]
        if moderation.is_staff(member.role):
            for held in self.held.values():
                if moderation.may_moderate(member.role, member.moderates, held.message.lang):
                    effects.append(Deliver(frozenset({member.conn}), _held_frame(held)))
                elif self._covers_for(member, held.message.lang):
                    frame = {**_held_frame(held), "fallback": True}
                    effects.append(Deliver(frozenset({member.conn}), frame))
        return effects + coverage

    def leave(self, conn: int) -> list[Effect]:
        gone = self.members.pop(conn, None)
        if gone is not None:
            self.index.remove(gone)
        self.senders.pop(conn, None)
        self.granted.pop(conn, None)
        return self._coverage_changes()

    def _coverage_changes(self) -> list[Effect]:
        gaps = self._uncovered()
        if gaps == self.gaps:
            return []
        lost, regained = gaps - self.gaps, self.gaps - gaps
        self.gaps = gaps
        staff = frozenset(c for c, m in self.members.items() if moderation.is_staff(m.role))
        effects: list[Effect] = []
        for lang in sorted(lost):
            effects.append(
                Deliver(
                    staff,
                    _notice(
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
                    _notice("covered", N_("{language} has a moderator again."), language=lang),
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
        return self._coverage_changes()

    def _uncovered(self) -> frozenset[str]:
        return self.index.uncovered(self.languages) - frozenset(self.peer_moderators)

    def presence(self) -> tuple[frozenset[int], dict[str, Any]]:
        """Viewers and moderators per language (here and in the room's other copies),
        for the staff's `presence` frame."""
        counts = self.counts()
        viewers, moderators = counts["viewers"], counts["moderators"]
        for lang, count in self.peer_viewers.items():
            viewers[lang] += count
        for lang, count in self.peer_moderators.items():
            moderators[lang] += count
        staff = frozenset(c for c, m in self.members.items() if moderation.is_staff(m.role))
        frame = {
            "type": "presence",
            "viewers": viewers,
            "moderators": moderators,
            "uncovered": sorted(self.gaps),
        }
        return staff, frame

    # -- commands ----------------------------------------------------------------------

    def reject_frame(self, conn: int, error: FrameError, now: datetime) -> list[Effect]:
        """A frame that could not be parsed: an `error`, and a close after repeated abuse."""
        return self._refuse(
            conn, error.code, Text(error.template, dict(error.params)), error.ref, now
        )

    def handle(self, conn: int, command: Command, now: datetime) -> list[Effect]:
        member = self.members.get(conn)
        if member is None:
            return []
        try:
            if isinstance(command, Chat):
                return self._chat(member, command, now)
            if isinstance(command, Subscribe):
                return self._subscribe(member, command)
            if isinstance(command, Moderate):
                return self._moderate(member, command, now)
            if isinstance(command, Restrict):
                return self._restrict(member, command, now)
            if isinstance(command, Slow):
                return self._slow(member, command, now)
            return self._pin(member, command, now)
        except FrameError as error:
            return self.reject_frame(conn, error, now)

    def _refuse(
        self, conn: int, code: str, text: Text, ref: str | None, now: datetime
    ) -> list[Effect]:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": text}
        if ref is not None:
            frame["ref"] = ref
        effects: list[Effect] = [Deliver(frozenset({conn}), frame)]
        sender = self.senders.get(conn)
        if sender is not None and sender.abuse.add(now.timestamp()):
            effects.append(Close(conn, CLOSE_POLICY, "abuse"))
        return effects

    def _chat(self, member: Member, command: Chat, now: datetime) -> list[Effect]:
        stamp = now.timestamp()
        ref = command.ref
        if self._banned(member):
            return [Close(member.conn, CLOSE_POLICY, "banned")]
        until = self.timeouts.get(member.user)
        if until is not None and until > stamp and not moderation.is_staff(member.role):
            raise FrameError(
                "timed_out",
                N_("You are timed out: you can write again in {seconds} seconds."),
                ref,
                seconds=int(-(-(until - stamp) // 1)),
            )
        sender = self.senders[member.conn]
        if not moderation.is_staff(member.role) and not sender.bucket.take(stamp):
            raise FrameError("rate_limited", N_("You are sending too fast. Please slow down."), ref)
        if command.texts is not None:
            return self._chat_per_language(member, command, now)
        lang, declared, broadcast = self._language_of(member, command)
        if not moderation.is_staff(member.role):
            wait = moderation.slow_mode_wait(
                self.last_sent.get((member.user, lang)), self.slow.get(lang, 0), stamp
            )
            if wait:
                raise FrameError(
                    "slow_mode",
                    N_("Slow mode is on: you can write again in {seconds} seconds."),
                    ref,
                    seconds=wait,
                )
        effects: list[Effect] = []
        if declared is not None:
            effects.append(
                Deliver(
                    frozenset({member.conn}),
                    _notice(
                        "language_detected",
                        N_("Your message looks like {language}: it was sent to that channel."),
                        language=lang,
                    ),
                )
            )
        message = ChatMessage(
            show_id=self.show_id,
            id=0,
            ts=now,
            lang=lang,
            user_id=member.user,
            user_name=member.name,
            role=member.role,
            text=command.text,
            reply_to=command.reply_to,
            declared_lang=declared,
            broadcast=broadcast,
            mentions=self.match(command.text),
        )
        first_time = member.guest and member.user not in self.seen_users
        self.seen_users.add(member.user)
        self.last_sent[(member.user, lang)] = stamp
        reasons = moderation.hold_reasons(
            command.text,
            blocked=self.blocked(command.text, lang),
            first_time_guest=first_time,
            policy=self.rules.hold,
            role=member.role,
        )
        if reasons:
            return effects + self._hold(member, message, reasons, ref)
        return effects + self._publish(member, message, ref)

    def _language_of(self, member: Member, command: Chat) -> tuple[str, str | None, bool]:
        """(language, declared language if detection overrode it, broadcast)."""
        if command.reply_to is not None and member.role is not Role.VIEWER:
            # An interpreter's reply goes into the language of the message it answers.
            target = self._find(command.reply_to)
            if target is None:
                raise FrameError(
                    "not_found", N_("That message is no longer in the chat."), command.ref
                )
            return target.lang, None, False
        if command.reply_to is not None and self._find(command.reply_to) is None:
            raise FrameError("not_found", N_("That message is no longer in the chat."), command.ref)
        declared = command.lang or self._default_lang(member)
        if declared not in self.languages:
            raise FrameError(
                "bad_language",
                N_("This stream has no {language} channel."),
                command.ref,
                language=declared,
            )
        if member.role in (Role.STREAMER, Role.ADMIN):
            return declared, None, command.lang is None or member.role is Role.STREAMER
        if member.role is Role.VIEWER:
            detected, confident = self.identify(command.text, declared, self.languages)
            if confident and detected != declared and detected in self.languages:
                return detected, declared, False
        return declared, None, False

    def _default_lang(self, member: Member) -> str:
        for lang in (*sorted(member.langs), *sorted(member.moderates)):
            if lang in self.languages:
                return lang
        return self.languages[0]

    def _chat_per_language(self, member: Member, command: Chat, now: datetime) -> list[Effect]:
        if member.role not in (Role.STREAMER, Role.ADMIN):
            raise FrameError("forbidden", N_("You are not allowed to do this."), command.ref)
        texts = command.texts or {}
        unknown = [lang for lang in texts if lang not in self.languages]
        if unknown:
            raise FrameError(
                "bad_language",
                N_("This stream has no {language} channel."),
                command.ref,
                language=unknown[0],
            )
        effects: list[Effect] = []
        for lang, text in texts.items():
            message = ChatMessage(
                show_id=self.show_id,
                id=0,
                ts=now,
                lang=lang,
                user_id=member.user,
                user_name=member.name,
                role=member.role,
                text=text,
                mentions=self.match(text),
            )
            effects += self._publish(member, message, command.ref)
        return effects

    def _origin(self, conn: int, ref: str | None) -> Origin:
        return Origin(self.process, conn, ref)

    def _publish(self, member: Member, message: ChatMessage, ref: str | None) -> list[Effect]:
        change = Change(
            "message", self._origin(member.conn, ref), store=self.process, message=message
        )
        return self._emit(change)

    def _allocate(self) -> int:
        allocated = self.next_id
        self.next_id += 1
        return allocated

    def _deliver(self, message: ChatMessage) -> list[Effect]:
        lang = None if message.broadcast else message.lang
        recipients = self.index.route(lang, self.gaps, self._fallback())
        frame = _chat_frame(message)
        effects: list[Effect] = [Deliver(recipients.regular, frame)]
        if recipients.fallback:
            effects.append(Deliver(recipients.fallback, {**frame, "fallback": True}))
        return effects

    def _fallback(self) -> frozenset[int]:
        return self.index.fallback(self.fallback_langs)

    def _hold(
        self, member: Member, message: ChatMessage, reasons: tuple[str, ...], ref: str | None
    ) -> list[Effect]:
        change = Change("held", self._origin(member.conn, ref), message=message, reasons=reasons)
        return self._emit(change)

    # -- changes -----------------------------------------------------------------------

    def _emit(self, change: Change) -> list[Effect]:
        """A decided change: applied here at once, or handed to every copy of the room."""
        if self.replicated:
            return [Replicate(change)]
        return self.apply(change)

    def _here(self, origin: Origin | None) -> int | None:
        """The connection of `origin` when it is a member in this process."""
        if origin is not None and origin.process == self.process and origin.conn in self.members:
            return origin.conn
        return None

    def _sequenced(self, message: ChatMessage) -> ChatMessage:
        """The message with its id: the bus's, or the next of this room's own."""
        if message.id == 0:
            return replace(message, id=self._allocate())
        self.next_id = max(self.next_id, message.id + 1)
        return message

    def apply(self, change: Change) -> list[Effect]:
        """Apply a decided change, this room's own or a peer's; deliver it to the members
        connected here. Every copy applies the same changes in the same order; one it
        has already applied (by its place in the sequence) is ignored."""
        if change.seq:
            if change.seq <= self.applied:
                return []
            self.applied = change.seq
        kind = change.kind
        if kind == "message":
            effects = self._apply_message(change)
        elif kind == "held":
            effects = self._apply_held(change)
        elif kind == "resolved":
            effects = self._apply_resolved(change)
        elif kind == "erase":
            effects = self._apply_erase(change)
        elif kind in ("timeout", "ban", "unban"):
            effects = self._apply_restriction(change)
        elif kind == "slow":
            effects = self._apply_slow(change)
        elif kind == "pin":
            moment = datetime.fromtimestamp(change.until or 0.0, UTC)
            effects = [
                Pinned(change.sku or "", change.action or "pin", moment, None, change.lang, True)
            ]
        else:
            return []
        if change.mod is not None:
            actor = (
                change.origin.conn
                if change.origin is not None and change.origin.process == self.process
                else None
            )
            staff = frozenset(
                c for c, m in self.members.items() if m.role is not Role.VIEWER and c != actor
            )
            effects.append(Deliver(staff, change.mod))
        return effects

    def _apply_message(self, change: Change) -> list[Effect]:
        assert change.message is not None
        message = self._sequenced(change.message)
        self.seen_users.add(message.user_id)
        self._remember(message)
        effects: list[Effect] = []
        effects.append(Store(message, here=change.store == self.process))
        effects += self._deliver(message)
        sender = self._here(change.origin)
        if sender is not None:
            ack: dict[str, Any] = {"type": "ack", "id": message.id}
            if change.held_id:
                ack["held_id"] = change.held_id
            ack["status"] = "sent"
            if change.origin is not None and change.origin.ref is not None and not change.held_id:
                ack["ref"] = change.origin.ref
            effects.append(Deliver(frozenset({sender}), ack))
        return effects

    def _apply_held(self, change: Change) -> list[Effect]:
        assert change.message is not None
        hold_id = self._sequenced(change.message).id
        message = replace(change.message, id=0)
        self.seen_users.add(message.user_id)
        held = _Held(hold_id, message, change.reasons, change.origin)
        self.held[hold_id] = held
        recipients = self.index.route(message.lang, self.gaps, self._fallback(), staff_only=True)
        frame = _held_frame(held)
        effects: list[Effect] = [Deliver(recipients.regular, frame)]
        if recipients.fallback:
            effects.append(Deliver(recipients.fallback, {**frame, "fallback": True}))
        sender = self._here(change.origin)
        if sender is not None:
            ack: dict[str, Any] = {"type": "ack", "id": hold_id, "status": "held"}
            if change.origin is not None and change.origin.ref is not None:
                ack["ref"] = change.origin.ref
            effects.append(Deliver(frozenset({sender}), ack))
        return effects

    def _apply_resolved(self, change: Change) -> list[Effect]:
        held = self.held.pop(change.id, None)
        if held is None:
            return []
        recipients = self.index.route(
            held.message.lang, self.gaps, self._fallback(), staff_only=True
        )
        resolved = {"type": "resolved", "id": change.id, "action": change.action}
        effects: list[Effect] = [Deliver(recipients.regular | recipients.fallback, resolved)]
        sender = self._here(held.origin)
        if change.action == "reject" and sender is not None:
            effects.append(
                Deliver(frozenset({sender}), {"type": "ack", "id": change.id, "status": "rejected"})
            )
        return effects

    def _apply_erase(self, change: Change) -> list[Effect]:
        for bucket in self.history.values():
            for stored in list(bucket):
                if stored.id == change.id:
                    bucket.remove(stored)
        recipients = self.index.route(change.lang, self.gaps, self._fallback())
        effects: list[Effect] = []
        effects.append(Erase(change.id))
        frame = {"type": "deleted", "id": change.id}
        effects.append(Deliver(recipients.regular | recipients.fallback, frame))
        return effects

    def _apply_restriction(self, change: Change) -> list[Effect]:
        user = change.user or ""
        # Staff are never restricted, also when the ban came while they were away or
        # connected to another process: their role is signed in their token.
        targets = [
            m for m in self.members.values() if m.user == user and not moderation.is_staff(m.role)
        ]
        effects: list[Effect] = []
        if change.kind == "timeout":
            self.timeouts[user] = change.until or 0.0
            for target in targets:
                effects.append(
                    Deliver(
                        frozenset({target.conn}),
                        _notice(
                            "timed_out",
                            N_("A moderator timed you out for {seconds} seconds."),
                            seconds=change.seconds,
                        ),
                    )
                )
        elif change.kind == "ban":
            self.bans.add(user)
            for target in targets:
                effects.append(
                    Deliver(
                        frozenset({target.conn}),
                        _error("banned", N_("You are banned from this chat.")),
                    )
                )
                effects.append(Close(target.conn, CLOSE_POLICY, "banned"))
        else:
            self.bans.discard(user)
            self.timeouts.pop(user, None)
        return effects

    def _apply_slow(self, change: Change) -> list[Effect]:
        lang = change.lang or ""
        seconds = change.seconds or 0
        self.slow[lang] = seconds
        recipients = self.index.route(lang, self.gaps, self._fallback())
        if seconds:
            notice = _notice(
                "slow_mode",
                N_("Slow mode: one message every {seconds} seconds."),
                seconds=seconds,
                lang=lang,
            )
        else:
            notice = _notice("slow_mode_off", N_("Slow mode is off."), seconds=0, lang=lang)
        return [Deliver(recipients.regular | recipients.fallback, notice)]

    def _subscribe(self, member: Member, command: Subscribe) -> list[Effect]:
        unknown = [lang for lang in command.langs if lang not in self.languages]
        if unknown:
            raise FrameError(
                "bad_language",
                N_("This stream has no {language} channel."),
                command.ref,
                language=unknown[0],
            )
        langs = frozenset(command.langs)
        moderates = member.moderates
        if member.role is Role.MODERATOR:
            allowed = self.granted.get(member.conn, member.moderates)
            moderates = langs & allowed
        updated = replace(member, langs=langs, moderates=moderates)
        self.index.remove(member)
        self.members[member.conn] = updated
        self.index.add(updated)
        frame = {
            "type": "subscribed",
            "langs": sorted(updated.langs),
            "moderates": sorted(updated.moderates),
        }
        if command.ref is not None:
            frame["ref"] = command.ref
        return [Deliver(frozenset({member.conn}), frame), *self._coverage_changes()]

    def grant(self, conn: int, langs: frozenset[str]) -> None:
        """Record what a moderator's token allows them to moderate, before `join`."""
        self.granted[conn] = langs

    def _moderate(self, member: Member, command: Moderate, now: datetime) -> list[Effect]:
        self._require_moderator(member, command.ref)
        if command.action == "delete":
            message = self._find(command.id)
            if message is None:
                raise FrameError(
                    "not_found", N_("That message is no longer in the chat."), command.ref
                )
            self._require(member, message.lang, command.ref)
            audit, mod, confirmation = self._audit(
                member,
                "delete",
                now,
                message_id=command.id,
                lang=message.lang,
                user=message.user_id,
                ref=command.ref,
            )
            erase = Change(
                "erase",
                self._origin(member.conn, command.ref),
                store=self.process,
                id=command.id,
                lang=None if message.broadcast else message.lang,
                mod=mod,
            )
            return [*self._emit(erase), audit, confirmation]
        held = self.held.get(command.id)
        if held is None:
            raise FrameError("not_found", N_("That message is no longer in the chat."), command.ref)
        self._require(member, held.message.lang, command.ref)
        audit, mod, confirmation = self._audit(
            member,
            command.action,
            now,
            message_id=command.id,
            lang=held.message.lang,
            user=held.message.user_id,
            ref=command.ref,
        )
        resolved = Change(
            "resolved",
            self._origin(member.conn, command.ref),
            id=command.id,
            action=command.action,
            mod=mod,
        )
        effects = [*self._emit(resolved), audit, confirmation]
        if command.action == "approve":
            approved = Change(
                "message", held.origin, store=self.process, message=held.message, held_id=command.id
            )
            effects += self._emit(approved)
        return effects

    def _require(self, member: Member, lang: str, ref: str | None) -> None:
        if not (
            moderation.may_moderate(member.role, member.moderates, lang)
            or self._covers_for(member, lang)
        ):
            raise FrameError("forbidden", N_("You are not allowed to do this."), ref)

    def _covers_for(self, member: Member, lang: str) -> bool:
        """A fallback moderator acts for a language while nobody else moderates it: they
        are shown its messages and held queue, so they must be able to act on them."""
        return lang in self.gaps and member.conn in self._fallback()

    def _banned(self, member: Member) -> bool:
        """Bans keep viewers out; a ban naming a staff member's id (say, given while they
        were offline) must not lock the streamer or a moderator out of their own show."""
        return member.user in self.bans and not moderation.is_staff(member.role)

    def _require_moderator(self, member: Member, ref: str | None) -> None:
        if not moderation.is_staff(member.role):
            raise FrameError("forbidden", N_("You are not allowed to do this."), ref)

    def _restrict(self, member: Member, command: Restrict, now: datetime) -> list[Effect]:
        self._require_moderator(member, command.ref)
        targets = [m for m in self.members.values() if m.user == command.user]
        if any(moderation.is_staff(t.role) for t in targets):
            raise FrameError("forbidden", N_("You are not allowed to do this."), command.ref)
        audit, mod, confirmation = self._audit(
            member,
            command.action,
            now,
            user=command.user,
            seconds=command.seconds or None,
            ref=command.ref,
        )
        change = Change(
            command.action,
            self._origin(member.conn, command.ref),
            user=command.user,
            until=now.timestamp() + command.seconds if command.action == "timeout" else None,
            seconds=command.seconds,
            mod=mod,
        )
        return [*self._emit(change), audit, confirmation]

    def _slow(self, member: Member, command: Slow, now: datetime) -> list[Effect]:
        self._require_moderator(member, command.ref)
        if command.lang not in self.languages:
            raise FrameError(
                "bad_language",
                N_("This stream has no {language} channel."),
                command.ref,
                language=command.lang,
            )
        self._require(member, command.lang, command.ref)
        audit, mod, confirmation = self._audit(
            member, "slow", now, lang=command.lang, seconds=command.seconds, ref=command.ref
        )
        change = Change(
            "slow",
            self._origin(member.conn, command.ref),
            lang=command.lang,
            seconds=command.seconds,
            mod=mod,
        )
        return [*self._emit(change), audit, confirmation]

    def _pin(self, member: Member, command: Pin, now: datetime) -> list[Effect]:
        if member.role not in (Role.STREAMER, Role.ADMIN):
            raise FrameError("forbidden", N_("You are not allowed to do this."), command.ref)
        return [Pinned(command.sku, command.action, now, member.conn, self._default_lang(member))]

    def _audit(
        self,
        member: Member,
        action: str,
        now: datetime,
        *,
        user: str | None = None,
        message_id: int | None = None,
        lang: str | None = None,
        seconds: int | None = None,
        ref: str | None = None,
    ) -> tuple[Audit, dict[str, Any], Deliver]:
        """The audit record, the `mod` frame the other staff get (with the change, in
        every process) and the actor's confirmation (the same frame, with their `ref`)."""
        event: dict[str, Any] = {
            "type": "mod",
            "action": action,
            "by": {"id": member.user, "name": member.name},
        }
        for key, value in (
            ("user", user),
            ("id", message_id),
            ("lang", lang),
            ("seconds", seconds),
        ):
            if value is not None:
                event[key] = value
        confirmation = {**event, "ref": ref} if ref is not None else event
        return (
            Audit(now, member.user, member.role.value, action, user, message_id, lang, seconds),
            event,
            Deliver(frozenset({member.conn}), confirmation),
        )


# -- frames ------------------------------------------------------------------------------


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _chat_frame(message: ChatMessage) -> dict[str, Any]:
    frame: dict[str, Any] = {
        "type": "chat",
        "id": message.id,
        "lang": message.lang,
        "text": message.text,
        "user": {"id": message.user_id, "name": message.user_name, "role": message.role.value},
        "ts": _iso(message.ts),
        "mentions": list(message.mentions),
    }
    if message.reply_to is not None:
        frame["reply_to"] = message.reply_to
    if message.declared_lang is not None:
        frame["declared_lang"] = message.declared_lang
    if message.broadcast:
        frame["broadcast"] = True
    return frame


def _held_frame(held: _Held) -> dict[str, Any]:
    message = held.message
    return {
        "type": "held",
        "id": held.hold_id,
        "lang": message.lang,
        "text": message.text,
        "user": {"id": message.user_id, "name": message.user_name, "role": message.role.value},
        "ts": _iso(message.ts),
        "reasons": list(held.reasons),
    }


def _notice(code: str, template: str, **params: object) -> dict[str, Any]:
    return {"type": "notice", "code": code, "message": Text(template, params), **params}


def _error(code: str, template: str, **params: object) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": Text(template, params)}


def chat_frames(messages: Sequence[ChatMessage]) -> list[dict[str, Any]]:
    """Chat frames for stored messages (the export and the page's first render)."""
    return [_chat_frame(m) for m in messages]
