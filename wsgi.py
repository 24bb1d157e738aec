"""WSGI entry point: `gunicorn wsgi:app`. `python wsgi.py` serves for development."""

import logging
import os
import sys

from kodaira_app import create_app
from kodaira_app.config import ConfigError, wants_startup_check

try:
    app = create_app(check=wants_startup_check(sys.argv))
except ConfigError as exc:  # one line saying what to set, not a traceback
    sys.exit(str(exc))

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if not app.config["REDIS_URL"] or app.config["EMBEDDED_WORKER"]:
        # Embedded mode: this one process works the queue.
        from kodaira_app.queue.worker import start_embedded_worker

        start_embedded_worker(app)
    app.run(host="127.0.0.1", port=int(os.environ.get("PORT", "5000")), use_reloader=False)
