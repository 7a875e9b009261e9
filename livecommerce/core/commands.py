"""The room's command dispatcher: a member's frame in, what the room decided out.

Each command is checked against the member's rights, the limits and the rules. What it
changes in the room's shared state is decided here but not done here: it comes out as
`Replicate(change)`, which the room applies at once (one process) or hands to the bus
for every copy (several). Everything else (errors, notices, audit records, pins) comes
out as effects for the adapter. A refused command raises `FrameError` inside and comes
out as the sender's `error` frame.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, assert_never

from livecommerce.core import moderation
from livecommerce.core.changes import (
    HeldResolved,
    MessageErased,
    MessageHeld,
    MessageMoved,
    MessagePublished,
    Origin,
    Restriction,
    SlowModeSet,
    UserRestricted,
)
from livecommerce.core.effects import (
    CLOSE_POLICY,
    Audit,
    Close,
    Deliver,
    Effect,
    Pinned,
    Replicate,
    held_frame,
    notice_frame,
)
from livecommerce.core.held import Held, HeldQueue
from livecommerce.core.history import History
from livecommerce.core.hours import ALWAYS, OpeningHours, Phase
from livecommerce.core.langid import Detection
from livecommerce.core.messages import N_, Text
from livecommerce.core.models import ChatMessage, Role
from livecommerce.core.presence import Roster
from livecommerce.core.priors import Identify, Priors, keep_declared, person_of, prior_of
from livecommerce.core.protocol import (
    Chat,
    Command,
    FrameError,
    HeldPage,
    Moderate,
    Move,
    Pin,
    Restrict,
    Slow,
    Subscribe,
)
from livecommerce.core.restrictions import Restrictions
from livecommerce.core.routing import Member

# (text, language) -> whether it contains a blocked term of that language
Blocked = Callable[[str, str], bool]
# text -> skus of the products it names
Match = Callable[[str], tuple[str, ...]]


def nothing_blocked(text: str, lang: str) -> bool:
    return False


def no_products(text: str) -> tuple[str, ...]:
    return ()


@dataclass
class Judgement:
    """How a room judges what is written: the language it is in, whether it contains a
    blocked term, which products it names; and when to hold it."""

    identify: Identify = keep_declared
    blocked: Blocked = nothing_blocked
    match: Match = no_products
    hold: moderation.HoldPolicy = field(default_factory=moderation.HoldPolicy)


class Commands:
    """Decides the commands of a room's members against the room's state."""

    def __init__(
        self,
        show_id: str,
        languages: tuple[str, ...],
        judgement: Judgement,
        history: History,
        held: HeldQueue,
        restrictions: Restrictions,
        roster: Roster,
        priors: Priors | None = None,
    ) -> None:
        self.show_id = show_id
        self.languages = languages
        self.judgement = judgement
        self.history = history
        self.held = held
        self.restrictions = restrictions
        self.roster = roster
        self.priors = priors if priors is not None else Priors()
        # The process this copy of the room lives in: it signs the changes it decides.
        self.process = "local"
        # When the show's chat takes messages (the room sets the show's hours).
        self.hours: OpeningHours = ALWAYS
        self.held_page_size = 50  # held messages per page (the room sets its rule)

    def handle(self, member: Member, command: Command, now: datetime) -> list[Effect]:
        try:
            match command:
                case Chat():
                    return self._chat(member, command, now)
                case Subscribe():
                    return self._subscribe(member, command)
                case Moderate():
                    return self._moderate(member, command, now)
                case Restrict():
                    return self._restrict(member, command, now)
                case Slow():
                    return self._slow(member, command, now)
                case Pin():
                    return self._pin(member, command, now)
                case Move():
                    return self._move(member, command, now)
                case HeldPage():
                    return self._held_page(member, command)
                case _:
                    assert_never(command)
        except FrameError as error:
            return self.refuse(member.conn, error, now)

    def refuse(self, conn: int, error: FrameError, now: datetime) -> list[Effect]:
        """An `error` for the sender, and a close after repeated abuse."""
        frame: dict[str, Any] = {
            "type": "error",
            "code": error.code,
            "message": Text(error.template, dict(error.params)),
        }
        if error.ref is not None:
            frame["ref"] = error.ref
        effects: list[Effect] = [Deliver(frozenset({conn}), frame)]
        if self.restrictions.abused(conn, now.timestamp()):
            effects.append(Close(conn, CLOSE_POLICY, "abuse"))
        return effects

    def default_lang(self, member: Member) -> str:
        for lang in (*sorted(member.langs), *sorted(member.moderates)):
            if lang in self.languages:
                return lang
        return self.languages[0]

    # -- chat --------------------------------------------------------------------------

    def _chat(self, member: Member, command: Chat, now: datetime) -> list[Effect]:
        stamp = now.timestamp()
        ref = command.ref
        restrictions = self.restrictions
        if restrictions.banned(member):
            return [Close(member.conn, CLOSE_POLICY, "banned")]
        closed = self._closed(member, now, ref)
        if closed is not None:
            return [closed]
        restrictions.check_timeout(member, stamp, ref)
        restrictions.take(member, stamp, ref)
        if command.texts is not None:
            return self._chat_per_language(member, command, now)
        lang, declared, broadcast, detection = self._language_of(member, command)
        restrictions.check_slow(member, lang, stamp, ref)
        effects: list[Effect] = []
        if declared is not None or (
            member.role is Role.VIEWER and lang not in member.langs | member.moderates
        ):
            effects.append(
                Deliver(
                    frozenset({member.conn}),
                    notice_frame(
                        "language_detected",
                        N_("Your message looks like {language}: it was sent to that channel."),
                        language=lang,
                    ),
                )
            )
        judgement = self.judgement
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
            mentions=judgement.match(command.text),
            lang_unsure=detection is not None and detection.unsure and not broadcast,
            script=detection.script if detection is not None else "",
        )
        # A language placed on the message's own evidence teaches the sender's prior; one
        # guessed from the priors would only teach them what they already say.
        placed = detection is not None and detection.confident and not detection.unsure
        person = person_of(member) if placed else ""
        first_time = restrictions.first_time(member)
        restrictions.wrote(member.user, lang, stamp)
        reasons = moderation.hold_reasons(
            command.text,
            blocked=judgement.blocked(command.text, lang),
            first_time_guest=first_time,
            policy=judgement.hold,
            role=member.role,
        )
        origin = Origin(self.process, member.conn, ref)
        if reasons:
            held = MessageHeld(message=message, reasons=reasons, origin=origin, person=person)
            effects.append(Replicate(held))
        else:
            published = MessagePublished(
                message=message, origin=origin, store=self.process, person=person
            )
            effects.append(Replicate(published))
        return effects

    def _closed(self, member: Member, now: datetime, ref: str | None) -> Deliver | None:
        """The sender's `error` when the show's chat is not open at `now`. Not counted as
        abuse: a client cannot know the show's hours to the second."""
        phase = self.hours.phase(now)
        match phase:
            case Phase.OPEN:
                return None
            case Phase.NOT_OPEN:
                code, template = "show_not_open", N_("The chat of this show is not open yet.")
            case Phase.CLOSED:
                code, template = "show_closed", N_("This show is over: its chat is closed.")
            case _:
                assert_never(phase)
        frame: dict[str, Any] = {"type": "error", "code": code, "message": Text(template, {})}
        if ref is not None:
            frame["ref"] = ref
        return Deliver(frozenset({member.conn}), frame)

    def _language_of(
        self, member: Member, command: Chat
    ) -> tuple[str, str | None, bool, Detection | None]:
        """(language, declared language if detection overrode it, broadcast, detection).

        A viewer's message is read by the detector, with what is known of them (see
        `priors.py`): the language they named (`/to`), else their one chosen channel,
        else nothing declared and the priors weigh. The streamer's and admins' lines
        without a language are read too, for their tag and mentions."""
        if command.reply_to is not None and member.role is not Role.VIEWER:
            # An interpreter's reply goes into the language of the message it answers.
            target = self.history.find(command.reply_to)
            if target is None:
                raise FrameError(
                    "not_found", N_("That message is no longer in the chat."), command.ref
                )
            return target.lang, None, False, None
        if command.reply_to is not None and self.history.find(command.reply_to) is None:
            raise FrameError("not_found", N_("That message is no longer in the chat."), command.ref)
        if command.lang is not None and command.lang not in self.languages:
            raise FrameError(
                "bad_language",
                N_("This stream has no {language} channel."),
                command.ref,
                language=command.lang,
            )
        lead = member.role in (Role.STREAMER, Role.ADMIN)
        if member.role is Role.MODERATOR or (lead and command.lang is not None):
            lang = command.lang or self.default_lang(member)
            return lang, None, lead and member.role is Role.STREAMER, None
        declared = command.lang
        if declared is None and member.role is Role.VIEWER and member.declared:
            chosen = [code for code in self.languages if code in member.langs]
            declared = chosen[0] if len(chosen) == 1 else None
        prior = prior_of(member, self.priors, self.languages)
        detection = self.judgement.identify(command.text, declared, self.languages, prior)
        found = detection.lang if detection.lang in self.languages else None
        if lead:
            return found or self.default_lang(member), None, True, detection
        if declared is None:
            return found or self.default_lang(member), None, False, detection
        if found is not None and found != declared and detection.confident:
            return found, declared, False, detection
        return declared, None, False, detection

    def _chat_per_language(self, member: Member, command: Chat, now: datetime) -> list[Effect]:
        if member.role not in (Role.STREAMER, Role.ADMIN):
            raise FrameError("forbidden", N_("You are not allowed to do this."), command.ref)
        texts = command.texts or {}
        self._require_languages(texts, command.ref)
        origin = Origin(self.process, member.conn, command.ref)
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
                mentions=self.judgement.match(text),
            )
            effects.append(
                Replicate(MessagePublished(message=message, origin=origin, store=self.process))
            )
        return effects

    # -- subscribe ---------------------------------------------------------------------

    def _subscribe(self, member: Member, command: Subscribe) -> list[Effect]:
        self._require_languages(command.langs, command.ref)
        updated = self.roster.subscribe(member, frozenset(command.langs))
        frame = {
            "type": "subscribed",
            "langs": sorted(updated.langs),
            "moderates": sorted(updated.moderates),
        }
        if command.ref is not None:
            frame["ref"] = command.ref
        return [Deliver(frozenset({member.conn}), frame), *self.roster.coverage_changes()]

    # -- moderation --------------------------------------------------------------------

    def _moderate(self, member: Member, command: Moderate, now: datetime) -> list[Effect]:
        self._require_staff(member, command.ref)
        origin = Origin(self.process, member.conn, command.ref)
        if command.action == "delete":
            message = self.history.find(command.id)
            if message is None:
                raise FrameError(
                    "not_found", N_("That message is no longer in the chat."), command.ref
                )
            self._require(member, message.lang, command.ref)
            audit, mod, confirmation = _audit(
                member,
                "delete",
                now,
                message_id=command.id,
                lang=message.lang,
                user=(message.user_id, message.user_name),
                ref=command.ref,
            )
            erase = MessageErased(
                id=command.id,
                lang=None if message.broadcast else message.lang,
                origin=origin,
                store=self.process,
                mod=mod,
            )
            return [Replicate(erase), audit, confirmation]
        held = self.held.get(command.id)
        if held is None:
            raise FrameError("not_found", N_("That message is no longer in the chat."), command.ref)
        self._require(member, held.message.lang, command.ref)
        audit, mod, confirmation = _audit(
            member,
            command.action,
            now,
            message_id=command.id,
            lang=held.message.lang,
            user=(held.message.user_id, held.message.user_name),
            ref=command.ref,
        )
        resolved = HeldResolved(id=command.id, action=command.action, origin=origin, mod=mod)
        effects: list[Effect] = [Replicate(resolved), audit, confirmation]
        if command.action == "approve":
            approved = MessagePublished(
                message=held.message,
                origin=held.origin,
                store=self.process,
                held_id=command.id,
                person=held.person,
            )
            effects.append(Replicate(approved))
        return effects

    def _restrict(self, member: Member, command: Restrict, now: datetime) -> list[Effect]:
        self._require_staff(member, command.ref)
        targets = [m for m in self.roster.members.values() if m.user == command.user]
        if any(moderation.is_staff(t.role) for t in targets):
            raise FrameError("forbidden", N_("You are not allowed to do this."), command.ref)
        # The name they go by here: connected now, else their last message kept.
        name = next((t.name for t in targets), None) or self.history.name_of(command.user)
        audit, mod, confirmation = _audit(
            member,
            command.action,
            now,
            user=(command.user, name),
            seconds=command.seconds or None,
            ref=command.ref,
        )
        action = Restriction(command.action)
        change = UserRestricted(
            action=action,
            user=command.user,
            seconds=command.seconds,
            until=now.timestamp() + command.seconds if action is Restriction.TIMEOUT else None,
            origin=Origin(self.process, member.conn, command.ref),
            mod=mod,
            address=self.restrictions.address_of(command.user, targets),
        )
        return [Replicate(change), audit, confirmation]

    def _slow(self, member: Member, command: Slow, now: datetime) -> list[Effect]:
        self._require_staff(member, command.ref)
        self._require_languages((command.lang,), command.ref)
        self._require(member, command.lang, command.ref)
        audit, mod, confirmation = _audit(
            member, "slow", now, lang=command.lang, seconds=command.seconds, ref=command.ref
        )
        change = SlowModeSet(
            lang=command.lang,
            seconds=command.seconds,
            origin=Origin(self.process, member.conn, command.ref),
            mod=mod,
        )
        return [Replicate(change), audit, confirmation]

    def _pin(self, member: Member, command: Pin, now: datetime) -> list[Effect]:
        if member.role not in (Role.STREAMER, Role.ADMIN):
            raise FrameError("forbidden", N_("You are not allowed to do this."), command.ref)
        return [Pinned(command.sku, command.action, now, member.conn, self.default_lang(member))]

    def _move(self, member: Member, command: Move, now: datetime) -> list[Effect]:
        """A moderator moves a message to another language channel: its readers there get
        it, it leaves the old one, the store keeps the new language and the sender's
        prior learns it."""
        self._require_staff(member, command.ref)
        message = self.history.find(command.id)
        if message is None:
            raise FrameError("not_found", N_("That message is no longer in the chat."), command.ref)
        self._require_languages((command.lang,), command.ref)
        self._require(member, message.lang, command.ref)
        if message.broadcast:
            raise FrameError(
                "not_movable",
                N_("This message goes to every language channel: it cannot be moved."),
                command.ref,
            )
        if message.lang == command.lang:
            raise FrameError(
                "same_language",
                N_("This message is already in the {language} channel."),
                command.ref,
                language=command.lang,
            )
        audit, mod, confirmation = _audit(
            member,
            "move",
            now,
            message_id=command.id,
            lang=command.lang,
            user=(message.user_id, message.user_name),
            ref=command.ref,
            previous=message.lang,
        )
        change = MessageMoved(
            id=command.id,
            lang=command.lang,
            previous=message.lang,
            person=message.user_id,
            origin=Origin(self.process, member.conn, command.ref),
            store=self.process,
            mod=mod,
        )
        return [Replicate(change), audit, confirmation]

    def _held_page(self, member: Member, command: HeldPage) -> list[Effect]:
        self._require_staff(member, command.ref)
        frame = self.held_page(member, command.before)
        if command.ref is not None:
            frame["ref"] = command.ref
        return [Deliver(frozenset({member.conn}), frame)]

    def held_page(self, member: Member, before: int | None) -> dict[str, Any]:
        """A `held_page` frame: the newest held messages `member` may act on (older than
        `before`, if given), oldest first, the total they may act on, and whether older
        ones are left. A fallback moderator's items are marked `fallback`."""

        def visible(held: Held) -> bool:
            return self.roster.may_moderate(member, held.message.lang)

        page = self.held.page(self.held_page_size, visible, before)
        items = []
        for held in page.items:
            frame = held_frame(held)
            if not moderation.may_moderate(member.role, member.moderates, held.message.lang):
                frame["fallback"] = True
            items.append(frame)
        result: dict[str, Any] = {"type": "held_page", "items": items, "total": page.total}
        result["more"] = page.more
        result["oldest"] = page.items[0].hold_id if page.items else None
        if before is not None:
            result["before"] = before
        return result

    # -- rights ------------------------------------------------------------------------

    def _require_languages(self, langs: Collection[str], ref: str | None) -> None:
        unknown = [lang for lang in langs if lang not in self.languages]
        if unknown:
            raise FrameError(
                "bad_language",
                N_("This stream has no {language} channel."),
                ref,
                language=unknown[0],
            )

    def _require(self, member: Member, lang: str, ref: str | None) -> None:
        if not self.roster.may_moderate(member, lang):
            raise FrameError("forbidden", N_("You are not allowed to do this."), ref)

    def _require_staff(self, member: Member, ref: str | None) -> None:
        if not moderation.is_staff(member.role):
            raise FrameError("forbidden", N_("You are not allowed to do this."), ref)


def _audit(
    member: Member,
    action: str,
    now: datetime,
    *,
    user: tuple[str, str | None] | None = None,
    message_id: int | None = None,
    lang: str | None = None,
    seconds: int | None = None,
    ref: str | None = None,
    previous: str | None = None,
) -> tuple[Audit, dict[str, Any], Deliver]:
    """The audit record, the `mod` frame the other staff get (with the change, in every
    process) and the actor's confirmation (the same frame, with their `ref`). `user`:
    the target's id and the name they go by (None: not known here); the frame names
    both people as people read them, `by` and `target`, and keeps the target's id in
    `user` for commands that take it."""
    event: dict[str, Any] = {
        "type": "mod",
        "action": action,
        "by": {"id": member.user, "name": member.name},
    }
    user_id = user[0] if user is not None else None
    if user is not None:
        event["target"] = {"id": user[0], "name": user[1] or user[0]}
    for key, value in (
        ("user", user_id),
        ("id", message_id),
        ("lang", lang),
        ("from", previous),
        ("seconds", seconds),
    ):
        if value is not None:
            event[key] = value
    confirmation = {**event, "ref": ref} if ref is not None else event
    return (
        Audit(now, member.user, member.role.value, action, user_id, message_id, lang, seconds),
        event,
        Deliver(frozenset({member.conn}), confirmation),
    )
