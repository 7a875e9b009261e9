"""`livecommerce config list|show|docs`: every setting, secrets masked."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from livecommerce import config
from livecommerce.cli.config import first_sentence
from livecommerce.core.values import DATABASE_URL, WEBHOOK_URL, Kind
from tests.helpers.cli import invoke, one_line_error

SECRET = "a-chat-signing-key-of-forty-characters!!"
SHOP_SECRET = "0123456789abcdef-shop"
PASSWORD = "hunter2-hunter2"


def test_list_names_every_setting_with_value_default_and_help() -> None:
    result = invoke("config", "list", "--set", "port", "9000")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[2:4] == [
        "# TCP port of the server: pages, API and chat on one port.",
        "port = 9000  # default: 8080",
    ]
    assert "# Database. Empty: the SQLite file livecommerce.db in data_dir." in lines
    for row in config.table():
        assert any(line.startswith(f"{row.name} = ") for line in lines), row.name
    # What it prints is a config file: the values read back as they were.
    values = tomllib.loads(result.stdout)
    assert values["port"] == 9000
    assert values["data_dir"] == "var"
    assert values["trusted_proxies"] == []
    assert config.load(environ={}, given=[("port", "9000")]) == config.load(
        environ={}, flags={k: v for k, v in values.items() if v not in ([], {})}
    )


def test_list_speaks_the_readers_language() -> None:
    result = invoke("config", "list", "--set", "locale", "ru")
    assert "port = 8080  # по умолчанию: 8080" in result.stdout.splitlines()


def test_list_and_show_mask_passwords_and_secrets(tmp_path: Path) -> None:
    file = tmp_path / "lc.toml"
    file.write_text(f'[shop_secrets]\nkaspi = "{SHOP_SECRET}"\n')
    env = {"LIVECOMMERCE_SECRET": SECRET}
    given = ("--set", "show_webhook_secret", SECRET.upper())
    for args in (("list",), ("list", "--json"), ("show",)):
        result = invoke("--config", str(file), "config", *args, *given, env=env)
        assert result.returncode == 0, result.stderr
        assert SECRET not in result.stdout
        assert SECRET.upper() not in result.stdout
        assert SHOP_SECRET not in result.stdout
        assert "***" in result.stdout
    listed = {
        row["name"]: row
        for row in json.loads(
            invoke("--config", str(file), "config", "list", "--json", *given, env=env).stdout
        )
    }
    assert listed["secret"]["value"] == "***"
    assert listed["show_webhook_secret"]["value"] == "***"
    assert listed["shop_secrets"]["value"] == {"kaspi": "***"}
    assert listed["port"] == {
        "name": "port",
        "value": 8080,
        "default": 8080,
        "environment": "LIVECOMMERCE_PORT",
        "help": "TCP port of the server: pages, API and chat on one port.",
    }


def test_passwords_in_urls_are_masked() -> None:
    given = [
        ("database_url", f"postgresql://shop:{PASSWORD}@127.0.0.1:5432/x"),
        ("redis_url", f"redis://:{PASSWORD}@127.0.0.1:6379/0"),
        ("show_webhook_url", f"https://hook:{PASSWORD}@hooks.example.net/shows"),
    ]
    args = [word for name, value in given for word in ("--set", name, value)]
    for command in ("list", "show"):
        result = invoke("config", command, *args)
        assert result.returncode == 0, result.stderr
        assert PASSWORD not in result.stdout
    shown = json.loads(invoke("config", "show", *args).stdout)
    assert shown["database_url"] == "postgresql://shop:***@127.0.0.1:5432/x"
    assert shown["redis_url"] == "redis://:***@127.0.0.1:6379/0"
    assert shown["show_webhook_url"] == "https://hook:***@hooks.example.net/shows"


def test_tokens_in_user_info_and_query_strings_are_masked() -> None:
    given = [
        ("database_url", f"postgresql://shop@127.0.0.1:5432/x?sslmode=require&password={PASSWORD}"),
        ("redis_url", f"redis://127.0.0.1:6379/0?password={PASSWORD}"),
        ("show_webhook_url", f"https://{PASSWORD}@hooks.example.net/shows?token={PASSWORD}&v=2"),
    ]
    args = [word for name, value in given for word in ("--set", name, value)]
    for command in ("list", "show"):
        result = invoke("config", command, *args)
        assert result.returncode == 0, result.stderr
        assert PASSWORD not in result.stdout
    shown = json.loads(invoke("config", "show", *args).stdout)
    assert shown["database_url"] == (
        "postgresql://shop@127.0.0.1:5432/x?sslmode=require&password=***"
    )
    assert shown["redis_url"] == "redis://127.0.0.1:6379/0?password=***"
    # In the webhook's URL the lone user is a token, and every query value may be one.
    assert shown["show_webhook_url"] == "https://***@hooks.example.net/shows?token=***&v=***"


@pytest.mark.parametrize(
    ("kind", "url", "shown"),
    [
        (DATABASE_URL, "postgresql://shop@db/x", "postgresql://shop@db/x"),
        (DATABASE_URL, "postgresql://u:p@[::1/x", "***"),
        (WEBHOOK_URL, "https://hooks.example/x#sig", "https://hooks.example/x#***"),
        (WEBHOOK_URL, "", ""),
    ],
)
def test_mask_of_urls(kind: Kind, url: str, shown: str) -> None:
    assert config.mask(kind, url) == shown


def test_docs_is_the_generated_page() -> None:
    result = invoke("config", "docs")
    assert result.returncode == 0
    assert result.stdout == config.render_docs()


@pytest.mark.parametrize(
    ("help", "line"),
    [
        ("Address the server listens on.", "Address the server listens on."),
        ("Database. Empty: a file in data_dir. Else x.", "Database. Empty: a file in data_dir."),
        ("A long enough first sentence here. Then more.", "A long enough first sentence here."),
    ],
)
def test_first_sentence(help: str, line: str) -> None:
    assert first_sentence(help) == line


@pytest.mark.parametrize(
    ("key", "value", "ru"),
    [
        ("presence_interval", "0", "число секунд от 1 до 3600"),
        ("shutdown_timeout", "0", "число секунд от 1 до 3600"),
        ("held_page", "100000", "целое число от 1 до 500"),
        ("send_queue", "1", "целое число от 16 до 100000"),
    ],
)
def test_a_value_that_hurts_is_one_clear_line(key: str, value: str, ru: str) -> None:
    """`--set presence_interval 0` would busy-loop a core: refused before anything runs."""
    result = invoke("config", "show", "--set", key, value)
    assert result.returncode == 2, result.stderr
    assert one_line_error(result).startswith(f"livecommerce: setting {key} = '{value}'")
    assert not result.stdout
    translated = invoke("config", "show", "--set", key, value, env={"LIVECOMMERCE_LOCALE": "ru"})
    assert translated.returncode == 2
    assert ru in one_line_error(translated)
