"""`livecommerce token create`: tokens the server accepts, ids from names in any script,
and every bad flag one line in the user's language."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from livecommerce.core import tokens
from livecommerce.core.models import Role
from tests.helpers.cli import invoke, one_line_error

SECRET = "a-test-secret-of-32-characters!!"


def create(*args: str, locale: str = "en") -> tuple[int, str, str]:
    ran = invoke("token", "create", "--set", "secret", SECRET, "--set", "locale", locale, *args)
    return ran.returncode, ran.stdout, ran.stderr


def test_a_moderators_token_carries_what_was_asked_and_verifies() -> None:
    code, out, _ = create(
        "--role", "moderator", "--name", "Ольга", "--user", "u-olga", "--langs", "ru,kk",
        "--stream", "khorgos-it-2026-11-20", "--ttl", "2h", "--json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    assert (data["user"], data["name"], data["role"]) == ("u-olga", "Ольга", "moderator")
    assert data["langs"] == ["ru", "kk"]
    identity = tokens.verify(
        SECRET.encode(), data["token"], datetime.now(UTC), "khorgos-it-2026-11-20"
    )
    assert identity.role is Role.MODERATOR
    assert identity.langs == ("ru", "kk")
    expires = datetime.fromisoformat(data["expires"])
    assert timedelta(hours=1, minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=2)
    with pytest.raises(tokens.TokenError):
        tokens.verify(SECRET.encode(), data["token"], datetime.now(UTC), "another-show")


@pytest.mark.parametrize(
    ("name", "user"),
    [
        ("Айгерим", "u-айгерим"),
        ("李娜", "u-李娜"),
        ("ئابدۇرېھىم", "u-ئابدۇرېھىم"),
        ("Khorgos IT", "u-khorgos-it"),
        ("Oʻktam", "u-oʻktam"),
        ("!!!", "u-user"),
    ],
)
def test_the_user_id_keeps_the_names_letters_in_any_script(name: str, user: str) -> None:
    """As docs/protocol.md says: a name in Cyrillic, Chinese or Arabic script keeps its
    letters, so two people with different names get different ids."""
    code, out, _ = create("--name", name, "--json")
    assert code == 0
    assert json.loads(out)["user"] == user


def test_without_json_only_the_token_is_printed() -> None:
    code, out, _ = create("--name", "Dilnoza")
    assert code == 0
    (line,) = out.splitlines()
    assert tokens.verify(SECRET.encode(), line, datetime.now(UTC)).name == "Dilnoza"


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (("--name", "x", "--ttl", "999d"), "--ttl"),
        (("--name", "x", "--ttl", "0m"), "--ttl"),
        (("--name", "x", "--ttl", "soon"), "--ttl"),
        (("--name", "x", "--ttl", "1" * 5000), "--ttl"),
        (("--name", "x" * 33), "--name"),
        (("--name", "   "), "--name"),
        (("--name", "x", "--langs", "fr"), "--langs"),
        (("--name", "x", "--role", "moderator"), "--langs"),
        (("--name", "x", "--role", "owner"), "--role"),
        ((), "--name"),
    ],
)
def test_a_bad_flag_is_one_line_naming_it(args: tuple[str, ...], flag: str) -> None:
    ran = invoke("token", "create", "--set", "secret", SECRET, *args)
    assert ran.returncode == 2
    line = one_line_error(ran)
    assert flag in line
    assert len(line) < 300


@pytest.mark.parametrize(
    ("locale", "args", "words"),
    [
        ("ru", ("--name", "x", "--ttl", "999d"), "Недопустимое значение --ttl"),
        ("zh", ("--name", "x", "--langs", "fr"), "未知语言"),
        ("ug", ("--name", "x", "--role", "moderator"), "باشقۇرغۇچىغا"),
    ],
)
def test_the_error_speaks_the_users_language(
    locale: str, args: tuple[str, ...], words: str
) -> None:
    code, _, err = create(*args, locale=locale)
    assert code == 2
    assert words in err


def test_a_flag_missing_before_settings_are_read_speaks_the_environments_language() -> None:
    ran = invoke("token", "create", env={"LIVECOMMERCE_LOCALE": "kk"})
    assert ran.returncode == 2
    assert one_line_error(ran) == "livecommerce: '--name' параметрі көрсетілмеген."


def test_the_key_is_made_once_in_the_data_folder(tmp_path: Path) -> None:
    first = invoke("token", "create", "--name", "a", "--set", "data_dir", str(tmp_path))
    again = invoke("token", "create", "--name", "a", "--set", "data_dir", str(tmp_path))
    key = (tmp_path / "secret").read_text().strip().encode()
    for ran in (first, again):
        assert ran.returncode == 0
        tokens.verify(key, ran.stdout.strip(), datetime.now(UTC))
