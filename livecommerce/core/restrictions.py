"""What limits each writer in a room: bans, timeouts, slow mode, rate and abuse.

Staff (see `moderation.is_staff`) are never held back: their role is signed in their
token, so a ban or timeout naming them (say, given while they were away) does not apply.
The checks raise `FrameError`, which the room turns into an `error` frame for the writer.

A guest's name is its own choice, so a guest is also known by its address key
(`Member.address`, an HMAC of its client address): a ban or a time-out of a guest holds
for that key too, whatever name the guest comes back with.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from livecommerce.core import moderation
from livecommerce.core.changes import Restriction
from livecommerce.core.messages import N_
from livecommerce.core.protocol import FrameError
from livecommerce.core.routing import Member

# Past this many rate limits kept, the ones that are full again are forgotten (a full
# bucket is what a newcomer gets, so nothing is lost).
_BUCKETS_KEPT = 10_000


@dataclass(slots=True)
class Sender:
    """One connection's count of refused frames."""

    abuse: moderation.AbuseCounter


class Restrictions:
    """Bans and timeouts by user (and guest address), slow mode by language, the rate
    limit by person (token user, or guest address: shared by all their connections),
    abuse counts by connection, and who has written before (a first-time guest's message
    may be held)."""

    def __init__(self, rate: float, burst: float, abuse_limit: int, abuse_window: float) -> None:
        self.rate, self.burst = rate, burst
        self.abuse_limit, self.abuse_window = abuse_limit, abuse_window
        self.timeouts: dict[str, float] = {}  # user -> until (POSIX timestamp)
        self.bans: set[str] = set()
        # The same by guest address key, and the key of each guest seen writing.
        self.address_timeouts: dict[str, float] = {}
        self.address_bans: set[str] = set()
        self.addresses: dict[str, str] = {}  # guest user id -> address key
        self.slow: dict[str, int] = {}  # language -> seconds between one writer's messages
        self.last_sent: dict[tuple[str, str], float] = {}
        self.seen_users: set[str] = set()
        self.senders: dict[int, Sender] = {}
        self.buckets: dict[str, moderation.TokenBucket] = {}  # person -> rate limit

    # -- connections -------------------------------------------------------------------

    def connect(self, conn: int) -> None:
        """A fresh abuse count for a (re)joining connection; the rate limit stays the
        person's (`take`)."""
        self.senders[conn] = Sender(moderation.AbuseCounter(self.abuse_limit, self.abuse_window))

    def disconnect(self, conn: int) -> None:
        self.senders.pop(conn, None)

    def abused(self, conn: int, stamp: float) -> bool:
        """Count one refused frame; True when the connection has had too many."""
        sender = self.senders.get(conn)
        return sender is not None and sender.abuse.add(stamp)

    # -- checks ------------------------------------------------------------------------

    def banned(self, member: Member) -> bool:
        """Bans keep viewers out; a ban naming a staff member's id (say, given while they
        were offline) must not lock the streamer or a moderator out of their own show."""
        if moderation.is_staff(member.role):
            return False
        return member.user in self.bans or (
            bool(member.address) and member.address in self.address_bans
        )

    def address_of(self, user: str, members: Iterable[Member]) -> str:
        """The address key of guest `user`: from its connections here, else from when it
        last wrote; empty when unknown (or not a guest)."""
        for member in members:
            if member.user == user and member.address:
                return member.address
        return self.addresses.get(user, "")

    def check_timeout(self, member: Member, stamp: float, ref: str | None) -> None:
        until = max(
            self.timeouts.get(member.user, 0.0),
            self.address_timeouts.get(member.address, 0.0) if member.address else 0.0,
        )
        if until > stamp and not moderation.is_staff(member.role):
            raise FrameError(
                "timed_out",
                N_("You are timed out: you can write again in {seconds} seconds."),
                ref,
                seconds=int(-(-(until - stamp) // 1)),
            )

    def take(self, member: Member, stamp: float, ref: str | None) -> None:
        """Spend one message of the person's rate limit: a guest's is its address key's,
        so another connection or another name does not bring a fresh one."""
        if member.address:
            self.addresses[member.user] = member.address
        if moderation.is_staff(member.role):
            return
        person = member.address or member.user
        bucket = self.buckets.get(person)
        if bucket is None:
            if len(self.buckets) >= _BUCKETS_KEPT:
                self._forget_full_buckets(stamp)
            bucket = self.buckets[person] = moderation.TokenBucket(self.rate, self.burst)
        if not bucket.take(stamp):
            raise FrameError("rate_limited", N_("You are sending too fast. Please slow down."), ref)

    def _forget_full_buckets(self, stamp: float) -> None:
        for person, bucket in list(self.buckets.items()):
            if bucket.tokens + (stamp - bucket.stamp) * bucket.rate >= bucket.burst:
                del self.buckets[person]

    def check_slow(self, member: Member, lang: str, stamp: float, ref: str | None) -> None:
        if moderation.is_staff(member.role):
            return
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

    def first_time(self, member: Member) -> bool:
        """A guest who has not written in this show before."""
        return member.guest and member.user not in self.seen_users

    def wrote(self, user: str, lang: str, stamp: float) -> None:
        self.seen_users.add(user)
        self.last_sent[(user, lang)] = stamp

    def slow_modes(self) -> dict[str, int]:
        """The languages in slow mode now, for `hello`."""
        return {lang: s for lang, s in self.slow.items() if s}

    # -- decided changes ---------------------------------------------------------------

    def restrict(
        self, action: Restriction, user: str, until: float | None, address: str = ""
    ) -> None:
        """Apply a decided restriction to `user` and, for a guest, to its `address` key."""
        if address:
            self.addresses[user] = address  # so that an unban finds it
        match action:
            case Restriction.TIMEOUT:
                self.timeouts[user] = until or 0.0
                if address:
                    self.address_timeouts[address] = until or 0.0
            case Restriction.BAN:
                self.bans.add(user)
                if address:
                    self.address_bans.add(address)
            case Restriction.UNBAN:
                self.bans.discard(user)
                self.timeouts.pop(user, None)
                if address:
                    self.address_bans.discard(address)
                    self.address_timeouts.pop(address, None)

    def set_slow(self, lang: str, seconds: int) -> None:
        self.slow[lang] = seconds
