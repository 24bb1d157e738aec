"""`make test`: the whole suite on SQLite, then again on PostgreSQL + Redis.

PostgreSQL is used when TEST_DATABASE_URL (or the local server at 127.0.0.1:5432) answers;
on CI (CI=true) it must answer, and so must Redis. The browser walk (tests/e2e) runs once,
in the PostgreSQL pass. Extra arguments go to pytest.
"""

from __future__ import annotations

import os
import subprocess
import sys

import redis

from tests.support.database import postgres_reachable

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping())
    except redis.exceptions.RedisError:
        return False


def pytest(label: str, env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== tests on {label} ===", flush=True)
    code = subprocess.call([sys.executable, "-m", "pytest", *args], env=env)
    return 0 if code == 5 and args else code  # 5: a -k filter matched nothing here


def main(args: list[str]) -> int:
    on_ci = os.environ.get("CI") == "true"
    base = dict(os.environ)
    failures = 0
    failures += pytest("SQLite, embedded queue", {**base, "TEST_DB": "sqlite"},
                       ["--ignore=tests/e2e", *args]) != 0
    if postgres_reachable() and redis_reachable():
        env = {**base, "TEST_DB": "postgres", "TEST_REDIS_URL": REDIS_URL}
        failures += pytest("PostgreSQL + Redis", env, args) != 0
    elif on_ci:
        print("PostgreSQL or Redis is not reachable, and CI needs both.", file=sys.stderr)
        failures += 1
    else:
        print("\nPostgreSQL or Redis not reachable: the PostgreSQL + Redis pass was skipped.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
