"""`make test`: the whole suite on SQLite, and again on PostgreSQL + Redis.

PostgreSQL is used when TEST_DATABASE_URL (or the local server at 127.0.0.1:5432) answers;
on CI (CI=true) it must answer, and so must Redis. The browser walk (tests/e2e) runs once,
on PostgreSQL. Extra arguments go to every pytest run.

The passes are independent (each makes its own databases, queue names and servers), so they
run side by side, TEST_JOBS at a time (default: one per core, at most 2): the PostgreSQL
pass in two halves of the test packages (each test there pays for emptying the database
after it, so that pass is the longest), the SQLite pass and the browser walk. The short
chaos run (tests/queue/test_chaos.py) runs last and alone: it measures how fast real
workers drain under faults, and a loaded machine would only slow it. Each run's output is
printed whole when it ends; the last line adds them up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import redis

from tests.support.database import postgres_reachable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
CHAOS = "tests/queue/test_chaos.py"
E2E = "tests/e2e"
TESTS = Path(__file__).resolve().parent
NOT_A_PASS = {"e2e", "support"}  # the walk runs on its own; support holds no test
TEST_DEF = re.compile(r"^\s*(?:async )?def test_", re.M)


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping())
    except redis.exceptions.RedisError:
        return False


@dataclass
class Run:
    """One pytest process: its label, environment and arguments, and what it left."""

    label: str
    env: dict[str, str]
    args: list[str]
    junit: str = ""
    filtered: bool = False  # the caller's arguments may leave this run without a test
    process: subprocess.Popen | None = None
    log: object = None
    started: float = 0.0
    seconds: float = 0.0
    code: int | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def start(self, folder: str) -> None:
        print(f"--- started: {self.label}", flush=True)
        self.log = tempfile.TemporaryFile(mode="w+", dir=folder)
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest", f"--junitxml={self.junit}", *self.args],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def finished(self) -> bool:
        if self.process is None or self.process.poll() is None:
            return False
        self.seconds = time.monotonic() - self.started
        code = self.process.returncode
        self.code = 0 if code == 5 and self.filtered else code  # 5: no test selected
        self.counts = junit_counts(self.junit)
        return True

    def report(self) -> None:
        self.log.seek(0)
        print(f"\n=== tests on {self.label} ({self.seconds:.0f} s) ===", flush=True)
        sys.stdout.write(self.log.read())
        sys.stdout.flush()
        self.log.close()


def junit_counts(junit_xml: str) -> dict[str, int]:
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    try:
        cases = list(ET.parse(junit_xml).getroot().iter("testcase"))
    except (OSError, ET.ParseError):
        return counts
    for case in cases:
        if case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts


def browser_tests_ran(junit_xml: str) -> bool:
    """CI must run the browser walk: at least one test of tests/e2e, none of them skipped."""
    try:
        cases = ET.parse(junit_xml).getroot().iter("testcase")
    except (OSError, ET.ParseError):
        print("No test report of the browser walk to check.", file=sys.stderr)
        return False
    e2e = [case for case in cases if case.get("classname", "").startswith("tests.e2e")]
    skipped = [case.get("name") for case in e2e if case.find("skipped") is not None]
    if not e2e or skipped:
        print(
            f"The browser tests (tests/e2e) did not run on CI: {len(e2e)} collected, "
            f"skipped: {', '.join(skipped) or 'none'}. Is /usr/bin/chromium installed "
            "(`make browser`)?",
            file=sys.stderr,
        )
        return False
    return True


def halves() -> list[list[str]]:
    """The test packages in two groups of about as many tests each (largest first)."""
    weights = {
        f"tests/{folder.name}": sum(
            len(TEST_DEF.findall(path.read_text(encoding="utf-8")))
            for path in folder.glob("test_*.py")
        )
        for folder in sorted(TESTS.iterdir())
        if (folder / "__init__.py").exists() and folder.name not in NOT_A_PASS
    }
    groups: list[list[str]] = [[], []]
    totals = [0, 0]
    for name, weight in sorted(weights.items(), key=lambda item: -item[1]):
        smaller = totals.index(min(totals))
        groups[smaller].append(name)
        totals[smaller] += weight
    return [sorted(group) for group in groups]


def plan(args: list[str], folder: str, postgres: bool) -> tuple[list[Run], list[Run], Run | None]:
    """The runs side by side, the runs alone after them, and the browser walk's run.

    With extra arguments (a path, -k …) the PostgreSQL pass is one run, as on SQLite.
    """
    base = dict(os.environ)
    together = [
        Run("SQLite, embedded queue", {**base, "TEST_DB": "sqlite"}, [f"--ignore={E2E}", *args])
    ]
    alone: list[Run] = []
    walk = None
    if postgres:
        pg = {**base, "TEST_DB": "postgres", "TEST_REDIS_URL": REDIS_URL}
        if args:
            together.insert(0, Run("PostgreSQL + Redis", pg, list(args)))
        else:
            chaos = f"{CHAOS}::test_short_chaos_run_loses_no_mail"
            walk = Run("PostgreSQL + Redis: the browser walk", pg, [E2E])
            first, second = (
                Run(f"PostgreSQL + Redis ({number} of 2)", pg, [*group, f"--deselect={chaos}"])
                for number, group in enumerate(halves(), 1)
            )
            together = [first, second, *together, walk]
            alone.append(Run("PostgreSQL + Redis: the short chaos run", pg, [CHAOS]))
    for number, run in enumerate(together + alone):
        run.junit = os.path.join(folder, f"run{number}.xml")
        run.filtered = bool(args)
    return together, alone, walk


def run_all(runs: list[Run], jobs: int, folder: str) -> None:
    waiting, running = list(runs), []
    try:
        while waiting or running:
            while waiting and len(running) < jobs:
                run = waiting.pop(0)
                run.start(folder)
                running.append(run)
            time.sleep(0.5)
            for run in [run for run in running if run.finished()]:
                running.remove(run)
                run.report()
    finally:  # interrupted: no pytest is left running behind
        for run in running:
            run.process.terminate()
            run.process.wait()


def main(args: list[str]) -> int:
    on_ci = os.environ.get("CI") == "true"
    jobs = int(os.environ.get("TEST_JOBS") or min(2, os.cpu_count() or 1))
    postgres = postgres_reachable() and redis_reachable()
    failures = 0
    if not postgres:
        if on_ci:
            print("PostgreSQL or Redis is not reachable, and CI needs both.", file=sys.stderr)
            failures += 1
        else:
            print("PostgreSQL or Redis not reachable: the PostgreSQL + Redis runs are skipped.")
    with tempfile.TemporaryDirectory() as folder:
        together, alone, walk = plan(args, folder, postgres)
        run_all(together, jobs, folder)
        run_all(alone, 1, folder)
        runs = together + alone
        failures += sum(run.code != 0 for run in runs)
        if walk is not None and on_ci:
            failures += not browser_tests_ran(walk.junit)
        total = {key: sum(run.counts.get(key, 0) for run in runs) for key in ("passed", "failed")}
        skipped = sum(run.counts.get("skipped", 0) for run in runs)
    print()
    for run in runs:
        print(f"{run.label}: exit {run.code}, {run.seconds:.0f} s, {run.counts}")
    print(f"tests: {total['passed']} passed, {total['failed']} failed, {skipped} skipped")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
