"""Chat relay benchmark: livecommerce's relay against minimal reference relays.

    .venv/bin/python bench/relay.py [--viewers 1000] [--quick] [--json results.json]

In one run it starts, one after the other, (a) the real server, `python -m livecommerce
serve`, on a free port over a temporary data folder with the seeded demo world, (b)
`bench/reference_relay.py`, an aiohttp relay that only broadcasts to language groups,
and (c) `bench/reference_relay.js`, the same relay on Node.js and the `ws` package, when
`node` is on the PATH and `ws` is installed in bench/node_modules (`make bench-deps`;
else one line says it is skipped and why). Each server is pinned to core 0; the load
generator (`bench/loadgen.py`) runs in its own process pinned to core 1. It opens N
viewers of the show "khorgos-it-2026-11-20" over its six languages (ru and kk largest),
a few moderators, steps the inbound chat rate, and prints for every server the highest
rate held (p99 latency under 250 ms, nothing lost), deliveries/s, delivery and ack
latency percentiles at 100 messages/s, peak RSS, and the ratio of livecommerce's held
rate to each reference's. With `--join N --join-rate R` it then connects N more viewers,
evenly over 25 s, while the audience chats at R msg/s, and times each one's `hello`
(10,000 connections on one process: `--viewers 1000 --join 9000 --join-rate 25`).

The real server runs with its own defaults except these environment settings, raised so
that the benchmark's few senders and many guests from one address are not refused:

    LIVECOMMERCE_CHAT_RATE=100000              per-sender token bucket (default 1/s)
    LIVECOMMERCE_CHAT_BURST=1000000            (default 5)
    LIVECOMMERCE_ABUSE_LIMIT=1000000           rejected frames/min before 1008 (default 20)
    LIVECOMMERCE_GUEST_JOINS_PER_MINUTE=1000000  guests per IP per minute (default 30)
    LIVECOMMERCE_CONNECTIONS_PER_IP=1000000    open connections per IP (default 50)
    LIVECOMMERCE_SEND_QUEUE=4096               frames behind before 1013 (default 512)
    LIVECOMMERCE_CHAT_OPENING_HOURS=false      the demo show is past: keep its chat open

The default run takes 5 to 10 minutes for the three servers, `--quick` about one.
Every loop is bounded in count and time: a per-server time budget, a connect timeout,
bounded drains, a bounded wait for a quiet machine, and a hard timeout on every child
process. Results, method and analysis: docs/performance.md.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import json
import os
import re
import resource
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
STREAM = "khorgos-it-2026-11-20"
# The show's languages, weighted like its audience: Kazakhstan and Russian speakers first.
LANGUAGES = {"ru": 0.32, "kk": 0.30, "uz": 0.13, "ky": 0.11, "zh": 0.08, "ug": 0.06}
# Moderators covering every language (ru is the show's fallback language).
MODERATORS = [
    ("Айгерим", ["kk"]),
    ("Ольга", ["ru"]),
    ("Азиз", ["uz", "ky"]),
    ("Dilnur", ["ug", "zh"]),
]
SERVER_ENV = {
    "LIVECOMMERCE_CHAT_RATE": "100000",
    "LIVECOMMERCE_CHAT_BURST": "1000000",
    "LIVECOMMERCE_ABUSE_LIMIT": "1000000",
    "LIVECOMMERCE_GUEST_JOINS_PER_MINUTE": "1000000",
    "LIVECOMMERCE_CONNECTIONS_PER_IP": "1000000",
    "LIVECOMMERCE_SEND_QUEUE": "4096",
    # The demo show is in the past: its chat is open to the benchmark all the same.
    "LIVECOMMERCE_CHAT_OPENING_HOURS": "false",
}
RATES = [25, 50, 100, 150, 200, 250, 300, 400, 500, 600, 800, 1000, 1250, 1600, 2000, 2500]
QUICK_RATES = [50, 100, 200, 300, 400, 600, 800, 1200, 1600]
P99_LIMIT_MS = 250.0
PR_SET_PDEATHSIG = 1  # prctl(2)
URL = re.compile(r"http://[0-9.]+:[0-9]+")
# The contenders, in the order they run, and their names in the tables.
NAMES = {"livecommerce": "livecommerce", "reference": "aiohttp ref", "node": "Node ws"}
SHORT = {"reference": "aiohttp", "node": "Node"}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def cores() -> tuple[int | None, int | None]:
    """(server core, load generator core), or no pinning on a single-core machine."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        return None, None
    return available[0], available[1]


def _child_setup(core: int | None, nice: int = 0) -> None:
    """In the child before exec: pin to `core`, allow many open sockets, and get SIGTERM
    when this process dies, however it dies (no server or load left behind)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    if core is not None:
        os.sched_setaffinity(0, {core})
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    if nice:
        # With the kernel's autogroups (sched_autogroup_enabled), a niceness weighs only
        # against the processes of the same session: other people's sessions share the
        # core by their autogroups' niceness. A session of its own, with that niceness.
        os.setsid()
        with contextlib.suppress(OSError), open("/proc/self/autogroup", "w") as group:
            group.write(str(nice))
        os.nice(nice)


class Server:
    """A server process on a free port: started, its URL read from its output, stopped."""

    def __init__(self, label: str, argv: list[str], env: dict[str, str], workdir: Path) -> None:
        self.label = label
        self.argv = argv
        self.env = env
        self.workdir = workdir
        self.output = workdir / f"{label}.out"
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def start(self, core: int | None, nice: int = 0, timeout: float = 60.0) -> str:
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                preexec_fn=lambda: _child_setup(core, nice),
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = URL.search(self.output.read_text(errors="replace"))
            if found:
                self.url = found.group(0)
                return self.url
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        tail = self.output.read_text(errors="replace")[-2000:]
        raise SystemExit(f"{self.label} did not start:\n{tail}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


def _base_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("LIVECOMMERCE_")}


def real_server(workdir: Path, secret: str, extra: dict[str, str]) -> Server:
    env = {
        **_base_env(),
        "LIVECOMMERCE_HOST": "127.0.0.1",
        "LIVECOMMERCE_PORT": "0",
        "LIVECOMMERCE_DATA_DIR": str(workdir / "var"),
        "LIVECOMMERCE_SEEDS_DIR": str(ROOT / "seeds"),
        "LIVECOMMERCE_SECRET": secret,
        "LIVECOMMERCE_LOCALE": "en",
        "LIVECOMMERCE_LOG_LEVEL": "warning",
        **SERVER_ENV,
        **extra,
    }
    return Server("livecommerce", [sys.executable, "-m", "livecommerce", "serve"], env, workdir)


def reference_server(workdir: Path) -> Server:
    argv = [sys.executable, str(BENCH / "reference_relay.py"), "--port", "0"]
    return Server("reference", argv, _base_env(), workdir)


def node_server(workdir: Path) -> Server:
    argv = [shutil.which("node") or "node", str(BENCH / "reference_relay.js"), "--port", "0"]
    return Server("node", argv, _base_env(), workdir)


def node_missing() -> str | None:
    """Why the Node.js reference cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on the PATH"
    if not (BENCH / "node_modules" / "ws" / "package.json").exists():
        return "the ws package is not installed in bench/node_modules (make bench-deps)"
    return None


def moderator_tokens(secret: str) -> list[dict[str, Any]]:
    """Moderator tokens signed with the real server's secret, bound to the show."""
    sys.path.insert(0, str(ROOT))
    from livecommerce.core.models import Role
    from livecommerce.core.tokens import Identity, issue

    expires = int((datetime.now(UTC) + timedelta(hours=2)).timestamp())
    found = []
    for n, (name, langs) in enumerate(MODERATORS):
        identity = Identity(f"u-bench-mod-{n}", name, Role.MODERATOR, tuple(langs), STREAM, expires)
        found.append({"langs": langs, "token": issue(secret.encode(), identity)})
    return found


def run_loadgen(
    config: dict[str, Any], core: int | None, timeout: float, nice: int = 0
) -> dict[str, Any]:
    argv = [sys.executable, str(BENCH / "loadgen.py"), json.dumps({**config, "cpu": core})]
    try:
        done = subprocess.run(
            argv,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            timeout=timeout,
            check=False,
            preexec_fn=lambda: _child_setup(None, nice),
        )
    except subprocess.TimeoutExpired:
        raise SystemExit(f"the load generator did not finish in {timeout:.0f} s") from None
    if done.returncode != 0:
        raise SystemExit(f"the load generator failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result


def start_profiler(folder: Path, label: str, pid: int) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the server (without pausing it) until stopped; None if absent."""
    spy = Path(sys.executable).with_name("py-spy")
    if not spy.exists():
        log("py-spy is not in the venv: no profile (.venv/bin/pip install py-spy)")
        return None
    folder.mkdir(parents=True, exist_ok=True)
    argv = [
        str(spy),
        "record",
        "--pid",
        str(pid),
        "--rate",
        "200",
        "--nonblocking",
        "--format",
        "raw",
        "--duration",
        "600",
        "--output",
        str(folder / f"{label}.txt"),
    ]
    with (folder / f"{label}.log").open("wb") as log_file:
        return subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
        )


def stop_profiler(profiler: subprocess.Popen[bytes]) -> None:
    profiler.send_signal(signal.SIGINT)  # py-spy writes its output on SIGINT
    try:
        profiler.wait(30)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait(5)


def machine_busy_seconds() -> float:
    """CPU seconds used by every process on the machine so far, from /proc/stat."""
    with open("/proc/stat") as handle:
        fields = [int(v) for v in handle.readline().split()[1:]]
    return (sum(fields[:7]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(limit: float, most: float = 0.25) -> float:
    """Wait (at most `limit` seconds) until the rest of the machine uses under `most` of a
    core: a shared machine's other work skews every figure. The last load seen."""
    deadline = time.monotonic() + limit
    load = 0.0
    for _ in range(1000):
        before = machine_busy_seconds()
        time.sleep(1.0)
        load = machine_busy_seconds() - before
        if load < most or time.monotonic() >= deadline:
            break
    if load >= most:
        log(
            f"the machine is busy ({load:.0%} of a core used by other processes): "
            "figures will be low and noisy"
        )
    return load


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    steps = result["steps"]
    held = [s for s in steps if s["passed"]]
    best = max(held, key=lambda s: s["rate"]) if held else None
    # The last measurement at 100 msg/s (an earlier one may have been retried).
    at_100 = next((s for s in reversed(steps) if s["rate"] == 100), None)
    return {
        "max_rate": best["rate"] if best else 0,
        "deliveries_per_s": best["deliveries_per_s"] if best else 0.0,
        "server_cpu_at_max": best["server_cpu"] if best else None,
        "loadgen_cpu_at_max": best["loadgen_cpu"] if best else None,
        "ack_at_max": best.get("ack_latency_ms") if best else None,
        "at_100": at_100["latency_ms"] if at_100 else None,
        "ack_at_100": at_100.get("ack_latency_ms") if at_100 else None,
        "at_100_deliveries_per_s": at_100["deliveries_per_s"] if at_100 else None,
        "peak_rss_mib": round(result["rss_peak_kib"] / 1024, 1) if result["rss_peak_kib"] else None,
        "stopped": result["stopped"],
        "other_cpu_max": max((s["other_cpu"] for s in steps), default=0.0),
        # Over the steps the figures come from (the ones passed, and the last one).
        "wait_max": max(
            (s["server_cpu_wait"] for s in [*held, *steps[-1:]] if not s.get("retried")),
            default=0.0,
        ),
    }


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        value = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    elif isinstance(value, int):
        value = f"{value:,}"
    return f"{value}{unit}"


def _pick(found: dict[str, Any] | None, key: str) -> Any:
    return found.get(key) if found else None


def report(results: dict[str, dict[str, Any]]) -> str:
    """Every server's figures side by side; with livecommerce among them, its held rate
    and deliveries divided by each reference's (above 1: livecommerce holds more)."""
    summaries = {label: summarize(result) for label, result in results.items()}
    real = summaries.get("livecommerce")
    references = [label for label in summaries if label != "livecommerce"] if real else []

    def percent(value: Any) -> str:
        return "–" if value is None else f"{value:.0%}"

    rows: list[tuple[str, str, bool]] = [
        ("max inbound msg/s held", "max_rate", True),
        ("deliveries/s at that rate", "deliveries_per_s", True),
        ("server CPU at that rate", "server_cpu_at_max", False),
        ("loadgen CPU at that rate", "loadgen_cpu_at_max", False),
        ("ack p99 ms at that rate", "ack_at_max.p99", False),
        ("deliveries/s at 100 msg/s", "at_100_deliveries_per_s", False),
        ("p50 ms at 100 msg/s", "at_100.p50", False),
        ("p90 ms at 100 msg/s", "at_100.p90", False),
        ("p99 ms at 100 msg/s", "at_100.p99", False),
        ("ack p50 ms at 100 msg/s", "ack_at_100.p50", False),
        ("ack p99 ms at 100 msg/s", "ack_at_100.p99", False),
        ("peak RSS MiB", "peak_rss_mib", False),
    ]
    lines = [
        f"{'':28}"
        + "".join(f"{NAMES[label]:>14}" for label in summaries)
        + "".join(f"{'lc ÷ ' + SHORT[label]:>14}" for label in references)
    ]
    for name, key, with_ratio in rows:
        outer, _, inner = key.partition(".")
        values = {
            label: _pick(summary[outer], inner) if inner else summary[outer]
            for label, summary in summaries.items()
        }
        shown = [percent(v) if "CPU" in name else _fmt(v) for v in values.values()]
        line = f"{name:28}" + "".join(f"{v:>14}" for v in shown)
        if with_ratio:
            mine = values["livecommerce"] if real else None
            for label in references:
                theirs = values[label]
                line += f"{f'{mine / theirs:.2f}×' if mine and theirs else '–':>14}"
        lines.append(line)
    lines.append("")
    for label, summary in summaries.items():
        lines.append(f"{label}: stopped: {summary['stopped']}")
        if summary["wait_max"] > 0.05:
            lines.append(
                f"{label}: the server waited up to {summary['wait_max']:.0%} of the time for its "
                f"core (other processes used up to {summary['other_cpu_max']:.0%} of a core): "
                "the machine was shared, the figures are pessimistic."
            )
        if summary["loadgen_cpu_at_max"] and summary["loadgen_cpu_at_max"] > 0.9:
            lines.append(
                f"{label}: the load generator was busy {summary['loadgen_cpu_at_max']:.0%} "
                "at the highest rate held: that figure is a lower bound."
            )
    if real:
        held = [f"livecommerce {real['max_rate']:,} msg/s"]
        for label in references:
            theirs = summaries[label]["max_rate"]
            ratio = f"{real['max_rate'] / theirs:.2f}× " if theirs else ""
            held.append(f"{NAMES[label]} {theirs:,} ({ratio}for livecommerce)")
        lines.append("held: " + ", ".join(held))
    return "\n".join(lines)


def step_table(result: dict[str, Any]) -> str:
    lines = [
        f"{result['label']}: {result['clients']}, connected in {result['connect_seconds']} s, "
        f"RSS {_fmt((result.get('rss_start_kib') or 0) / 1024)} MiB before the clients, "
        f"{_fmt((result['rss_connected_kib'] or 0) / 1024)} MiB connected, "
        f"peak {_fmt((result['rss_peak_kib'] or 0) / 1024)} MiB",
        f"{'msg/s':>7}{'sent/s':>8}{'deliv/s':>10}{'p50':>8}{'p90':>8}{'p99':>8}{'max':>8}"
        f"{'ack p50':>8}{'ack p99':>8}"
        f"{'lost':>7}{'srv cpu':>9}{'gen cpu':>9}{'other':>7}{'srv wait':>10}{'stalls':>8}  result",
    ]
    join = result.get("join")
    steps = list(result["steps"])
    if join:
        steps.append(join["step"] | {"rate": f"+{join['joiners']}"})
    for s in steps:
        lat, ack = s["latency_ms"], s.get("ack_latency_ms")
        lines.append(
            f"{s['rate']:>7}{s['achieved_rate']:>8.0f}{s['deliveries_per_s']:>10.0f}"
            f"{_fmt(lat['p50']):>8}{_fmt(lat['p90']):>8}{_fmt(lat['p99']):>8}{_fmt(lat['max']):>8}"
            f"{_fmt(_pick(ack, 'p50')):>8}{_fmt(_pick(ack, 'p99')):>8}"
            f"{s['lost']:>7}{s['server_cpu']:>9.0%}{s['loadgen_cpu']:>9.0%}"
            f"{s['other_cpu']:>7.0%}{s['server_cpu_wait']:>10.0%}"
            f"{_fmt(_pick(s.get('server_loop'), 'stalls_over_50ms')):>8}  "
            f"{'ok' if s['passed'] else 'FAIL ' + s['reason']}"
            f"{' (machine busy: measured again)' if s.get('retried') else ''}"
        )
    if join:
        hello = join["hello_ms"]
        lines.append(
            f"join: {join['joined']:,} of {join['joiners']:,} more viewers connected in "
            f"{join['join_seconds']} s while the audience chatted at {join['step']['rate']} "
            f"msg/s (the row marked +{join['joiners']}); hello p50 {_fmt(hello['p50'])}, "
            f"p90 {_fmt(hello['p90'])}, p99 {_fmt(hello['p99'])}, max {_fmt(hello['max'])} ms "
            f"(p99 by fifths of the join: "
            f"{', '.join(_fmt(v) for v in join.get('hello_p99_ms_by_fifth', []))}); "
            f"RSS {_fmt(join['rss_before_kib'] / 1024)} → {_fmt(join['rss_joined_kib'] / 1024)} "
            f"MiB, {_fmt(join['kib_per_connection'])} KiB a connection"
            + (f"; failed to connect: {join['failures']}" if join["failures"] else "")
            + (f"; closed: {join['closed']}" if join["closed"] else "")
        )
    return "\n".join(lines)


def measure(
    label: str,
    server: Server,
    args: argparse.Namespace,
    plan: dict[str, Any],
    secret: str,
    pinned: tuple[int | None, int | None],
) -> dict[str, Any]:
    """Start one server, run the load generator against it, stop the server."""
    server_core, loadgen_core = pinned
    wait_for_quiet(3.0 if args.quick else 20.0)
    log(f"[{label}] starting …")
    profiler = None
    try:
        url = server.start(server_core, args.nice)
        if args.profile and label != "node":
            profiler = start_profiler(args.profile, label, server.pid)
        config = {
            "url": url,
            "stream": STREAM,
            "label": label,
            "server_pid": server.pid,
            "viewers": args.viewers,
            "languages": LANGUAGES,
            "moderators": moderator_tokens(secret)
            if label == "livecommerce"
            else [{"langs": langs} for _, langs in MODERATORS],
            "p99_limit_ms": P99_LIMIT_MS,
            **plan,
        }
        timeout = plan["budget_seconds"] + plan["connect_seconds"] + 60
        return run_loadgen(config, loadgen_core, timeout, args.nice)
    finally:
        if profiler is not None:
            stop_profiler(profiler)
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark livecommerce's chat relay.")
    parser.add_argument("--viewers", type=int, default=1000, help="viewers (default 1000)")
    parser.add_argument("--quick", action="store_true", help="short steps: under a minute")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    parser.add_argument(
        "--only",
        default=None,
        help=f"these servers only, comma-separated, of: {', '.join(NAMES)}",
    )
    parser.add_argument(
        "--rates", default=None, help="inbound msg/s to step through, comma-separated: 100,100"
    )
    parser.add_argument("--step-seconds", type=float, default=None, help="seconds per step")
    parser.add_argument(
        "--join",
        type=int,
        default=0,
        help="after the steps (none unless --rates), this many more viewers connect while "
        "the audience chats at --join-rate: time to connect them all, each one's time to its "
        "hello, memory per connection (livecommerce only)",
    )
    parser.add_argument(
        "--join-rate", type=int, default=100, help="msg/s while --join viewers connect"
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="niceness of the server and the load generator, each in a session (autogroup) of "
        "its own; on a shared machine a negative one (root only) keeps other people's work "
        "from skewing the figures",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        default=None,
        help="record the servers with py-spy (from the venv) into this folder",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one more setting for livecommerce, e.g. --set send_coalesce=0.005",
    )
    args = parser.parse_args()
    only = [name.strip() for name in (args.only or ",".join(NAMES)).split(",") if name.strip()]
    unknown = [name for name in only if name not in NAMES]
    if unknown or not only:
        parser.error(f"--only takes {', '.join(NAMES)}, not {args.only!r}")
    extra: dict[str, str] = {}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            parser.error(f"--set wants NAME=VALUE, not {item!r}")
        extra["LIVECOMMERCE_" + name.strip().upper()] = value.strip()
    # A stop signal unwinds like Ctrl-C, so the servers are stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if not 30 <= args.viewers <= 5000:
        parser.error("--viewers must be from 30 to 5000")
    if not 0 <= args.join <= 20000 or args.join_rate < 1:
        parser.error("--join must be from 0 to 20000 and --join-rate at least 1")

    server_core, loadgen_core = cores()
    if loadgen_core is not None:
        os.sched_setaffinity(0, {loadgen_core})
    else:
        log("fewer than two cores: nothing is pinned, and the figures mean little")
    if args.quick:
        plan = {
            "rates": QUICK_RATES,
            "step_seconds": 2.0,
            "drain_seconds": 1.5,
            "budget_seconds": 18.0,
            "connect_seconds": 30.0,
            "retries": 1,
            "quiet_seconds": 3.0,
        }
    else:
        plan = {
            "rates": RATES,
            "step_seconds": 6.0,
            "drain_seconds": 3.0,
            "budget_seconds": 110.0,
            "connect_seconds": 60.0,
            "retries": 3,
            "quiet_seconds": 15.0,
        }
    if args.join:
        # 10,000 counting receivers reading every 0.1 s keep one generator busy with
        # syscalls (as in bench/soak.py): every 0.5 s instead. The server's work is the same.
        plan |= {"join": args.join, "join_rate": args.join_rate, "rates": [], "read_period": 0.5}
        plan["budget_seconds"] = plan["budget_seconds"] + plan["connect_seconds"]
    if args.rates:
        plan["rates"] = [int(r) for r in args.rates.split(",") if r.strip()]
    if args.step_seconds:
        plan["step_seconds"] = args.step_seconds
    secret = secrets.token_hex(32)
    started = time.monotonic()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="livecommerce-bench-") as tmp:
        workdir = Path(tmp)
        targets = {
            "livecommerce": real_server(workdir, secret, extra),
            "reference": reference_server(workdir),
            "node": node_server(workdir),
        }
        skipped = node_missing() if "node" in only else None
        if skipped:
            only.remove("node")
            log(f"[node] skipped: {skipped}")
        try:
            for label in only:
                pinned = (server_core, loadgen_core)
                results[label] = measure(label, targets[label], args, plan, secret, pinned)
        except KeyboardInterrupt:
            raise SystemExit("interrupted: the servers are stopped") from None
    elapsed = time.monotonic() - started

    print()
    for result in results.values():
        print(step_table(result))
        print()
    if len(results) > 1:
        print(report(results))
    if skipped:
        print(f"\nNode ws: skipped, {skipped}.")
    print(
        f"\n{len(results)} server(s) measured in {elapsed:.0f} s"
        f"{' (quick)' if args.quick else ''}; viewers {args.viewers}; "
        f"p99 limit {P99_LIMIT_MS:g} ms; cores: server {server_core}, loadgen {loadgen_core}; "
        f"nice {args.nice}."
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "args": vars(args) | {"json": str(args.json)},
                    "server_env": SERVER_ENV | extra,
                    "node_skipped": skipped,
                    "results": results,
                },
                indent=2,
                ensure_ascii=False,
            )
        )


if __name__ == "__main__":
    main()
