"""`make test`: the whole suite on SQLite, then again on PostgreSQL + Redis.

PostgreSQL is used when TEST_DATABASE_URL (or the local server at 127.0.0.1:5432) answers;
on CI (CI=true) it must answer, and so must Redis. The browser walk (tests/e2e) runs once,
in the PostgreSQL pass. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

import redis

from tests.support.database import postgres_reachable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping())
    except redis.exceptions.RedisError:
        return False


def pytest(label: str, env: dict[str, str], args: list[str], report: str | None = None) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    junit = [f"--junitxml={report}"] if report else []
    code = subprocess.call([sys.executable, "-m", "pytest", *junit, *args], env=env)
    return 0 if code == 5 and args else code  # 5: a -k filter matched nothing here


def browser_tests_ran(junit_xml: str) -> bool:
    """CI must run the browser walk: at least one test of tests/e2e, none of them skipped."""
    try:
        cases = ET.parse(junit_xml).getroot().iter("testcase")
    except (OSError, ET.ParseError):
        print(
            "No test report of the PostgreSQL pass to check the browser tests in.", file=sys.stderr
        )
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


def main(args: list[str]) -> int:
    on_ci = os.environ.get("CI") == "true"
    base = dict(os.environ)
    failures = 0
    failures += (
        pytest(
            "SQLite, embedded queue", {**base, "TEST_DB": "sqlite"}, ["--ignore=tests/e2e", *args]
        )
        != 0
    )
    if postgres_reachable() and redis_reachable():
        env = {**base, "TEST_DB": "postgres", "TEST_REDIS_URL": REDIS_URL}
        with tempfile.TemporaryDirectory() as tmp:
            junit_xml = os.path.join(tmp, "postgres.xml")
            failures += pytest("PostgreSQL + Redis", env, args, report=junit_xml) != 0
            if on_ci and not args:
                failures += not browser_tests_ran(junit_xml)
    elif on_ci:
        print("PostgreSQL or Redis is not reachable, and CI needs both.", file=sys.stderr)
        failures += 1
    else:
        print("\nPostgreSQL or Redis not reachable: the PostgreSQL + Redis pass was skipped.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
