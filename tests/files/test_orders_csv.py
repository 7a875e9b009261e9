"""`livecommerce orders import FILE` as a user runs it: in-process (tests/helpers/cli.py)
and, for the progress on a real pipe, in a process of its own; a real SQLite file.

Good rows are stored, bad ones are reported by line and never stop the good ones, a file
that cannot be read at all is one clear line and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from livecommerce.app import open_store
from livecommerce.files import orders_csv
from livecommerce.i18n import localizer
from tests.conftest import ROOT, SEEDS
from tests.helpers.cli import Ran, invoke

HEADER = ["id", "ts", "sku", "qty", "unit_price", "currency", "buyer_country", "buyer_lang", "show"]
# Times well in the past: the import refuses orders from the future by the real clock.
WHEN = "2024-05-01T10:00:00Z"


def run(*args: str, data: Path) -> Ran:
    """`livecommerce ARGS` in-process over the data folder `data` and the seeds."""
    return invoke(*args, "--set", "data_dir", str(data), "--set", "seeds_dir", str(SEEDS))


def run_in_a_process(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    """The same in a real process, as a user runs it: stdout and stderr are pipes."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LIVECOMMERCE_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "livecommerce",
            *args,
            "--set",
            "data_dir",
            str(data),
            "--set",
            "seeds_dir",
            str(SEEDS),
        ],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def one_clear_line(result: Ran | subprocess.CompletedProcess[str]) -> str:
    """The error of a failed command: a single `livecommerce: …` line, no traceback."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("livecommerce: ")
    return lines[0]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """A data folder holding the seeded demo world."""
    folder = tmp_path / "var"
    seeded = run("seed", data=folder)
    assert seeded.returncode == 0, seeded.stderr
    return folder


def stored(data: Path) -> dict[str, Any]:
    """The orders in the data folder's store, by id."""

    async def read() -> dict[str, Any]:
        store = open_store(f"sqlite:///{data / 'livecommerce.db'}")
        await store.start()
        try:
            return {o.id: o for o in await store.orders()}
        finally:
            await store.close()

    return asyncio.run(read())


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def good(order_id: str, **changes: Any) -> list[Any]:
    row = {
        "id": order_id,
        "ts": WHEN,
        "sku": "IT-LAP-14",
        "qty": 1,
        "unit_price": "199000",
        "currency": "KZT",
        "buyer_country": "KZ",
        "buyer_lang": "kk",
        "show": "",
    }
    row.update(changes)
    return [row[column] for column in HEADER]


def test_the_seeds_own_orders_file_is_all_known(data: Path) -> None:
    result = run("orders", "import", str(SEEDS / "orders.csv"), "--json", data=data)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    with (SEEDS / "orders.csv").open(encoding="utf-8") as handle:
        rows = sum(1 for _ in csv.DictReader(handle))
    assert outcome == {"rows": rows, "accepted": 0, "duplicates": rows, "rejected": []}


def test_a_good_file_is_added_and_a_second_run_adds_nothing(data: Path, tmp_path: Path) -> None:
    before = stored(data)
    path = write_csv(
        tmp_path / "good.csv",
        [
            good("IMP-1"),
            good("IMP-2", sku="IT-RTR-AX3", qty=2, unit_price="4090", currency="RUB"),
            good("IMP-3", buyer_country="cn", buyer_lang="zh", currency="cny", show="KIT1120"),
        ],
    )
    first = run("orders", "import", str(path), data=data)
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    assert first.stdout.strip()  # a summary for people
    after = stored(data)
    assert set(after) - set(before) == {"IMP-1", "IMP-2", "IMP-3"}
    assert after["IMP-2"].qty == 2
    assert after["IMP-3"].currency == "CNY"
    assert after["IMP-3"].show_ref == "KIT1120"

    second = run("orders", "import", str(path), "--json", data=data)
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout) == {"rows": 3, "accepted": 0, "duplicates": 3, "rejected": []}
    assert stored(data).keys() == after.keys()


def test_an_id_twice_in_one_file_is_stored_once(data: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "twice.csv", [good("IMP-T"), good("IMP-T", qty=9)])
    result = run("orders", "import", str(path), "--json", data=data)
    # The second row has the same id and another body: a conflict, rejected (issue #11).
    assert result.returncode == 1, result.stderr
    outcome = json.loads(result.stdout)
    assert (outcome["accepted"], outcome["duplicates"]) == (1, 0)
    assert [(r["line"], r["field"]) for r in outcome["rejected"]] == [(3, "id")]
    assert stored(data)["IMP-T"].qty == 1
    # The same row twice is a retry: a duplicate.
    path = write_csv(tmp_path / "same.csv", [good("IMP-S"), good("IMP-S")])
    result = run("orders", "import", str(path), "--json", data=data)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert (outcome["accepted"], outcome["duplicates"], outcome["rejected"]) == (1, 1, [])


def test_a_stored_id_with_another_body_is_rejected_as_a_conflict(
    data: Path, tmp_path: Path
) -> None:
    """Issue #11: a row re-sent with the same id and other values was silently "already
    known"; now it is rejected with its line and the fields that differ."""
    first = write_csv(tmp_path / "first.csv", [good("CONF-1"), good("CONF-2")])
    assert run("orders", "import", str(first), data=data).returncode == 0
    path = write_csv(
        tmp_path / "again.csv",
        [
            good("CONF-1"),  # line 2: a retry
            good("CONF-2", qty=3, unit_price="5"),  # line 3: a conflict
            good("CONF-3"),  # line 4: new
        ],
    )
    result = run("orders", "import", str(path), data=data)
    assert result.returncode == 1
    reported = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert reported == ["line 3: Order CONF-2 was already received with different qty, unit_price."]
    listed = run("orders", "import", str(path), "--json", data=data)
    outcome = json.loads(listed.stdout)
    assert (outcome["accepted"], outcome["duplicates"]) == (0, 2)
    assert [(r["line"], r["field"]) for r in outcome["rejected"]] == [(3, "id")]
    after = stored(data)
    assert (after["CONF-2"].qty, "CONF-3" in after) == (1, True)
    russian = invoke(
        "orders",
        "import",
        str(path),
        "--set",
        "data_dir",
        str(data),
        env={"LIVECOMMERCE_LOCALE": "ru"},
    )
    assert "CONF-2" in russian.stderr
    assert "already received" not in russian.stderr


def test_bad_rows_are_reported_by_line_and_never_stop_the_good_ones(
    data: Path, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.csv"
    lines = [
        ",".join(HEADER),
        ",".join(map(str, good("MIX-1"))),  # line 2
        ",".join(map(str, good("MIX-BAD-SKU", sku="NO-SUCH-SKU"))),  # line 3
        '"MIX-2","2024-05-01T10:01:00Z","IT-RTR-AX3",2,4090,RUB,RU,ru,KIT1120',  # line 4
        ",".join(map(str, good("MIX-BAD-QTY", qty=-1))),  # line 5
        ",".join(map(str, good("MIX-FUTURE", ts="2999-01-01T00:00:00Z"))),  # line 6
        "",  # a blank line is no row
        ",".join(map(str, good("MIX-BAD-CUR", currency="KZTT"))),  # line 8
        ",".join(map(str, good("MIX-EXTRA"))) + ",surplus",  # line 9
        ",".join(map(str, good("MIX-3"))),  # line 10
        ",".join(map(str, good("MIX-BAD-LANG", buyer_lang="fr"))),  # line 11
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected_lines = {3: "sku", 5: "qty", 6: "ts", 8: "currency", 9: "row", 11: "buyer_lang"}

    result = run("orders", "import", str(path), data=data)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert {"MIX-1", "MIX-2", "MIX-3"} <= set(stored(data))
    refused = ("MIX-FUTURE", "MIX-EXTRA")
    assert not any(i.startswith("MIX-BAD") or i in refused for i in stored(data))
    reported = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert [int(line.split()[1].rstrip(":")) for line in reported] == sorted(expected_lines)
    assert "NO-SUCH-SKU" in reported[0]
    for line in reported:
        assert len(line.split(":", 1)[1].strip()) > 5  # a reason, not just a number

    again = run("orders", "import", str(path), "--json", data=data)
    assert again.returncode == 1
    outcome = json.loads(again.stdout)
    assert outcome["rows"] == 9
    assert outcome["accepted"] == 0
    assert outcome["duplicates"] == 3
    assert {r["line"]: r["field"] for r in outcome["rejected"]} == expected_lines
    assert all(r["reason"].strip() for r in outcome["rejected"])


def test_many_bad_rows_are_summed_up_on_the_terminal_and_all_listed_in_json(
    data: Path, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "bad.csv", [good(f"BAD-{i}", qty=0) for i in range(250)])
    result = run("orders", "import", str(path), data=data)
    assert result.returncode == 1
    reported = [line for line in result.stderr.splitlines() if line.startswith("line ")]
    assert len(reported) == 200
    assert "50" in result.stderr.splitlines()[-1]  # … and 50 more
    listed = run("orders", "import", str(path), "--json", data=data)
    assert len(json.loads(listed.stdout)["rejected"]) == 250


def hostile(tmp_path: Path, kind: str) -> Path:
    path = tmp_path / f"{kind}.csv"
    if kind == "missing_columns":
        write_csv(path, [["X-1", WHEN, "IT-LAP-14"]], header=["id", "ts", "sku"])
    elif kind == "not_utf8":
        path.write_bytes(
            (",".join(HEADER) + "\n").encode() + "X-1,Алматы,IT-LAP-14\n".encode("cp1251")
        )
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 40)
    elif kind == "nul_bytes":
        path.write_bytes((",".join(HEADER) + "\n").encode() + b"X-1,\x00\x00,IT\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "folder":
        path.mkdir()
    elif kind == "missing":
        pass
    elif kind == "huge_field":
        path.write_text(",".join(HEADER) + '\n"' + "x" * 200_000 + '",a\n', encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "kind",
    [
        "missing_columns",
        "not_utf8",
        "binary",
        "empty",
        "folder",
        "missing",
        "huge_field",
    ],
)
def test_a_file_that_cannot_be_imported_is_one_clear_line(
    data: Path, tmp_path: Path, kind: str
) -> None:
    before = stored(data)
    path = hostile(tmp_path, kind)
    for flags in ((), ("--json",)):
        result = run("orders", "import", str(path), *flags, data=data)
        line = one_clear_line(result)
        assert str(path.name) in line
        assert result.stdout == ""
    assert stored(data).keys() == before.keys()
    if kind == "missing_columns":
        assert "qty" in line
        assert "buyer_lang" in line


def test_nul_bytes_in_a_row_reject_that_row(data: Path, tmp_path: Path) -> None:
    path = hostile(tmp_path, "nul_bytes")
    result = run("orders", "import", str(path), data=data)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("line ")] == [
        next(line for line in result.stderr.splitlines() if line.startswith("line 2: "))
    ]


def test_a_header_alone_imports_nothing(data: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "header.csv", [])
    result = run("orders", "import", str(path), "--json", data=data)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"rows": 0, "accepted": 0, "duplicates": 0, "rejected": []}


def test_a_20000_row_file_finishes_with_progress_on_stderr(data: Path, tmp_path: Path) -> None:
    rows = [good(f"BIG-{i:05d}", qty=1 + i % 3) for i in range(20_000)]
    rows[12_345] = good("BIG-BROKEN", sku="NO-SUCH-SKU")
    path = write_csv(tmp_path / "big.csv", rows)
    result = run_in_a_process("orders", "import", str(path), "--json", data=data)
    assert result.returncode == 1  # the one broken row
    assert "Traceback" not in result.stderr
    outcome = json.loads(result.stdout)  # progress never mixes into the JSON
    assert outcome["rows"] == 20_000
    assert outcome["accepted"] == 19_999
    [rejected] = outcome["rejected"]
    assert rejected["line"] == 12_347  # the header is line 1
    assert rejected["field"] == "sku"
    assert "NO-SUCH-SKU" in rejected["reason"]
    progress = [line for line in result.stderr.splitlines() if "20,000" in line]
    assert len(progress) >= 5
    assert progress[-1].count("20,000") == 2  # 20,000 of 20,000
    stored_ids = stored(data)
    assert sum(1 for i in stored_ids if i.startswith("BIG-")) == 19_999


def test_hostile_values_reject_their_row_and_keep_the_good_ones(data: Path, tmp_path: Path) -> None:
    """Issue #11: a time at the edge of the calendar aborted the whole file with a traceback
    (OverflowError); amounts Python reads but the docs do not allow were stored."""
    hostile = [
        good("EDGE-Y1", ts="0001-01-01T00:00:00+14:00"),  # line 3
        good("EDGE-Y9999", ts="9999-12-31T23:59:59-14:00"),  # line 4
        good("EDGE-1969", ts="1969-12-31T23:59:59Z"),  # line 5
        good("EDGE-QTY-US", qty="1_000"),  # line 6
        good("EDGE-QTY-WIDE", qty="１２"),  # line 7
        good("EDGE-PRICE-US", unit_price="1_000"),  # line 8
        good("EDGE-PRICE-WIDE", unit_price="１２"),  # line 9
        good("EDGE-PRICE-NEG0", unit_price="-0"),  # line 10
        good("EDGE-PRICE-NAN", unit_price="NaN"),  # line 11
        good("EDGE-PRICE-EXP", unit_price="1e309"),  # line 12
        good("EDGE-PRICE-HUGE", unit_price="9" * 50_000),  # line 13
    ]
    path = write_csv(
        tmp_path / "edges.csv", [good("EDGE-OK-1"), *hostile, good("EDGE-OK-2", qty="12")]
    )
    result = run("orders", "import", str(path), "--json", data=data)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["accepted"] == 2
    fields = ["ts"] * 3 + ["qty"] * 2 + ["unit_price"] * 6
    assert {r["line"]: r["field"] for r in outcome["rejected"]} == dict(
        zip(range(3, 14), fields, strict=True)
    )
    reasons = {r["line"]: r["reason"] for r in outcome["rejected"]}
    assert reasons[3] == "ts must be a time from 1970 to 2099."
    assert reasons[4] == reasons[3]
    after = stored(data)
    assert after["EDGE-OK-2"].qty == 12
    assert not any(i.startswith("EDGE-") and "OK" not in i for i in after)


def test_retries_and_conflicts_are_told_apart_in_every_batch(data: Path, tmp_path: Path) -> None:
    """The import writes one batch while it checks the next, and reads stored orders
    back only for a batch whose ids were stored before: across batches, new rows,
    retries and conflicting rows are still each counted once and where they belong."""
    size = orders_csv.BATCH
    first = write_csv(tmp_path / "first.csv", [good(f"OLD-{i}") for i in range(size + 10)])
    assert run("orders", "import", str(first), data=data).returncode == 0
    rows = [good(f"NEW-{i}") for i in range(3 * size + 7)]  # lines 2 … 3·size+8
    rows[5] = good("OLD-5")  # a retry in the first batch
    rows[size + 3] = good("OLD-7", qty=4)  # a conflict in the second batch
    rows[2 * size + 1] = good("OLD-9", sku="IT-SSD-1T")  # a conflict in the third batch
    rows[2 * size + 2] = good(f"OLD-{size + 9}")  # a retry in the third batch
    rows[-1] = good("OLD-0", currency="CNY")  # a conflict alone in the last batch
    path = write_csv(tmp_path / "mixed.csv", rows)
    result = run("orders", "import", str(path), "--json", data=data)
    assert result.returncode == 1, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["rows"] == len(rows)
    assert (outcome["accepted"], outcome["duplicates"]) == (len(rows) - 5, 2)
    assert [(r["line"], r["field"]) for r in outcome["rejected"]] == [
        (size + 5, "id"),
        (2 * size + 3, "id"),
        (len(rows) + 1, "id"),
    ]
    assert "qty" in outcome["rejected"][0]["reason"]
    after = stored(data)
    assert sum(1 for i in after if i.startswith("NEW-")) == len(rows) - 5
    assert (after["OLD-7"].qty, after["OLD-9"].sku, after["OLD-0"].currency) == (
        1,
        "IT-LAP-14",
        "KZT",
    )


def test_a_write_that_fails_midway_keeps_the_batches_stored_before(
    data: Path, tmp_path: Path
) -> None:
    """A batch the database refuses (here a trigger aborts on one row of the second
    batch) ends the import with the database's error, once; the batches committed before
    it stay stored, and nothing of the refused batch is."""
    database = data / "livecommerce.db"
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TRIGGER refuse_poison BEFORE INSERT ON orders WHEN NEW.id = 'POISON' "
            "BEGIN SELECT RAISE(ABORT, 'poisoned row'); END"
        )
    size = orders_csv.BATCH
    rows = [good(f"HALF-{i}") for i in range(2 * size + 5)]
    rows[size + 7] = good("POISON")
    path = write_csv(tmp_path / "poison.csv", rows)

    async def attempt() -> str:
        store = open_store(f"sqlite:///{database}")
        await store.start()
        try:
            skus = {p.sku for p in await store.products()}
            await orders_csv.import_orders(store, path, skus, datetime.now(UTC), localizer("en"))
        except Exception as error:  # the database's own error is the point
            return str(error)
        finally:
            await store.close()
        return "no error"

    assert "poisoned row" in asyncio.run(attempt())
    after = stored(data)
    assert sum(1 for i in after if i.startswith("HALF-")) == size
    assert "POISON" not in after
    assert all(f"HALF-{i}" in after for i in range(size))
