"""Report files: safe names whatever the show id, and files replaced whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from livecommerce.files.output import write_atomically
from livecommerce.files.reports.files import file_stem, write_script
from livecommerce.files.reports.html import PLOTLY_FILE, plotly_script


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


def test_plotly_is_written_beside_the_pages_once(tmp_path: Path) -> None:
    """Missing: written. The same: left alone (not even rewritten). Another version (or a
    half-copied file): replaced whole."""
    script = write_script(tmp_path)
    assert script == tmp_path / PLOTLY_FILE
    assert script.read_text(encoding="utf-8") == plotly_script()
    first = script.stat()
    assert write_script(tmp_path) == script
    assert script.stat().st_ino == first.st_ino
    assert script.stat().st_mtime_ns == first.st_mtime_ns
    for old in ("/* plotly.js v1 */", plotly_script()[:-1] + "!"):
        script.write_text(old, encoding="utf-8")
        write_script(tmp_path)
        assert script.read_text(encoding="utf-8") == plotly_script()
    assert [p.name for p in tmp_path.iterdir()] == [PLOTLY_FILE]
