"""The exam-hall load test in one command: a fresh sandbox with an exam over b2c-purchase and N
candidates, the chosen server in its own process, Locust headless in another, then the figures.

    .venv/bin/python benchmarks/load/run.py                      # 300 candidates, embedded server
    .venv/bin/python benchmarks/load/run.py --server gunicorn --workers 4 --threads 8 --store postgres

Prints, for the login phase (everyone logs in within --ramp seconds) and the steady phase after it:
requests, p50/p95/p99 latency, throughput and failures; then the routes with the worst p95. Every
simulated candidate comes from 127.0.0.1, so the per-address login limit is raised for the test
(SANDBOX_LOGIN_LIMIT_ADDRESS). The world template is built before the server starts, as `make run` does.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
import report  # noqa: E402

EXAM = "LOAD-1"
PASSWORD = "load-pass-1"
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
# Settings the test makes its own; others (SANDBOX_LOGIN_HASH, SANDBOX_TEMPLATES …) pass through.
OWN_SETTINGS = {
    "SANDBOX_INSTANCE",
    "SANDBOX_DATA",
    "SANDBOX_PORT",
    "SANDBOX_CONTROL_DB",
    "SANDBOX_WORLD_STORE",
    "SANDBOX_WORLD_PREFIX",
    "SANDBOX_LOGIN_LIMIT_ADDRESS",
}


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A control database of its own and a world prefix of its own, dropped afterwards."""

    def __init__(self, server: str, tag: str) -> None:
        import psycopg

        self.psycopg = psycopg
        self.server = server.rstrip("/") + "/"
        self.dbname = f"load_{tag}"
        self.prefix = f"load{tag}_"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{self.dbname}"')

    def _admin(self):  # noqa: ANN202
        return self.psycopg.connect(self.server + "postgres", autocommit=True)

    def env(self) -> dict[str, str]:
        """The sandbox's settings for this database and these worlds."""
        return {
            "SANDBOX_CONTROL_DB": self.server.replace("postgresql://", "postgresql+psycopg://", 1)
            + self.dbname,
            "SANDBOX_WORLD_STORE": self.server,
            "SANDBOX_WORLD_PREFIX": self.prefix,
        }

    def drop(self) -> int:
        """Drop the control database and every world database of the test; how many were dropped."""
        with self._admin() as conn:
            like = self.prefix.replace("_", r"\_") + "%"
            names = [
                r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (like,))
            ]
            for name in [*names, self.dbname]:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return len(names) + 1


def prepare(env: dict, work: Path, users: int) -> Path:
    """init-db, the exam over b2c-purchase, its N candidates (CSV import), the world template
    (prepare.py: the same commands in one interpreter)."""
    tickets = work / "tickets.csv"
    with open(tickets, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["ticket_no", "name", "password"])
        for i in range(users):
            out.writerow([f"LD{i:05d}", f"考生{i:03d}", PASSWORD])
    done = subprocess.run(
        [sys.executable, str(HERE / "prepare.py"), EXAM, str(tickets)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"preparing the sandbox failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    return tickets


def server_command(args: argparse.Namespace, port: int) -> list[str]:
    """`python -m sandbox serve` for the embedded server, or with gunicorn's workers and threads."""
    cmd = [sys.executable, "-m", "sandbox", "serve", "--port", str(port)]
    if args.server == "gunicorn":
        cmd += ["--workers", str(args.workers), "--threads", str(args.threads)]
    return cmd


def wait_ready(base: str, proc: subprocess.Popen, log: Path, timeout: float = 180.0) -> None:
    """Wait for GET /healthz (or / where there is no /healthz) to answer 200."""
    deadline = time.monotonic() + timeout
    path = "/healthz"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"the server stopped (exit {proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(base + path, timeout=5) as resp:
                if resp.status == 200:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code == 404 and path == "/healthz":
                path = "/"
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"the server did not answer {path} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    """Stop a process this script started, with its children (its own process group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by a process and its children (0 without psutil)."""
    try:
        import psutil
    except ImportError:
        return 0.0
    try:
        parent = psutil.Process(pid)
        procs = [parent, *parent.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def server_exceptions(log: Path, limit: int = 8) -> list[str]:
    """The server log's most frequent exception lines (the last line of each traceback), counted."""
    if not log.exists():
        return []
    counts: dict[str, int] = {}
    lines = log.read_text(errors="replace").splitlines()
    for before, line in zip(lines, lines[1:] + [""], strict=True):
        if before.startswith("  ") and re.match(r"^[A-Za-z_][\w.]*(Error|Exception|Timeout)\b", line):
            counts[line[:160]] = counts.get(line[:160], 0) + 1
    return [f"{n:6d} x {msg}" for msg, n in sorted(counts.items(), key=lambda kv: -kv[1])[:limit]]


def run_locust(args: argparse.Namespace, base: str, tickets: Path, work: Path, server_pid: int) -> dict:
    """Locust headless in its own process; returns where its samples are and the CPU both used."""
    samples = work / "samples.csv"
    rate = args.users / args.ramp
    env = {
        **os.environ,
        "LOAD_TICKETS": str(tickets),
        "LOAD_SAMPLES": str(samples),
        "LOAD_THINK": args.think,
        "LOAD_BACKGROUND": "0" if args.no_background else "1",
        "LOAD_UNTIL_DONE": "1" if args.until_done else "0",
    }
    cmd = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(HERE / "locustfile.py"),
        "--headless",
        "-u",
        str(args.users),
        "-r",
        f"{rate:g}",
        "-t",
        f"{args.duration}s",
        "-H",
        base,
        "--csv",
        str(work / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    server_cpu = cpu_seconds(server_pid)
    started = time.monotonic()
    with open(work / "locust.log", "w") as log:
        proc = subprocess.Popen(cmd, cwd=HERE, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            proc.wait(args.duration + 120)
        except subprocess.TimeoutExpired:
            stop(proc)
    wall = time.monotonic() - started
    server_cpu = cpu_seconds(server_pid) - server_cpu
    if not samples.exists():
        sys.exit(f"locust wrote no samples:\n{(work / 'locust.log').read_text()[-3000:]}")
    return {"samples": samples, "wall": wall, "server_cpu": server_cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=300, help="simulated candidates (default 300)")
    parser.add_argument("--ramp", type=float, default=60, help="seconds in which all log in (default 60)")
    parser.add_argument("--duration", type=int, default=180, help="seconds of the whole run (default 180)")
    parser.add_argument("--server", choices=["embedded", "gunicorn"], default="embedded")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker")
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--pg", default=PG_SERVER, help=f"PostgreSQL server for --store postgres ({PG_SERVER})"
    )
    parser.add_argument("--think", default="1-3", help="think time between steps, seconds (default 1-3)")
    parser.add_argument(
        "--no-background",
        action="store_true",
        help="no countdown polls, no replay batches (browser tab traffic)",
    )
    parser.add_argument(
        "--until-done",
        action="store_true",
        help="end as soon as every candidate has saved the answer sheet (--duration is then the limit)",
    )
    parser.add_argument("--workdir", type=Path, default=None, help="keep the data folder here (not removed)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here as JSON")
    args = parser.parse_args(argv)
    if args.ramp <= 0 or args.ramp > args.duration:
        parser.error("--ramp must be > 0 and at most --duration")

    work = args.workdir or Path(tempfile.mkdtemp(prefix="sandbox-load-"))
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in OWN_SETTINGS}
    env.update(
        SANDBOX_INSTANCE=str(work / "instance"),
        SANDBOX_DATA=str(work / "data"),
        SANDBOX_PORT=str(port),
        SANDBOX_LOGIN_LIMIT_ADDRESS="100000 per minute",
        PYTHONUNBUFFERED="1",
    )
    pg = Postgres(args.pg, f"{os.getpid()}_{int(time.time())}") if args.store == "postgres" else None
    if pg is not None:
        env.update(pg.env())
    server = None
    try:
        t = time.monotonic()
        tickets = prepare(env, work, args.users)
        print(f"prepared {args.users} candidates in {time.monotonic() - t:.0f} s ({work})", flush=True)
        log = work / "server.log"
        with open(log, "w") as fh:
            server = subprocess.Popen(
                server_command(args, port),
                cwd=ROOT,
                env=env,
                stdout=fh,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, server, log)
        print(
            f"{args.server} server ({args.store}) ready at {base}; {args.users} candidates, "
            f"ramp {args.ramp:g} s, {args.duration} s, think {args.think} s, "
            f"login hash {env.get('SANDBOX_LOGIN_HASH', 'scrypt')}",
            flush=True,
        )
        run = run_locust(args, base, tickets, work, server.pid)
    finally:
        if server is not None:
            stop(server)
        if pg is not None:
            print(f"dropped {pg.drop()} PostgreSQL databases")
    samples = report.read_samples(run["samples"])
    outcomes = json.loads(run["samples"].with_suffix(".json").read_text())["outcomes"]
    seconds = float(args.duration)
    if args.until_done:  # the run ended with the last journey
        seconds = max([args.ramp, *(s.t + s.ms / 1000 for s in samples)])
    phase_rows = report.phases(samples, args.ramp, seconds)
    route_rows = report.routes(samples, seconds)
    print()
    print(report.HEADER)
    for row in phase_rows:
        print(row.row())
    print()
    print("worst p95 by route (whole run)")
    for row in route_rows:
        print(row.row())
    print()
    print("journeys: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(
        f"server CPU {run['server_cpu']:.0f} s over {run['wall']:.0f} s ({run['server_cpu'] / run['wall']:.2f} cores)"
    )
    for line in report.errors(samples):
        print("  " + line)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "phases": report.as_dict(phase_rows),
                    "routes": report.as_dict(route_rows),
                    "outcomes": outcomes,
                    "errors": report.errors(samples),
                    "workdir": str(work),
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    server_errors = server_exceptions(work / "server.log")
    if server_errors:
        print("server exceptions (server.log):")
        for line in server_errors:
            print("  " + line)
    if args.workdir is None:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if any(not s.ok for s in samples) else 0


if __name__ == "__main__":
    sys.exit(main())
