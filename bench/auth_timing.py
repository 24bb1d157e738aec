"""Equal answers in equal time: the account pages timed for a known and an unknown address.

For each pair (login with a wrong password, sign-up, password reset, resend of the
confirmation mail) the request is sent --tries times (200) for the known address and as
often for an unknown one, interleaved, through Flask's test client on a SQLite file with
the production password hash; the medians are printed side by side. The failure counters
are emptied between tries, so no answer comes from a lock-out.

    .venv/bin/python -m bench.auth_timing [--tries 200]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

PASSWORD = "correct horse battery"


def build_app(folder: Path):
    import logging

    from flask_migrate import upgrade

    from kodaira_app import create_app

    logging.getLogger("alembic").setLevel(logging.WARNING)
    app = create_app(
        {
            "APP_ENV": "testing",
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "WTF_CSRF_ENABLED": False,
            "REDIS_URL": "",  # the embedded queue: jobs wait, nobody works them
            "QUEUE_PREFIX": f"kodaira-bench-{uuid.uuid4().hex[:8]}",
            "MAIL_SUPPRESS_SEND": True,
            "PASSWORD_HASH_METHOD": "scrypt",
        }
    )
    with app.app_context():
        upgrade()
    return app


def seed() -> None:
    from werkzeug.security import generate_password_hash

    from kodaira_app.extensions import db
    from kodaira_app.models import Account
    from kodaira_app.timeutil import utcnow

    hashed = generate_password_hash(PASSWORD, method="scrypt")
    db.session.add(
        Account(email="known@example.com", password_hash=hashed, email_confirmed_at=utcnow())
    )
    db.session.add(Account(email="waiting@example.com", password_hash=hashed))
    db.session.commit()


def forget_failures() -> None:
    from sqlalchemy import delete

    from kodaira_app.extensions import db
    from kodaira_app.models import ThrottleEvent

    db.session.execute(delete(ThrottleEvent))
    db.session.commit()


def timed(client, path: str, data: dict) -> float:
    forget_failures()
    started = time.perf_counter()
    response = client.post(path, data=data)
    elapsed = time.perf_counter() - started
    if response.status_code not in (200, 302):
        raise SystemExit(f"{path} answered {response.status_code}")
    return elapsed


def pairs() -> list[tuple[str, str, callable, callable]]:
    """(name, path, data for the known address, data for an unknown one)."""

    def fresh() -> str:
        return f"new-{uuid.uuid4().hex[:12]}@example.com"

    signup = {"password": "mizu-no-himitsu", "password_confirm": "mizu-no-himitsu", "agree": "y"}
    return [
        (
            "login (wrong password)",
            "/login",
            lambda: {"email": "known@example.com", "password": "not the password"},
            lambda: {"email": fresh(), "password": "not the password"},
        ),
        (
            "sign-up",
            "/signup",
            lambda: {"email": "known@example.com", **signup},
            lambda: {"email": fresh(), **signup},
        ),
        (
            "password reset",
            "/reset",
            lambda: {"email": "known@example.com"},
            lambda: {"email": fresh()},
        ),
        (
            "resend confirmation",
            "/confirm/resend",
            lambda: {"email": "waiting@example.com"},
            lambda: {"email": fresh()},
        ),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(Path(folder))
        with app.app_context():
            seed()
            client = app.test_client()
            print(f"medians of {args.tries} tries each, production hash (scrypt), SQLite")
            print(f"{'request':<24}{'known':>10}{'unknown':>10}{'diff':>9}")
            for name, path, known, unknown in pairs():
                timed(client, path, known())  # warm-up: imports, the dummy hash, caches
                timed(client, path, unknown())
                a, b = [], []
                for i in range(args.tries):
                    # Alternate which goes first, so that neither pays for the other.
                    if i % 2:
                        b.append(timed(client, path, unknown()))
                        a.append(timed(client, path, known()))
                    else:
                        a.append(timed(client, path, known()))
                        b.append(timed(client, path, unknown()))
                ka, kb = statistics.median(a) * 1000, statistics.median(b) * 1000
                print(f"{name:<24}{ka:>8.1f}ms{kb:>8.1f}ms{kb - ka:>+7.1f}ms", flush=True)
            from kodaira_app.extensions import db

            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
