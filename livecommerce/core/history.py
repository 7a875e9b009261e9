"""A room's history: a bounded channel per language and one for the streamer's broadcasts,
the ids they are numbered with, and what a resuming client missed."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Iterable
from dataclasses import replace

from livecommerce.core.models import ChatMessage

BROADCAST = "*"


class History:
    """The newest `size` messages of each channel, and the next id to give out.

    `evicted[channel]` is the id of the newest message that channel has dropped: a client
    that last saw an older one cannot be told it recovered everything."""

    def __init__(self, languages: Iterable[str], size: int) -> None:
        self.channels: dict[str, deque[ChatMessage]] = {}
        self.evicted: dict[str, int] = {}
        for lang in (*languages, BROADCAST):
            self.channels[lang] = deque(maxlen=size)
            self.evicted[lang] = 0
        self.next_id = 1

    @property
    def last_id(self) -> int:
        return self.next_id - 1

    def restore(self, messages: Iterable[ChatMessage]) -> None:
        """Load stored messages (oldest first) after a restart: history and next id."""
        for message in messages:
            # A language the show no longer has keeps its id but no channel to replay in.
            if message.broadcast or message.lang in self.channels:
                self.remember(message)
            self.next_id = max(self.next_id, message.id + 1)

    def sequenced(self, message: ChatMessage) -> ChatMessage:
        """The message with its id: the bus's (id not 0), or the next of this room's own."""
        if message.id == 0:
            allocated = self.next_id
            self.next_id += 1
            return replace(message, id=allocated)
        self.next_id = max(self.next_id, message.id + 1)
        return message

    def remember(self, message: ChatMessage) -> int:
        """Keep `message` in its channel; how many messages that pushed out of memory
        (0 or 1, the channel's oldest: it stays in the store)."""
        key = BROADCAST if message.broadcast else message.lang
        channel = self.channels[key]
        if channel.maxlen is not None and len(channel) == channel.maxlen:
            # With no history at all (maxlen 0) the message itself is what is lost.
            self.evicted[key] = channel[0].id if channel else message.id
            channel.append(message)
            return 1
        channel.append(message)
        return 0

    def find(self, message_id: int) -> ChatMessage | None:
        for channel in self.channels.values():
            for message in channel:
                if message.id == message_id:
                    return message
        return None

    def name_of(self, user_id: str) -> str | None:
        """The name `user_id` last wrote under, if a message of theirs is still kept."""
        newest = max(
            (m for channel in self.channels.values() for m in channel if m.user_id == user_id),
            key=lambda m: m.id,
            default=None,
        )
        return newest.user_name if newest is not None else None

    def erase(self, message_id: int) -> None:
        for channel in self.channels.values():
            for stored in list(channel):
                if stored.id == message_id:
                    channel.remove(stored)

    def move(self, message_id: int, lang: str) -> ChatMessage | None:
        """Move a message to channel `lang` (a moderator's decision, so no longer unsure),
        in its place by id: a resuming reader of `lang` gets it, one of its old channel
        no longer does. The moved message, or None when it is not kept here."""
        for key, channel in self.channels.items():
            for stored in channel:
                if stored.id == message_id and key != BROADCAST:
                    channel.remove(stored)
                    declared = None if stored.declared_lang == lang else stored.declared_lang
                    moved = replace(stored, lang=lang, lang_unsure=False, declared_lang=declared)
                    self._insert(moved)
                    return moved
        return None

    def _insert(self, message: ChatMessage) -> None:
        channel = self.channels.get(message.lang)
        if channel is None:
            return
        index = sum(1 for kept in channel if kept.id < message.id)
        if channel.maxlen is not None and len(channel) == channel.maxlen:
            if index == 0:  # older than all this channel keeps: it is what is lost
                self.evicted[message.lang] = max(self.evicted[message.lang], message.id)
                return
            self.evicted[message.lang] = max(self.evicted[message.lang], channel.popleft().id)
            index -= 1
        channel.insert(index, message)

    def forget_through(self, last: int) -> None:
        """Claim no recovery for a client that last saw a message before `last`, in any
        channel: older messages were not loaded, or the room may have missed some while
        it was cut off from its other copies."""
        for key in self.evicted:
            self.evicted[key] = max(self.evicted[key], last)

    def replay(self, since: int, langs: Collection[str]) -> tuple[list[ChatMessage], bool]:
        """Messages after `since` in `langs` (and broadcasts), oldest first, and whether
        the history still reaches back that far (`recovered`)."""
        keys = [lang for lang in langs if lang in self.channels] + [BROADCAST]
        recovered = since < self.next_id and all(self.evicted[k] <= since for k in keys)
        found = [m for k in keys for m in self.channels[k] if m.id > since]
        found.sort(key=lambda m: m.id)
        return found, recovered
