"""The queue worker: `python worker.py` works the `reports` and `mail` queues on Redis and
enqueues the periodic jobs (kodaira_app/queue/periodic.py) at the start of every minute.

    python worker.py                  the worker, its RQ scheduler and the periodic jobs
    python worker.py --burst          work what is queued now, then exit
    python worker.py --no-periodic    the worker only (another process enqueues the jobs)

Run as many as you like; the periodic jobs are idempotent, so duplicates are harmless.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from kodaira_app import create_app
from kodaira_app.config import ConfigError
from kodaira_app.extensions import db
from kodaira_app.queue.worker import build_worker, periodic_loop


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO)
    try:
        app = create_app()
    except ConfigError as exc:  # one line saying what to set, not a traceback
        print(exc, file=sys.stderr)
        return 2
    if not app.config["REDIS_URL"]:
        print("REDIS_URL is not set: `make run` works the queue in-process.", file=sys.stderr)
        return 2
    with app.app_context():
        engine = db.engine
    # RQ runs each job in a forked child: it must not reuse the parent's pooled connections.
    os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
    burst = "--burst" in argv
    stop = threading.Event()
    if not burst and "--no-periodic" not in argv:
        threading.Thread(target=periodic_loop, args=(app, stop), daemon=True).start()
    try:
        build_worker(app, burst=burst).run(logging_level="INFO")
    finally:
        stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
