"""The app that jobs run in.

Jobs are plain functions enqueued by dotted name; `app_context` gives each one an
application context: the caller's when there is one (tests, embedded mode), otherwise
the one app that worker.py built for this process.
"""

from __future__ import annotations

import functools

from flask import Flask, has_app_context

_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _app
    _app = app


def get_worker_app() -> Flask:
    global _app
    if _app is None:
        from kodaira_app import create_app

        _app = create_app()
    return _app


def app_context(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if has_app_context():
            return fn(*args, **kwargs)
        with get_worker_app().app_context():
            return fn(*args, **kwargs)

    return wrapper
