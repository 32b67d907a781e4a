"""Set up the load test's sandbox with the project's own commands, in one interpreter (each
`python -m sandbox` start costs seconds): init-db, exam create, import-candidates, and the world
template built ahead (as `make run` does), so the first logins do not wait on a one-off build.

    python benchmarks/load/prepare.py EXAM_CODE tickets.csv      (environment: SANDBOX_*)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from sandbox.__main__ import cli  # noqa: E402

SCENARIO = "b2c-purchase"


def sandbox(*args: str) -> None:
    """Run one `python -m sandbox` command in this process."""
    started = time.monotonic()
    cli.main(list(args), prog_name="python -m sandbox", standalone_mode=False)
    print(f"  ({time.monotonic() - started:.1f} s) python -m sandbox {' '.join(args)}", flush=True)


def main(code: str, tickets: str) -> None:
    """The control database, the exam over b2c-purchase with the CSV's candidates, the template."""
    sandbox("init-db")
    sandbox("exam", "create", code, "--title", "负载测试考场", "--scenario", SCENARIO)
    sandbox("exam", "import-candidates", code, tickets)
    sandbox("scenarios", "preview", SCENARIO, "--seed", "1")  # builds the world template


if __name__ == "__main__":
    main(*sys.argv[1:3])
