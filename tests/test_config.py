"""Settings: precedence, clear errors for bad values, docs generated from the table."""

from __future__ import annotations

from pathlib import Path

import pytest

from livecommerce import config
from livecommerce.config import Settings
from livecommerce.errors import ConfigError, ConfigFileError, UnknownSettingError

ROOT = Path(__file__).resolve().parent.parent


def test_defaults() -> None:
    settings = config.load(environ={})
    assert settings == Settings()
    assert settings.port == 8080
    assert settings.resolved_database_url == "sqlite:///var/livecommerce.db"


def test_precedence_defaults_file_environment_flags(tmp_path: Path) -> None:
    file = tmp_path / "lc.toml"
    file.write_text('port = 9000\nhost = "0.0.0.0"\nlocale = "kk"\nseed_on_start = false\n')
    from_file = config.load(config_file=file, environ={})
    assert (from_file.port, from_file.host, from_file.locale) == (9000, "0.0.0.0", "kk")
    assert from_file.seed_on_start is False

    env = {"LIVECOMMERCE_PORT": "9100", "LIVECOMMERCE_SEED_ON_START": "yes"}
    from_env = config.load(config_file=file, environ=env)
    assert (from_env.port, from_env.host, from_env.seed_on_start) == (9100, "0.0.0.0", True)

    flagged = config.load(config_file=file, environ=env, flags={"port": "9200", "host": None})
    assert (flagged.port, flagged.host) == (9200, "0.0.0.0")

    # `--set NAME VALUE` wins over all, the last one of a name most; `-` may stand for `_`.
    given = [("port", "9300"), ("seed-on-start", "no"), ("port", "9400")]
    set_ = config.load(config_file=file, environ=env, flags={"port": "9200"}, given=given)
    assert (set_.port, set_.host, set_.seed_on_start) == (9400, "0.0.0.0", False)


def test_set_names_an_unknown_setting_with_the_close_ones() -> None:
    with pytest.raises(UnknownSettingError) as caught:
        config.load(environ={}, given=[("redis", "x")])
    assert caught.value.exit_code == 2
    assert caught.value.message() == (
        "unknown setting 'redis' in --set (did you mean redis_url or redis_prefix?)"
    )
    with pytest.raises(ConfigError, match=r"\(from --set port\): expected a port"):
        config.load(environ={}, given=[("port", "http")])


def test_printable_masks_every_secret_by_its_kind() -> None:
    settings = config.load(
        environ={},
        given=[("secret", "s" * 40), ("shop_secrets", "kz=0123456789abcdef")],
    )
    shown = config.printable(settings)
    assert shown["secret"] == "***"
    assert shown["shop_secrets"] == {"kz": "***"}
    assert shown["show_webhook_secret"] == ""  # empty stays empty: nothing to hide
    assert "s" * 40 not in str(shown)
    assert shown["port"] == 8080


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    file = tmp_path / "lc.toml"
    file.write_text('base_currency = "KZT"\n')
    settings = config.load(environ={"LIVECOMMERCE_CONFIG": str(file)})
    assert settings.base_currency == "KZT"


@pytest.mark.parametrize(
    ("source", "key", "value", "expected"),
    [
        ("env", "port", "eighty", "a port number from 0 to 65535"),
        ("env", "port", "70000", "a port number from 0 to 65535"),
        ("env", "port", "-1", "a port number from 0 to 65535"),
        ("env", "host", "not a host", "an IP address or localhost"),
        ("env", "database_url", "mysql://x", "empty, sqlite:///FILE or postgresql://"),
        ("env", "redis_url", "http://x", "empty or redis://"),
        ("env", "base_currency", "yen", "a three-letter ISO 4217 code"),
        ("env", "locale", "fr", "one of en, ru, kk, ky, uz_Latn, ug, zh_Hans"),
        ("env", "seed_on_start", "maybe", "true or false"),
        ("env", "shutdown_timeout", "1e9", "a number of seconds"),
        ("env", "port", "80\x00", "a port number"),
        ("file", "port", "true", "a port number"),
        ("file", "port", '"8080"', None),
        ("file", "locale", "7", "one of"),
        ("file", "data_dir", '""', "a folder path"),
        ("flag", "port", "8o8o", "a port number"),
        ("set", "port", "8o8o", "a port number"),
        ("set", "max_text", "0", "a whole number from 1"),
        ("env", "show_webhook_url", "ftp://hooks.example.net/x", "an http:// or https:// URL"),
        ("env", "show_webhook_url", "https://", "an http:// or https:// URL"),
        ("env", "show_webhook_url", "hooks.example.net/x", "an http:// or https:// URL"),
        ("env", "show_webhook_url", "http://exa mple.net/", "an http:// or https:// URL"),
        ("env", "show_webhook_url", "http://[::1/x", "an http:// or https:// URL"),
        ("env", "show_webhook_url", "http://h:99999/x", "an http:// or https:// URL"),
        ("env", "show_webhook_url", "javascript:alert(1)", "an http:// or https:// URL"),
        ("env", "show_webhook_secret", "short", "at least 32 characters"),
        ("env", "show_webhook_timeout", "0", "from 1 to 300"),
        ("env", "show_webhook_retries", "11", "from 0 to 10"),
        ("env", "show_webhook_retries", "-1", "from 0 to 10"),
    ],
)
def test_bad_values_name_key_value_and_expectation(
    tmp_path: Path, source: str, key: str, value: str, expected: str | None
) -> None:
    environ: dict[str, str] = {}
    file = None
    flags = None
    given: list[tuple[str, str]] = []
    if source == "env":
        environ = {f"LIVECOMMERCE_{key.upper()}": value}
    elif source == "file":
        file = tmp_path / "lc.toml"
        file.write_text(f"{key} = {value}\n")
    elif source == "set":
        given = [(key, value)]
    else:
        flags = {key: value}
    if expected is None:  # a quoted number in TOML is accepted, like the environment's text
        assert config.load(config_file=file, environ=environ, flags=flags).port == 8080
        return
    with pytest.raises(ConfigError) as caught:
        config.load(config_file=file, environ=environ, flags=flags, given=given)
    message = caught.value.message()
    assert caught.value.exit_code == 2
    assert f"setting {key} = " in message
    assert expected in message
    assert "\n" not in message


def test_a_show_webhook_url_is_taken_as_given() -> None:
    env = {
        "LIVECOMMERCE_SHOW_WEBHOOK_URL": " https://hooks.example.net:8443/shows?team=kz ",
        "LIVECOMMERCE_SHOW_WEBHOOK_RETRIES": "0",
    }
    settings = config.load(environ=env)
    assert settings.show_webhook_url == "https://hooks.example.net:8443/shows?team=kz"
    assert settings.show_webhook_retries == 0
    assert Settings().show_webhook_url == ""  # off unless set


def test_oversized_value_is_shortened_in_the_message() -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(environ={"LIVECOMMERCE_PORT": "9" * 100_000})
    assert len(caught.value.message()) < 300


def test_unknown_setting_suggests_the_close_one(tmp_path: Path) -> None:
    file = tmp_path / "lc.toml"
    file.write_text("prot = 1\n")
    with pytest.raises(UnknownSettingError, match="did you mean port"):
        config.load(config_file=file, environ={})
    with pytest.raises(UnknownSettingError, match="LIVECOMMERCE_DATABASE"):
        config.load(environ={"LIVECOMMERCE_DATABASE": "x"})


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"port = = 1\n", r"it is not valid TOML \(line 1, column 8\)"),
        (b"\xff\xfe not utf-8", "it is not UTF-8 text"),
    ],
)
def test_broken_config_file(tmp_path: Path, content: bytes, reason: str) -> None:
    file = tmp_path / "lc.toml"
    file.write_bytes(content)
    with pytest.raises(ConfigFileError, match=reason) as caught:
        config.load(config_file=file, environ={})
    assert caught.value.exit_code == 2


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigFileError, match="there is no such file"):
        config.load(config_file=tmp_path / "nope.toml", environ={})


def test_every_setting_has_help_and_a_documented_row() -> None:
    docs = (ROOT / "docs" / "configuration.md").read_text()
    assert docs == config.render_docs(), "docs/configuration.md is stale: run `make docs`"
    for row in config.table():
        assert row.help.strip()
        assert f"`{row.name}`" in docs
        assert f"`{row.env}`" in docs
    assert "`--set NAME VALUE`" in docs


def test_every_default_passes_its_own_check() -> None:
    for row in config.table():
        value: object = str(row.default).lower() if isinstance(row.default, bool) else row.default
        if isinstance(value, tuple):
            value = ",".join(value)  # a list as the environment gives it
        elif not isinstance(value, dict):
            value = str(value)
        assert row.kind.parse(value) == row.default


# Values that would hurt the server: each is refused with the setting's range.
HURTFUL = [
    ("presence_interval", "0", "from 1 to 3600"),  # busy-loops a core
    ("presence_interval", "0.001", "from 1 to 3600"),
    ("scheduler_misfire_grace", "0", "from 1 to 3600"),  # every late job skipped
    ("max_frame_bytes", "10", "from 1024 to 16777216"),  # every frame refused
    ("max_frame_bytes", "1073741824", "from 1024 to 16777216"),
    ("send_queue", "1", "from 16 to 100000"),  # every reader cut as slow
    ("chat_history", "1000000", "from 1 to 100000"),  # gigabytes of history
    ("max_text", "1000000", "from 1 to 10000"),
    ("shutdown_timeout", "0", "from 1 to 3600"),  # pending writes dropped at once on SIGTERM
    ("held_max", "1000000", "from 1 to 100000"),  # gigabytes of held messages
    ("held_page", "100000", "from 1 to 500"),  # a joining moderator cut as a slow consumer
]


@pytest.mark.parametrize(("key", "value", "expected"), HURTFUL)
def test_values_that_hurt_are_refused(key: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.load(environ={}, given=[(key, value)])
    assert expected in caught.value.message()


def _numeric_settings() -> list[str]:
    return [
        row.name
        for row in config.table()
        if isinstance(row.default, int | float) and not isinstance(row.default, bool)
    ]


@pytest.mark.parametrize("key", _numeric_settings())
@pytest.mark.parametrize(
    "value", ["-1", "-0.5", "nan", "inf", "1e400", "1_000", "１２", "0x10", "", " "]
)
def test_every_number_refuses_what_is_not_a_plain_number_in_range(key: str, value: str) -> None:
    """Negative, not-a-number, infinite, underscored, full-width and hexadecimal values are
    refused by every numeric setting, in one line (no setting may be negative)."""
    with pytest.raises(ConfigError) as caught:
        config.load(environ={}, given=[(key, value)])
    assert "\n" not in caught.value.message()


@pytest.mark.parametrize("key", _numeric_settings())
def test_every_number_takes_its_default_written_as_text(key: str) -> None:
    default = next(row.default for row in config.table() if row.name == key)
    assert getattr(config.load(environ={}, given=[(key, str(default))]), key) == default
