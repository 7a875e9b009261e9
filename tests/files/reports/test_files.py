"""Report files: safe names whatever the show id, and files replaced whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from livecommerce.files.output import write_atomically
from livecommerce.files.reports.files import file_stem


@pytest.mark.parametrize(
    ("show_id", "stem"),
    [
        ("khorgos-it-2026-11-20", "khorgos-it-2026-11-20"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("..", "_"),
        (".hidden", "hidden"),
        ("a/b\\c", "a_b_c"),
        ("эфир 12.12", "_____12.12"),
        ("", "_"),
        ("x" * 500, "x" * 200),
    ],
)
def test_a_show_id_becomes_a_plain_file_name(show_id: str, stem: str) -> None:
    assert file_stem(show_id) == stem
    assert "/" not in stem
    assert not stem.startswith(".")


def test_a_file_is_replaced_whole_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "show.json"
    write_atomically(target, "first\n")
    write_atomically(target, "второй\n")
    assert target.read_text(encoding="utf-8") == "второй\n"
    assert [p.name for p in tmp_path.iterdir()] == ["show.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "show.json"
    write_atomically(target, "kept\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomically(target, "half \udcff")  # a lone surrogate cannot be written
    assert target.read_text(encoding="utf-8") == "kept\n"
    assert [p.name for p in tmp_path.iterdir()] == ["show.json"]
