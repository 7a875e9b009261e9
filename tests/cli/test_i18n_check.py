"""The catalog check (`livecommerce.cli.i18n_check`): the project's catalogs are
complete, and what it finds in broken ones."""

from __future__ import annotations

from pathlib import Path

from livecommerce.cli import i18n_check as catalogs


def test_every_catalog_is_complete() -> None:
    problems = catalogs.check()
    assert problems == [], "\n".join(map(str, problems))


def test_check_finds_untranslated_fuzzy_and_broken_entries(tmp_path: Path) -> None:
    (tmp_path / "messages.pot").write_text(
        'msgid ""\nmsgstr ""\n\nmsgid "Hello {name}"\nmsgstr ""\n\n'
        'msgid "Stopped."\nmsgstr ""\n\nmsgid "Orders"\nmsgstr ""\n',
        encoding="utf-8",
    )
    folder = tmp_path / "ru" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: ru\\n"\n\n'
        'msgid "Hello {name}"\nmsgstr "Привет {имя}"\n\n'
        '#, fuzzy\nmsgid "Stopped."\nmsgstr "Остановлено."\n',
        encoding="utf-8",
    )
    found = {
        (p.locale, p.msgid, p.reason.split(" [")[0]) for p in catalogs.check(tmp_path, ("ru", "kk"))
    }
    assert found == {
        ("ru", "Hello {name}", "unknown placeholder"),
        ("ru", "Stopped.", "fuzzy"),
        ("ru", "Orders", "missing from the catalog"),
        ("kk", "-", "the catalog is missing"),
    }
