"""The short chaos run (bench/chaos.py --short) in the PostgreSQL + Redis pass: real worker
processes killed, Redis restarted empty and a flaky SMTP server stopped while a tick's
mails go out; it fails when one mail is lost or arrives twice outside the crash window."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.database import PG_SERVER_URL

ROOT = Path(__file__).resolve().parents[2]
TEST_DB = os.environ.get("TEST_DB", "sqlite")


@pytest.mark.slow
@pytest.mark.skipif(TEST_DB != "postgres", reason="real processes on PostgreSQL (that pass)")
@pytest.mark.skipif(not shutil.which("redis-server"), reason="needs redis-server to start one")
def test_short_chaos_run_loses_no_mail():
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CHAOS_DATABASE_URL": PG_SERVER_URL.replace("postgresql+psycopg://", "postgresql://"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench.chaos", "--short"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = done.stdout + done.stderr[-3000:]
    assert done.returncode == 0, out
    lines = {line.split()[0]: line for line in done.stdout.splitlines() if line.strip()}
    assert lines["lost"].split()[1] == "0", out
    # Every planned mail arrived. The workers' periodic jobs may write more mails of their own
    # (the alerts' leak notice for a home that used water in every hour, say): those are
    # counted too, and "lost" covers them as well.
    delivered, planned = (int(n.replace(",", "")) for n in lines["delivered"].split()[1:4:2])
    assert planned == 2_200 and delivered >= planned, out
