"""Equal answers in equal time: a known and an unknown address take the same path.

Timing itself is measured by bench/auth_timing.py; here the path is proved: the same SQL
statements in the same order, the same password-hash work, the same job enqueued.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from kodaira_app.auth import accounts
from kodaira_app.extensions import db
from tests.support.accounts import make_account

REAL_GENERATE = accounts.generate_password_hash
REAL_CHECK = accounts.check_password_hash
SIGNUP = {"password": "mizu-no-himitsu", "password_confirm": "mizu-no-himitsu", "agree": "y"}


def work_of(client, monkeypatch, path: str, data: dict) -> dict:
    """What one POST did: its SQL (parameters left out), hash calls and queued jobs."""
    statements: list[str] = []
    hashes: list[str] = []
    jobs: list[str] = []

    def on_sql(conn, cursor, statement, parameters, context, executemany):
        statements.append(re.sub(r"\s+", " ", statement))

    monkeypatch.setattr(
        accounts,
        "generate_password_hash",
        lambda *a, **k: hashes.append("make") or REAL_GENERATE(*a, **k),
    )
    monkeypatch.setattr(
        accounts, "check_password_hash", lambda *a: hashes.append("check") or REAL_CHECK(*a)
    )
    monkeypatch.setattr(accounts, "enqueue_now", lambda func, *args, **kw: jobs.append(func))
    event.listen(db.engine, "before_cursor_execute", on_sql)
    try:
        response = client.post(path, data=data)
    finally:
        event.remove(db.engine, "before_cursor_execute", on_sql)
    return {
        "status": response.status_code,
        "location": response.headers.get("Location"),
        "sql": statements,
        "hashes": hashes,
        "jobs": jobs,
    }


@pytest.fixture
def known(app):
    make_account("known@example.com")
    make_account("waiting@example.com", confirmed=False)
    accounts._dummy_hash(app.config["PASSWORD_HASH_METHOD"])  # made once per process


@pytest.mark.parametrize(
    ("path", "known_data", "unknown_data"),
    [
        (
            "/signup",
            {"email": "known@example.com", **SIGNUP},
            {"email": "new@example.com", **SIGNUP},
        ),
        ("/reset", {"email": "known@example.com"}, {"email": "nobody@example.com"}),
        ("/confirm/resend", {"email": "waiting@example.com"}, {"email": "nobody@example.com"}),
    ],
    ids=["signup", "reset", "resend"],
)
def test_mail_requests_take_the_same_path_for_known_and_unknown_addresses(
    client, monkeypatch, known, path, known_data, unknown_data
):
    a = work_of(client, monkeypatch, path, known_data)
    b = work_of(client, monkeypatch, path, unknown_data)
    assert a == b
    assert a["status"] == 302 and len(a["jobs"]) == 1  # the deciding is left to the job


def test_login_takes_the_same_path_for_a_wrong_password_and_an_unknown_address(
    client, monkeypatch, known
):
    wrong = work_of(client, monkeypatch, "/login", {"email": "known@example.com", "password": "x"})
    unknown = work_of(client, monkeypatch, "/login", {"email": "no@example.com", "password": "x"})
    assert wrong == unknown
    assert wrong["hashes"] == ["check"]  # one hash check, no hash made


def test_login_dummy_hash_is_computed_once(client, monkeypatch, app):
    accounts._dummy_hash.cache_clear()
    made: list[str] = []
    monkeypatch.setattr(
        accounts,
        "generate_password_hash",
        lambda *a, **k: made.append(a[0]) or REAL_GENERATE(*a, **k),
    )
    for n in range(3):
        client.post("/login", data={"email": f"nobody{n}@example.com", "password": "guess"})
    assert made == ["not a password"]


def test_signup_job_decides_the_mail_for_known_and_new_addresses(client, smtp, run_jobs):
    make_account("known@example.com")
    client.post("/signup", data={"email": "known@example.com", **SIGNUP})
    client.post("/signup", data={"email": "new@example.com", **SIGNUP})
    assert smtp.messages == []  # nothing decided in the request
    run_jobs()
    subjects = {m["To"]: m["Subject"] for m in smtp.messages}
    assert subjects == {
        "known@example.com": "【小平町水道アプリ】このメールアドレスは登録済みです",
        "new@example.com": "【小平町水道アプリ】メールアドレスの確認",
    }
