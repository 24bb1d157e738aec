"""`python -m bench.web`: the resident pages under gunicorn, beside a bare Flask page.

In a PostgreSQL database of its own (created, then dropped): the schema and the demo town
(`flask db upgrade`, `flask demo load`). Two gunicorn servers on loopback, 2 sync workers
each: the app (production settings) and a bare Flask page rendering one Jinja loop. wrk
drives トップ, the 見守り input screen and ご利用実績 (logged in as the demo account),
each for --seconds right after the bare page, --rounds times, and prints req/s, the
ratio to the bare page of each pair and the median ratio per page. 利用規約, logged in,
is measured the same way as the floor of every resident page: the layout, the session
check and one text, no data of the account.

    .venv/bin/python -m bench.web [--seconds 10] [--rounds 3] [--connections 32]
        [--before PATH]

Then, in this process, what each page's time is made of: the same requests through Flask's
test client (no HTTP), timed whole, with the time spent in SQL statements (and their number)
and in rendering templates taken out, beside the bare page's time the same way.

--before PATH: a checkout of an earlier commit (`git worktree add PATH COMMIT`) served as a
third gunicorn on the same database, its page measured right after ours in each round:
before and after in the same run.

Needs `wrk` (Debian's; installed with apt-get when missing and run as root).
Targets: トップ >= 0.5 x bare, 見守り input and ご利用実績 >= 0.4 x bare.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import psycopg

PG_SERVER_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
DEMO_EMAIL, DEMO_PASSWORD = "demo@example.com", "kodaira-demo"
TARGETS = {"トップ": 0.5, "見守り input": 0.4, "ご利用実績": 0.4}
FLOOR = "利用規約 (floor)"  # no target: what any logged-in page costs before its data

BARE_TEMPLATE = """<!doctype html><html lang="ja"><head><title>bare</title></head><body>
<ul>{% for item in items %}<li>{{ item.name }}: {{ item.value }}</li>{% endfor %}</ul>
</body></html>"""


def bare_app():
    """The baseline: a Flask app whose one page renders a Jinja loop of 20 items."""
    from flask import Flask, render_template_string

    app = Flask("bare")
    items = [{"name": f"item {i}", "value": i * 7} for i in range(20)]

    @app.get("/")
    def page():
        return render_template_string(BARE_TEMPLATE, items=items)

    return app


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() != 0:
        sys.exit("bench.web needs wrk: apt-get install wrk (as root)")
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True)
    return shutil.which("wrk") or sys.exit("wrk not found after apt-get install")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def create_database() -> tuple[str, str]:
    name = f"kodaira_web_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_SERVER_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{PG_SERVER_URL.rsplit('/', 1)[0]}/{name}"


def drop_database(name: str) -> None:
    with psycopg.connect(PG_SERVER_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_env(database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": uuid.uuid4().hex,
        "DATABASE_URL": database_url,
        "APP_BASE_URL": "http://127.0.0.1",
        # Production settings refuse to start without these; the pages send no mail.
        "ALLOW_HTTP_BASE_URL": "1",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_DEFAULT_SENDER": "小平町水道 <noreply@town.obira.hokkaido.jp>",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "QUEUE_PREFIX": f"kodaira-bench-web-{uuid.uuid4().hex[:8]}",
        "FLASK_APP": "wsgi",
        "PYTHONPATH": ROOT,
    }


def gunicorn(target: str, port: int, env: dict[str, str], root: str = ROOT) -> subprocess.Popen:
    command = [os.path.join(BIN, "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", target]
    env = {**env, "PYTHONPATH": root}
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(command, cwd=root, env=env, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        try:  # the port opens before the workers boot: wait for an answer
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                return proc
        except urllib.error.HTTPError:
            return proc  # it answered
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    log.seek(0)
    sys.exit(f"gunicorn {target} did not start:\n{log.read().decode(errors='replace')[-2000:]}")


def login(base: str) -> tuple[str, dict[str, str]]:
    """The session cookie of the demo account, and the URLs of its first contract's pages."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    top = (
        opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=30)
        .read()
        .decode()
    )
    contract = re.search(r'href="/usage/(\d+)"', top)
    if contract is None:
        sys.exit("the demo login did not reach トップ")
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    number = contract.group(1)
    pages = {
        "トップ": f"{base}/",
        "見守り input": f"{base}/watch/{number}/edit",
        "ご利用実績": f"{base}/usage/{number}",
        FLOOR: f"{base}/terms",
    }
    for label, url in pages.items():  # each page answers 200 to this cookie, no redirect
        with opener.open(url, timeout=30) as response:
            if response.status != 200 or response.url != url:
                sys.exit(f"{label}: {url} answered {response.status} at {response.url}")
    return cookie, pages


def drive(
    wrk: str, url: str, seconds: int, connections: int, cookie: str = "", check: bool = True
) -> float:
    command = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if check and ("Non-2xx" in out or "Socket errors" in out):
        sys.exit(f"wrk saw errors on {url}:\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def measure(
    wrk: str,
    bare_url: str,
    pages: dict[str, str],
    cookie: str,
    args,
    before: tuple[str, dict[str, str]] | None = None,
) -> None:
    """Each page right after the bare page, --rounds times; the median ratio per page.

    The machine is shared: measuring the bare page beside each page, again and again,
    keeps a change in the load around from passing for a change in the app. With
    `before` (the cookie and pages of the --before checkout), its page is measured
    right after ours, in the same round.
    """
    ratios: dict[str, list[float]] = {label: [] for label in pages}
    old: dict[str, list[float]] = {label: [] for label in pages}
    for round_ in range(1, args.rounds + 1):
        for label, page_url in pages.items():
            bare = drive(wrk, bare_url, args.seconds, args.connections)
            ours = drive(wrk, page_url, args.seconds, args.connections, cookie)
            ratios[label].append(ours / bare)
            line = (
                f"round {round_}: {label:<14} {ours:7.0f} req/s  bare {bare:7.0f} req/s"
                f"  = {ours / bare:.2f} x bare"
            )
            if before is not None:
                then = drive(wrk, before[1][label], args.seconds, args.connections, before[0])
                old[label].append(then / bare)
                line += f"  (before: {then:7.0f} req/s = {then / bare:.2f} x bare)"
            print(line, flush=True)
    for label, values in ratios.items():
        ratio = statistics.median(values)
        if label in TARGETS:
            verdict = "met" if ratio >= TARGETS[label] else "MISSED"
            target = f"  target >= {TARGETS[label]}: {verdict}"
        else:
            target = "  (no target: the layout and the session check alone)"
        then = f"  before {statistics.median(old[label]):.2f} x" if old[label] else ""
        print(
            f"{label:<14} median {ratio:.2f} x bare over {len(values)} rounds{target}{then}",
            flush=True,
        )


def breakdown(env: dict[str, str], pages: dict[str, str], cookie: str, requests: int) -> None:
    """Per page, in this process: ms per request, and of it the SQL statements and the
    template rendering; the rest is the request's own Python (session check, forms, ORM
    objects, formatting). The bare page's time is measured the same way."""
    from flask import before_render_template, template_rendered
    from sqlalchemy import event

    os.environ.update({key: value for key, value in env.items() if key != "PYTHONPATH"})
    from kodaira_app import create_app
    from kodaira_app.extensions import db

    app = create_app()
    with app.app_context():
        engine = db.engine
    spent = {"sql": 0.0, "statements": 0, "render": 0.0}
    started: dict[str, float] = {}

    @event.listens_for(engine, "before_cursor_execute")
    def _sql_starts(*_args):
        started["sql"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _sql_ends(*_args):
        spent["sql"] += time.perf_counter() - started["sql"]
        spent["statements"] += 1

    def _render_starts(*_args, **_kwargs):
        started.setdefault("render", time.perf_counter())
        started.setdefault("render_sql", spent["sql"])

    def _render_ends(*_args, **_kwargs):
        # The outermost template only; SQL run while rendering counts as SQL.
        if "render" in started:
            elapsed = time.perf_counter() - started.pop("render")
            spent["render"] += elapsed - (spent["sql"] - started.pop("render_sql"))

    before_render_template.connect(_render_starts, app)
    template_rendered.connect(_render_ends, app)

    def timed(client, url: str, headers: dict[str, str]) -> float:
        for _ in range(20):  # warm: compiled templates and statements, kept header
            client.get(url, headers=headers)
        begin = time.perf_counter()
        for _ in range(requests):
            client.get(url, headers=headers)
        return (time.perf_counter() - begin) * 1000 / requests

    bare_client = bare_app().test_client()
    bare = timed(bare_client, "/", {})
    client = app.test_client(use_cookies=False)  # the cookie goes as a header, as wrk sends it
    headers = {"Cookie": cookie}
    print(f"\nin this process, per request ({requests} requests each):", flush=True)
    print(f"  bare page {bare:5.2f} ms", flush=True)
    for label, url in pages.items():
        path = urllib.parse.urlsplit(url).path
        if client.get(path, headers=headers).status_code != 200:
            sys.exit(f"{label}: {path} did not answer 200 in this process")
        spent.update(sql=0.0, statements=0, render=0.0)
        total = timed(client, path, headers)
        runs = requests + 20
        sql, render = spent["sql"] * 1000 / runs, spent["render"] * 1000 / runs
        print(
            f"  {label:<14} {total:5.2f} ms = {total / bare:4.1f} x bare:"
            f"  SQL {sql:4.2f} ms ({spent['statements'] / runs:.0f} statements)"
            f"  rendering {render:4.2f} ms  the rest {total - sql - render:4.2f} ms",
            flush=True,
        )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="bare + page pairs per page")
    parser.add_argument(
        "--requests", type=int, default=300, help="in-process requests per page (breakdown)"
    )
    parser.add_argument(
        "--before",
        default=None,
        help="a checkout of an earlier commit (git worktree add): its pages measured too",
    )
    args = parser.parse_args(argv)
    wrk = ensure_wrk()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    name, url = create_database()
    servers: list[subprocess.Popen] = []
    try:
        env = app_env(url)
        flask = os.path.join(BIN, "flask")
        for step in (["db", "upgrade"], ["demo", "load"]):
            # The demo loads only in development; the pages are then served as production.
            setup = {**env, "APP_ENV": "development"}
            subprocess.run([flask, *step], cwd=ROOT, env=setup, check=True, capture_output=True)
        app_port, bare_port = free_port(), free_port()
        servers.append(gunicorn("wsgi:app", app_port, env))
        servers.append(gunicorn("bench.web:bare_app()", bare_port, env))
        cookie, pages = login(f"http://127.0.0.1:{app_port}")
        before = None
        if args.before:
            before_port = free_port()
            servers.append(gunicorn("wsgi:app", before_port, env, os.path.abspath(args.before)))
            before = login(f"http://127.0.0.1:{before_port}")
            for page_url in before[1].values():
                drive(wrk, page_url, 2, args.connections, before[0], check=False)
        bare_url = f"http://127.0.0.1:{bare_port}/"
        drive(wrk, bare_url, 2, args.connections, check=False)  # warm-up
        for page_url in pages.values():
            drive(wrk, page_url, 2, args.connections, cookie, check=False)
        measure(wrk, bare_url, pages, cookie, args, before)
        breakdown(env, pages, cookie, args.requests)
    finally:
        for proc in servers:
            proc.terminate()
        for proc in servers:
            proc.wait(timeout=30)
        drop_database(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
