"""Per-language routing: who receives a frame, which languages lack a moderator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livecommerce.core.models import Role
from livecommerce.core.routing import (
    Member,
    MemberIndex,
    Recipients,
    fallback_moderators,
    route,
    uncovered,
)

LANGS = ("kk", "ru", "zh", "ug", "ky", "uz", "en")


def member(
    conn: int, role: Role, langs: str = "", moderates: str = "", user: str | None = None
) -> Member:
    return Member(
        conn=conn,
        user=user or f"u{conn}",
        name=f"n{conn}",
        role=role,
        langs=frozenset(langs.split()),
        moderates=frozenset(moderates.split()),
    )


V, M, S, A = Role.VIEWER, Role.MODERATOR, Role.STREAMER, Role.ADMIN

KK_VIEWER = member(1, V, "kk")
RU_VIEWER = member(2, V, "ru")
KK_RU_VIEWER = member(3, V, "kk ru")
ZH_VIEWER = member(4, V, "zh")
KK_MOD = member(10, M, "kk", "kk")
RU_MOD = member(11, M, "ru en", "ru")  # also the fallback (fallback language: ru)
RU_READER_MOD = member(12, M, "ru", "uz")  # reads ru, moderates only uz
STREAMER = member(20, S, "zh")
ADMIN = member(21, A)
EVERYONE = {
    m.conn: m
    for m in (
        KK_VIEWER,
        RU_VIEWER,
        KK_RU_VIEWER,
        ZH_VIEWER,
        KK_MOD,
        RU_MOD,
        RU_READER_MOD,
        STREAMER,
        ADMIN,
    )
}
GAPS = uncovered(EVERYONE.values(), LANGS)
FALLBACK = fallback_moderators(EVERYONE.values(), ["ru"])


def test_the_cast() -> None:
    assert sorted(GAPS) == ["en", "ky", "ug", "zh"]
    assert sorted(FALLBACK) == [11]


@pytest.mark.parametrize(
    ("lang", "staff_only", "regular", "fallback"),
    [
        # a kk message: kk viewers (also the one who reads two), the kk moderator, staff
        ("kk", False, {1, 3, 10, 20, 21}, set()),
        ("ru", False, {2, 3, 11, 12, 20, 21}, set()),
        # zh has no moderator: the fallback moderator gets a flagged copy
        ("zh", False, {4, 20, 21}, {11}),
        # en: the fallback moderator reads en as a viewer, so it is not flagged twice
        ("en", False, {11, 20, 21}, set()),
        ("uz", False, {12, 20, 21}, set()),
        ("ky", False, {20, 21}, {11}),
        # every language channel
        (None, False, set(EVERYONE), set()),
        # held messages and moderation events: staff of that language only
        ("kk", True, {10, 20, 21}, set()),
        ("ru", True, {11, 20, 21}, set()),
        ("zh", True, {20, 21}, {11}),
        ("uz", True, {12, 20, 21}, set()),
        (None, True, {10, 11, 12, 20, 21}, set()),
    ],
)
def test_route(lang: str | None, staff_only: bool, regular: set[int], fallback: set[int]) -> None:
    recipients = route(lang, EVERYONE, GAPS, FALLBACK, staff_only=staff_only)
    assert recipients == Recipients(frozenset(regular), frozenset(fallback))


def test_a_language_nobody_receives_reaches_staff_only() -> None:
    assert route("ug", {1: KK_VIEWER, 20: STREAMER}, frozenset(), frozenset()).regular == {20}


def test_no_members_no_recipients() -> None:
    assert route("kk", {}, frozenset({"kk"}), frozenset()) == Recipients(frozenset(), frozenset())


def test_fallback_only_for_languages_in_the_gaps() -> None:
    assert route("kk", EVERYONE, frozenset({"zh"}), frozenset({11})).fallback == frozenset()
    assert route("kk", EVERYONE, frozenset({"kk"}), frozenset({11})).fallback == {11}


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ([], set(LANGS)),
        ([KK_VIEWER, RU_VIEWER], set(LANGS)),
        # the streamer and admins do not count as moderators of a language
        ([STREAMER, ADMIN], set(LANGS)),
        ([KK_MOD], set(LANGS) - {"kk"}),
        ([KK_MOD, RU_MOD], set(LANGS) - {"kk", "ru"}),
        # reading a language is not moderating it
        ([RU_READER_MOD], set(LANGS) - {"uz"}),
        ([member(9, M, "", " ".join(LANGS))], set()),
        # a moderator of a language the stream lacks covers nothing
        ([member(9, M, "", "de")], set(LANGS)),
        # a viewer's moderates (never granted) do not count
        ([member(9, V, "kk", "kk")], set(LANGS)),
    ],
)
def test_uncovered(members: list[Member], expected: set[str]) -> None:
    assert uncovered(members, LANGS) == expected


@pytest.mark.parametrize(
    ("members", "fallback_langs", "expected"),
    [
        (list(EVERYONE.values()), ["ru"], {11}),
        (list(EVERYONE.values()), ["ru", "kk"], {10, 11}),
        (list(EVERYONE.values()), ["uz"], {12}),
        (list(EVERYONE.values()), [], set()),
        (list(EVERYONE.values()), ["zh"], set()),
        # only moderators: a viewer or the streamer of that language is no fallback
        ([RU_VIEWER, member(20, S, "ru", "ru")], ["ru"], set()),
    ],
)
def test_fallback_moderators(
    members: list[Member], fallback_langs: list[str], expected: set[int]
) -> None:
    assert fallback_moderators(members, fallback_langs) == expected


# -- the index the room routes with --------------------------------------------------------

_LANGS = ["kk", "ru", "zh", "ug"]
_members = st.lists(
    st.builds(
        Member,
        conn=st.integers(1, 30),
        user=st.just("u"),
        name=st.just("n"),
        role=st.sampled_from(list(Role)),
        langs=st.frozensets(st.sampled_from(_LANGS)),
        moderates=st.frozensets(st.sampled_from(_LANGS)),
    ),
    max_size=12,
    unique_by=lambda m: m.conn,
)


@given(
    members=_members,
    leaving=st.sets(st.integers(1, 30)),
    lang=st.sampled_from([None, *_LANGS]),
    staff_only=st.booleans(),
)
def test_the_index_routes_exactly_as_a_scan_of_every_member(
    members: list[Member], leaving: set[int], lang: str | None, staff_only: bool
) -> None:
    index = MemberIndex()
    for member in members:
        index.add(member)
    for member in members:
        if member.conn in leaving:
            index.remove(member)
    present = {m.conn: m for m in members if m.conn not in leaving}
    gaps = uncovered(present.values(), _LANGS)
    fallback = fallback_moderators(present.values(), ["ru"])
    assert index.uncovered(_LANGS) == gaps
    assert index.fallback(["ru"]) == fallback
    expected = route(lang, present, gaps, fallback, staff_only=staff_only)
    assert index.route(lang, gaps, fallback, staff_only=staff_only) == expected
