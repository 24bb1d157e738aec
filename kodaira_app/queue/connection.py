"""The Redis connection and the queues, named by purpose.

Without REDIS_URL (embedded mode) the queue lives in an in-memory fakeredis server shared by
the web threads and the worker thread of this one process.
"""

from __future__ import annotations

import redis
from flask import Flask, current_app
from rq import Queue

# reports: the tick; mail: everything that writes or sends mail, and the sweepers.
QUEUES = ("reports", "mail")
_fake_servers: dict[str, object] = {}


def get_redis(app: Flask | None = None) -> redis.Redis:
    app = app or current_app
    url = app.config["REDIS_URL"]
    if url:
        # One client (and connection pool) per app and URL, closed by close_redis.
        clients = app.extensions.setdefault("kodaira_redis", {})
        if url not in clients:
            clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        return clients[url]
    import fakeredis

    server = _fake_servers.setdefault(app.config["QUEUE_PREFIX"], fakeredis.FakeServer())
    return fakeredis.FakeRedis(server=server)


def close_redis(app: Flask) -> None:
    """Close the app's Redis connections (end of a test, end of a process)."""
    for client in app.extensions.pop("kodaira_redis", {}).values():
        client.close()


def queue_name(purpose: str, app: Flask | None = None) -> str:
    app = app or current_app
    return f"{app.config['QUEUE_PREFIX']}-{purpose}"


def get_queue(purpose: str, app: Flask | None = None, connection=None) -> Queue:
    app = app or current_app
    return Queue(queue_name(purpose, app), connection=connection or get_redis(app))
