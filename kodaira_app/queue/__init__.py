"""The job queue: Redis and the queues by purpose (`connection`), enqueueing now or after
the commit (`enqueue`), the periodic jobs in one list (`periodic`) and the one worker that
runs them all (`worker`).

Jobs are plain functions named by dotted path; they take row ids and run in the
application context of the worker that picked them up.
"""

from kodaira_app.queue.connection import QUEUES, close_redis, get_queue, get_redis, queue_name
from kodaira_app.queue.enqueue import enqueue_after_commit, enqueue_batches, enqueue_now, init_app

__all__ = [
    "QUEUES",
    "close_redis",
    "enqueue_after_commit",
    "enqueue_batches",
    "enqueue_now",
    "get_queue",
    "get_redis",
    "init_app",
    "queue_name",
]
