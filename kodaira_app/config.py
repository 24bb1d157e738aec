"""Configuration, read once from environment variables.

Fails closed: without APP_ENV the app is in production, and outside development (and the
test suite's "testing") it refuses to start until `problems()` finds nothing. `make run`
says APP_ENV=development; only there do the embedded defaults (a public secret key, http,
no SMTP server, no Redis) apply.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"

# Only these may run on the embedded defaults; anything else (or nothing) is production.
RELAXED_ENVS = frozenset({"development", "testing"})
DEVELOPMENT_SECRET = "development-only-secret-key"  # nosec B105  # development and tests only
MIN_SECRET_BYTES = 32
MIN_SECRET_DISTINCT = 10


# Domains that never receive or vouch for mail (RFC 2606, RFC 6761): a sender there is the
# development default or a placeholder, and carriers' filters drop its mails.
RESERVED_MAIL_DOMAINS = ("example.com", "example.net", "example.org")
RESERVED_MAIL_TLDS = ("localhost", "example", "invalid", "test", "local")


def sender_on_real_domain(sender: str) -> bool:
    """「小平町水道 <noreply@suido.town.jp>」: an address whose domain can exist."""
    _, address = parseaddr(sender or "")
    local, at, domain = address.rpartition("@")
    domain = domain.lower().rstrip(".")
    if not (local and at and "." in domain):
        return False
    if domain.rsplit(".", 1)[1] in RESERVED_MAIL_TLDS:
        return False
    return not any(domain == d or domain.endswith("." + d) for d in RESERVED_MAIL_DOMAINS)


class ConfigError(RuntimeError):
    """The environment does not describe a runnable app."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from exc


def _seconds_list(env: dict[str, str], name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        values = tuple(int(part) for part in raw.split(","))
    except ValueError as exc:
        raise ConfigError(f"{name} must be whole seconds separated by commas, got {raw!r}") from exc
    if not values or min(values) < 1:
        raise ConfigError(f"{name} must list at least one wait of 1 second or more")
    return values


def engine_options(uri: str, options: dict[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS for this database.

    PostgreSQL: psycopg does not prepare statements (prepare_threshold None). Prepared after
    five runs on a connection, a statement may be given one generic plan for every value,
    and for a range of window starts that plan reads far more rows than the range holds:
    the send job's usual use took seven times as long. Unprepared, each run is planned for
    its own values. It also suits a PgBouncer in transaction mode.
    """
    if not uri.startswith("postgresql"):
        return options
    connect_args = {"prepare_threshold": None, **options.get("connect_args", {})}
    return {**options, "connect_args": connect_args}


def _database_url(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'kodaira.sqlite3'}"
    # Hosting platforms still hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# 問い合わせ先 of the demo town's water office (fictional numbers): the development default,
# so that `make run` shows a complete footer. A deployment sets its own.
DEMO_CONTACT = {
    "CONTACT_OFFICE_NAME": "小平町 建設課 上下水道係",
    "CONTACT_ADDRESS": "〒078-3392 北海道留萌郡小平町字小平町999番地",
    "CONTACT_PHONE": "0164-56-0011",
    "CONTACT_HOURS": "平日 8:30〜17:15（土日・祝日・年末年始を除く）",
    "CONTACT_EMERGENCY_PHONE": "0164-56-0019",
}


def _contact(env: dict[str, str], app_env: str) -> dict[str, str]:
    demo = app_env in {"development", "testing"}
    return {name: env.get(name) or (value if demo else "") for name, value in DEMO_CONTACT.items()}


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from `env` (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    app_env = env.get("APP_ENV", "") or "production"
    secret = env.get("SECRET_KEY", "")
    if not secret and app_env in RELAXED_ENVS:
        secret = DEVELOPMENT_SECRET
    mail_server = env.get("MAIL_SERVER", "")
    base_url = env.get("APP_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    https = base_url.startswith("https://")
    return {
        "APP_ENV": app_env,
        "TESTING": app_env == "testing",
        "SECRET_KEY": secret,
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "scrypt"),
        "SQLALCHEMY_DATABASE_URI": _database_url(env),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": env.get("REDIS_URL", ""),
        # Queue names get this prefix, so that two test runs on one Redis never meet.
        "QUEUE_PREFIX": env.get("QUEUE_PREFIX", "kodaira"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int(env, "MAIL_PORT", 25),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "小平町水道 <noreply@localhost>"),
        "MAIL_TIMEOUT": _int(env, "MAIL_TIMEOUT", 20),
        # Without an SMTP server every mail is kept in the outbox table and logged.
        "MAIL_SUPPRESS_SEND": not mail_server,
        "APP_BASE_URL": base_url,
        # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted;
        # behind nginx set 1, or every visitor shares the proxy's address in throttling.
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "SERVER_NAME": None,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "TIMEZONE": env.get("TIMEZONE", "Asia/Tokyo"),
        "WATCH_WINDOW_HOURS": _int(env, "WATCH_WINDOW_HOURS", 6),
        "REPORT_DELAY_MINUTES": _int(env, "REPORT_DELAY_MINUTES", 30),
        "REPORT_LATE_HOURS": _int(env, "REPORT_LATE_HOURS", 24),
        "REPORT_MISSED_LOOKBACK_DAYS": _int(env, "REPORT_MISSED_LOOKBACK_DAYS", 7),
        # 異変のお知らせ (kodaira_app/alerts/): the rules' defaults and thresholds.
        "ALERT_FLOW_HOURS": _int(env, "ALERT_FLOW_HOURS", 3),
        "ALERT_FLOW_LITERS": _int(env, "ALERT_FLOW_LITERS", 60),
        "ALERT_IDLE_HOURS": _int(env, "ALERT_IDLE_HOURS", 12),
        "ALERT_NODATA_HOURS": _int(env, "ALERT_NODATA_HOURS", 6),
        "ALERT_LEAK_HOURS": _int(env, "ALERT_LEAK_HOURS", 24),
        "ALERT_TOWN_SILENT_PERCENT": _int(env, "ALERT_TOWN_SILENT_PERCENT", 20),
        "ALERT_TOWN_MIN_METERS": _int(env, "ALERT_TOWN_MIN_METERS", 10),
        "ALERT_HELPER_AFTER_HOURS": _int(env, "ALERT_HELPER_AFTER_HOURS", 2),
        "ALERT_STAFF_EMAIL": env.get("ALERT_STAFF_EMAIL", ""),
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": env.get("TIMEZONE", "Asia/Tokyo"),
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "translations"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": https,
        "WTF_CSRF_TIME_LIMIT": None,
        # Bodies: MAX_UPLOAD_MB for the CSV uploads and the API only, MAX_FORM_KB for every
        # other request (kodaira_app/web.py sets it per request).
        "MAX_UPLOAD_MB": _int(env, "MAX_UPLOAD_MB", 200),
        "MAX_FORM_KB": _int(env, "MAX_FORM_KB", 64),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_FORM_KB", 64) * 1024,
        # 「通知先に登録されました」 notices one address may get in 24 hours, all accounts together.
        "NOTICE_DAILY_LIMIT_PER_ADDRESS": _int(env, "NOTICE_DAILY_LIMIT_PER_ADDRESS", 5),
        # In-process queue worker for `make run` without Redis.
        "EMBEDDED_WORKER": _bool(env.get("EMBEDDED_WORKER")),
        # The staff console signs a clerk out after this many minutes without a request.
        "STAFF_IDLE_MINUTES": _int(env, "STAFF_IDLE_MINUTES", 30),
        # 問い合わせ先 shown in the footer of every page and mail (empty: not shown).
        **_contact(env, app_env),
        # ... and this many hours after the login, however busy.
        "STAFF_SESSION_MAX_HOURS": _int(env, "STAFF_SESSION_MAX_HOURS", 8),
        # A resident's login lasts at most this long ("remember me" included).
        "REMEMBER_COOKIE_DURATION": timedelta(days=_int(env, "REMEMBER_DAYS", 30)),
        # Without "remember me", a resident's session ends after this long unused.
        "SESSION_IDLE_HOURS": _int(env, "SESSION_IDLE_HOURS", 12),
        # A closed network may serve plain http on purpose; nobody else should.
        "ALLOW_HTTP_BASE_URL": _bool(env.get("ALLOW_HTTP_BASE_URL")),
        # Processes serving the app (gunicorn sets it): the embedded worker needs exactly one.
        "WEB_CONCURRENCY": _int(env, "WEB_CONCURRENCY", 1),
        # Mail bodies in the outbox are blanked after this many days.
        "OUTBOX_RETENTION_DAYS": _int(env, "OUTBOX_RETENTION_DAYS", 90),
        # Readings older than this many months (the current one included) are dropped.
        "READINGS_RETENTION_MONTHS": _int(env, "READINGS_RETENTION_MONTHS", 25),
        # Window evaluations, their deliveries and those deliveries' mails older than this
        # many months (the current one included) are deleted (見守り履歴 shows 60 days).
        "REPORTS_RETENTION_MONTHS": _int(env, "REPORTS_RETENTION_MONTHS", 13),
        # The mail pipeline's clock (kodaira_app/mailer/pipeline.py): the waits between
        # attempts after a temporary failure (out of attempts after the last), how long a
        # queued row or pending delivery waits before the sweeper decides Redis lost its job,
        # and when a claim belongs to a dead worker. bench/chaos.py shortens them all.
        "MAIL_RETRY_SECONDS": _seconds_list(env, "MAIL_RETRY_SECONDS", (30, 120, 600, 1800, 3600)),
        "QUEUE_LOST_AFTER_SECONDS": _int(env, "QUEUE_LOST_AFTER_SECONDS", 300),
        "MAIL_STALE_CLAIM_SECONDS": _int(env, "MAIL_STALE_CLAIM_SECONDS", 900),
        # The periodic jobs' minute: every-minute jobs run this often, hourly ones 60 times
        # as seldom. 60 outside a chaos run.
        "PERIODIC_MINUTE_SECONDS": _int(env, "PERIODIC_MINUTE_SECONDS", 60),
    }


def problems(config: Mapping[str, Any]) -> list[str]:
    """What a non-development configuration lacks, one line each (empty: it may start)."""
    found = []
    secret = str(config.get("SECRET_KEY") or "")
    # Repeated words pass a length test; a random key has many distinct characters.
    if (
        len(secret.encode()) < MIN_SECRET_BYTES
        or len(set(secret)) < MIN_SECRET_DISTINCT
        or secret == DEVELOPMENT_SECRET
    ):
        found.append(
            f"set SECRET_KEY to a random value of at least {MIN_SECRET_BYTES} bytes "
            '(python -c "import secrets; print(secrets.token_urlsafe(48))")'
        )
    if not str(config.get("APP_BASE_URL", "")).startswith("https://") and not config.get(
        "ALLOW_HTTP_BASE_URL"
    ):
        found.append(
            "set APP_BASE_URL to the https:// address residents open "
            "(or ALLOW_HTTP_BASE_URL=1 on a closed network)"
        )
    if not config.get("MAIL_SERVER"):
        found.append("set MAIL_SERVER to the SMTP server that sends the mails")
    if not sender_on_real_domain(str(config.get("MAIL_DEFAULT_SENDER") or "")):
        found.append(
            "set MAIL_DEFAULT_SENDER to the From: address on the town's own mail domain "
            "(e.g. 小平町水道 <noreply@town.obira.hokkaido.jp>), not localhost, "
            "example or invalid"
        )
    if not config.get("REDIS_URL"):
        if not config.get("EMBEDDED_WORKER"):
            found.append(
                "set REDIS_URL (and run worker.py), or EMBEDDED_WORKER=1 for a single process"
            )
        elif int(config.get("WEB_CONCURRENCY") or 1) != 1:
            found.append("set REDIS_URL: EMBEDDED_WORKER works only with WEB_CONCURRENCY=1")
    return found


def is_relaxed(config: Mapping[str, Any]) -> bool:
    """Development and the test suite: the embedded defaults are allowed."""
    return config.get("APP_ENV") in RELAXED_ENVS


def require_runnable(config: Mapping[str, Any]) -> None:
    """Refuse to start outside development with one line saying what to set."""
    if is_relaxed(config):
        return
    found = problems(config)
    if found:
        raise ConfigError(f"APP_ENV={config.get('APP_ENV')} refuses to start: " + "; ".join(found))


def wants_startup_check(argv: list[str]) -> bool:
    """False only for `flask config check`, which must load a weak configuration to list it."""
    return argv[-2:] != ["config", "check"]
