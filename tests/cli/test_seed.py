"""`livecommerce seed` on a broken seeds folder: one line in the user's language, exit 4.

Every reason a seed file is refused for is a sentence of the catalogs (issue 11): the
line names the file and the record in English only for an English reader.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from livecommerce.config import LOCALES
from tests.conftest import SEEDS
from tests.helpers.cli import invoke, one_line_error

BROKEN = {
    # file, text in it, replaced by
    "zone": ("markets.toml", '"Asia/Almaty"', '"Asia/Almat"'),
    "date": ("exchange_rates.csv", "2026-11-20,CNY,KZT", "2026-13-45,CNY,KZT"),
    "toml": ("streamers.toml", "[[streamer]]", "[[streamer]"),
}
# What each reader sees, past the file's path.
EXPECTED = {
    ("zone", "en"): "markets.toml, [[market]] #1: 'Asia/Almat' is not an IANA time zone",
    ("zone", "ru"): "markets.toml, [[market]] #1: 'Asia/Almat' — не часовой пояс IANA",
    ("zone", "zh_Hans"): "markets.toml，[[market]] #1：'Asia/Almat' 不是 IANA 时区",
    ("date", "ru"): "строка {line}: дата '2026-13-45' не в формате YYYY-MM-DD",
    ("date", "zh_Hans"): "第 {line} 行：日期 '2026-13-45' 不是 YYYY-MM-DD 格式",
    ("toml", "ru"): "-: это некорректный TOML (строка {line}, столбец",
    ("toml", "zh_Hans"): "-：不是有效的 TOML（第 {line} 行，第",
}
# English words of each reason: none of them may reach a reader of another language.
ENGLISH = {
    "zone": "is not an IANA time zone",
    "date": "is not YYYY-MM-DD",
    "toml": "valid TOML",
}


def broken_seeds(tmp_path: Path, kind: str) -> tuple[Path, int]:
    """A copy of the demo seeds with one break; the line of the break (CSV files)."""
    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    name, old, new = BROKEN[kind]
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder, line


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", BROKEN)
def test_a_broken_seed_file_is_one_translated_line(tmp_path: Path, kind: str, locale: str) -> None:
    folder, line = broken_seeds(tmp_path, kind)
    result = invoke(
        "seed",
        "--set",
        "data_dir",
        str(tmp_path / "var"),
        "--set",
        "seeds_dir",
        str(folder),
        env={"LIVECOMMERCE_LOCALE": locale},
    )
    assert result.returncode == 4, result.stderr
    error = one_line_error(result)
    assert str(folder / BROKEN[kind][0]) in error
    expected = EXPECTED.get((kind, locale))
    if expected is not None:
        assert expected.format(line=line) in error, error
    if locale != "en":
        assert ENGLISH[kind] not in error, error
        assert "seed file" not in error, error
