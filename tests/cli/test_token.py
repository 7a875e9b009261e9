"""`livecommerce token create` refuses bad options in one line of the user's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import invoke, one_line_error

BAD = [
    # the options, and what a ru and a zh reader are told
    (["--name", " "], "имя должно быть длиной от 1 до 32 символов", "名称必须为 1 到 32 个字符"),
    (
        ["--name", "Asel", "--ttl", "forever"],
        "'forever': нужна длительность вида 30m, 12h или 7d",
        "'forever'：需要类似 30m、12h 或 7d 的时长",
    ),
    (
        ["--name", "Asel", "--ttl", "400d"],
        "'400d': нужна длительность от 1s до 366d",
        "'400d'：时长须在 1s 到 366d 之间",
    ),
    (["--name", "Asel", "--langs", "kk,fr"], "неизвестный язык 'fr'", "未知语言 'fr'"),
    (
        ["--name", "Olga", "--role", "moderator"],
        "модератору нужно указать языки",
        "管理员需要指定其管理的语言",
    ),
]


@pytest.mark.parametrize(("options", "ru", "zh"), BAD)
def test_bad_options_are_one_translated_line(
    tmp_path: Path, options: list[str], ru: str, zh: str
) -> None:
    for locale, expected in (("ru", ru), ("zh_Hans", zh)):
        result = invoke(
            "token",
            "create",
            *options,
            "--set",
            "data_dir",
            str(tmp_path),
            env={"LIVECOMMERCE_LOCALE": locale},
        )
        assert result.returncode == 2, result.stderr
        assert expected in one_line_error(result)
        assert not result.stdout  # no token
