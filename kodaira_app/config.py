"""Configuration, read once from environment variables.

Every setting has a development default so that `make run` works on a fresh machine;
outside development, SECRET_KEY must be set or the app refuses to start.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


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


def _database_url(env: dict[str, str]) -> str:
    url = env.get("DATABASE_URL", "")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'kodaira.sqlite3'}"
    # Hosting platforms still hand out postgres:// URLs; SQLAlchemy wants a driver name.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def load_config(env: dict[str, str] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from `env` (default: os.environ)."""
    env = dict(os.environ if env is None else env)
    app_env = env.get("APP_ENV", "development")
    secret = env.get("SECRET_KEY", "")
    if not secret:
        if app_env not in {"development", "testing"}:
            raise ConfigError("SECRET_KEY must be set when APP_ENV is not development")
        secret = "development-only-secret-key"
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
        "MAX_CONTENT_LENGTH": _int(env, "MAX_UPLOAD_MB", 200) * 1024 * 1024,
        # In-process queue worker for `make run` without Redis.
        "EMBEDDED_WORKER": _bool(env.get("EMBEDDED_WORKER")),
        # The staff console signs a clerk out after this many minutes without a request.
        "STAFF_IDLE_MINUTES": _int(env, "STAFF_IDLE_MINUTES", 30),
        # Readings older than this many months (the current one included) are dropped.
        "READINGS_RETENTION_MONTHS": _int(env, "READINGS_RETENTION_MONTHS", 25),
    }
