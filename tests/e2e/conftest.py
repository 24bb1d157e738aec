"""The browser walk's world: one real server process, a real SMTP server, Debian's Chromium.

Per session (TEST_DB=postgres only): a PostgreSQL database of its own, migrated like a
deployment; an aiosmtpd server on loopback; `python wsgi.py` on a free port and
`python worker.py` on the real Redis; one Chromium. Each page the walk visits is checked
with axe-core (WCAG 2.1 A/AA) and watched for Content-Security-Policy refusals;
tests/e2e/test_zz_accessibility.py reports them. With GUIDE_SCREENSHOTS=1 (`make guide`)
the walk also saves its screenshots to static/guide/<locale>/. With GUIDE_LOCALE set to
another language than Japanese, only the resident's walk (test_walk.py) runs, in that
language (see tests/e2e/screens.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.e2e import screens
from tests.support import database
from tests.support.mailbox import SMTPServer, free_port, text_body

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = screens.PROJECT_ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PHONE = screens.PHONE
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "mizu-mimamori-2026"
TEST_DB = os.environ.get("TEST_DB", "sqlite")
ON_CI = os.environ.get("CI") == "true"
SCREENSHOTS = os.environ.get("GUIDE_SCREENSHOTS") == "1"
# The modules that run in every language of the guide (GUIDE_LOCALE).
LANGUAGE_WALK = ("test_walk.py", "test_zz_accessibility.py")


def pytest_report_header(config):
    if TEST_DB != "postgres":
        return "browser walk (tests/e2e): not run, it needs TEST_DB=postgres (`make e2e`)"
    return f"browser walk (tests/e2e): in {screens.LOCALE} (GUIDE_LOCALE)"


def pytest_collection_modifyitems(config, items):
    """The walk runs in the PostgreSQL + Redis pass only.

    Its reports are sent by a real worker process with the periodic tick off, so that only
    the walk's `flask reports run --at …` decides which windows are reported; the embedded
    queue of the SQLite pass would run the tick on the real clock in the server.
    """
    walk = [item for item in items if "tests/e2e/" in item.nodeid]
    for item in walk:
        item.add_marker(pytest.mark.e2e)
    if TEST_DB != "postgres" and walk:
        left_out = walk
    else:
        # In another language only the resident's walk (and the audit of its pages) runs:
        # the keyboard and staff walks are written for the Japanese screens.
        left_out = [item for item in walk if not in_language_walk(item.nodeid)]
    if left_out:
        items[:] = [item for item in items if item not in left_out]
        config.hook.pytest_deselected(items=left_out)


def in_language_walk(nodeid: str) -> bool:
    if screens.LOCALE == "ja":
        return True
    return any(f"tests/e2e/{name}" in nodeid for name in LANGUAGE_WALK)


def pytest_sessionfinish(session, exitstatus):
    # The record of what the screenshots show is written only for a walk that passed.
    if SCREENSHOTS and exitstatus == 0 and session.testscollected:
        screens.write_record()


def _missing(what: str) -> None:
    message = f"{what} (run `make browser`)"
    if ON_CI:
        pytest.fail(f"CI must run the browser tests: {message}", pytrace=False)
    pytest.skip(message)


# --- the app under test, as real processes -------------------------------------------


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    logs: Path
    smtp: SMTPServer
    database_url: str
    processes: list[subprocess.Popen] = field(default_factory=list)

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        """Run a `flask` command against the same database, queue and SMTP server."""
        return subprocess.run(
            [sys.executable, "-m", "flask", *args],
            env=self.env,
            cwd=screens.PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def log_tail(self, lines: int = 60) -> str:
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    def wait_for_mail(self, to: str, count: int = 1, timeout: float = 30.0, match=None):
        """The mails that arrived for `to` (at least `count` of them, matching `match`)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.smtp.to(to) if match is None or match(m)]
            if len(found) >= count or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert len(found) >= count, (
            f"expected {count} mail(s) to {to}, got {len(found)}; "
            f"all received: {[(m['To'], m['Subject']) for m in self.smtp.messages]}\n"
            + self.log_tail()
        )
        return found

    def link_in_mail(self, to: str, match=None) -> str:
        body = text_body(self.wait_for_mail(to, match=match)[-1])
        links = re.findall(re.escape(self.url) + r"/\S+", body)
        assert links, f"no link to {self.url} in the mail to {to}:\n{body}"
        return links[0]


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server process ended with code {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not answer within {timeout} s")


@pytest.fixture(scope="session")
def live_database(tmp_path_factory):
    # Its own database: the other tests of the session empty theirs after each test.
    with database.migrated_database(TEST_DB, tmp_path_factory.mktemp("e2e-db")) as url:
        yield url


@pytest.fixture(scope="session")
def live_server(live_database, tmp_path_factory):
    smtp = SMTPServer()
    smtp.start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "REDIS_", "MAIL_", "EMBEDDED_", "APP_", "QUEUE_"))
    }
    env.update(
        {
            "APP_ENV": "development",
            "SECRET_KEY": "e2e-secret-" + uuid.uuid4().hex,
            "DATABASE_URL": live_database,
            "REDIS_URL": redis_url,
            "QUEUE_PREFIX": f"kodaira-e2e-{uuid.uuid4().hex[:12]}",
            "MAIL_SERVER": smtp.host,
            "MAIL_PORT": str(smtp.port),
            "MAIL_TIMEOUT": "5",
            "APP_BASE_URL": url,
            "PASSWORD_HASH_METHOD": "scrypt:16384:8:1",
            "PORT": str(port),
            "FLASK_APP": "wsgi",
            "PYTHONUNBUFFERED": "1",
        }
    )
    logs = tmp_path_factory.mktemp("e2e-logs")
    server = LiveServer(url=url, env=env, logs=logs, smtp=smtp, database_url=live_database)
    commands = {
        "web": [sys.executable, "wsgi.py"],
        # The periodic jobs stay off: see pytest_collection_modifyitems.
        "worker": [sys.executable, "worker.py", "--no-periodic"],
    }
    for name, command in commands.items():
        log = open(logs / f"{name}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            command, env=env, cwd=screens.PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        server.processes.append(process)
    try:
        try:
            _wait_until_up(url, server.processes[0])
        except RuntimeError as exc:
            pytest.fail(f"{exc}\n{server.log_tail()}", pytrace=False)
        yield server
    finally:
        for process in server.processes:
            process.terminate()
        for process in server.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        smtp.stop()
        _clear_queues(env)


def _clear_queues(env: dict[str, str]) -> None:
    import redis

    connection = redis.Redis.from_url(env["REDIS_URL"])
    keys = list(connection.scan_iter(match=f"rq:*{env['QUEUE_PREFIX']}*", count=1000))
    if keys:
        connection.delete(*keys)
    connection.close()


@pytest.fixture(scope="session")
def arrange(live_server):
    """An app on the walk's database, for the rows that come from outside the app."""
    from kodaira_app import create_app
    from kodaira_app.extensions import db

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": live_server.database_url})
    yield app
    with app.app_context():
        db.engine.dispose()


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is not installed")
    if not AXE.exists():
        _missing(f"{AXE.relative_to(screens.PROJECT_ROOT)} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield browser
        browser.close()


@dataclass
class PageReport:
    name: str
    url: str
    violations: list[dict]
    csp_errors: list[str]


class Audit:
    """axe-core and CSP findings of every page the walk visited, reported at the end."""

    def __init__(self) -> None:
        self.pages: list[PageReport] = []
        self.axe_source = AXE.read_text() if AXE.exists() else ""

    def check(self, page, name: str, csp_errors: list[str]) -> None:
        # Evaluated through the DevTools protocol: the app's CSP (script-src 'self') stays on.
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe_source + "\n;true")
        violations = page.evaluate(
            """async (tags) => {
                const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html,
                                              summary: n.failureSummary})),
                }));
            }""",
            AXE_TAGS,
        )
        self.pages.append(PageReport(name, page.url, violations, list(csp_errors)))
        csp_errors.clear()

    def failures(self) -> str:
        lines = []
        for report in self.pages:
            for v in report.violations:
                where = f"[{report.name}] {report.url}"
                lines.append(f"{where}: {v['id']} ({v['impact']}): {v['help']}")
                for node in v["nodes"]:
                    lines.append(f"    {node['target']}: {node['html'][:200]}")
                    lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
            for error in report.csp_errors:
                lines.append(f"[{report.name}] {report.url}: CSP: {error}")
        return "\n".join(lines)


@pytest.fixture(scope="session")
def audit():
    return Audit()


class Walk:
    """A resident's browser tab: every page it lands on is audited (and photographed)."""

    def __init__(self, browser, server: LiveServer, audit: Audit, viewport: dict) -> None:
        self.context = browser.new_context(
            viewport=viewport,
            locale=screens.BROWSER_LOCALES[screens.LOCALE],
            timezone_id="Asia/Tokyo",
        )
        if screens.LOCALE != "ja":
            # As after the language switch: the cookie decides, before and after login.
            self.context.add_cookies([{"name": "lang", "value": screens.LOCALE, "url": server.url}])
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.server = server
        self.audit = audit
        self.viewport = viewport
        self.csp_errors: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.csp_errors.append(message.text)

    def goto(self, path: str, name: str | None = None):
        self.page.goto(path if path.startswith("http") else self.server.url + path)
        return self.seen(name)

    def seen(self, name: str | None = None, step: str | None = None):
        """The page now shown: audit it, and in guide mode save its screenshot."""
        self.page.wait_for_load_state("load")
        label = name or step or self.page.url
        self.audit.check(self.page, label, self.csp_errors)
        self.shoot(name)
        return self.page

    def shoot(self, name: str | None, around=None) -> None:
        """The page as it is now (a form filled in), for the guide."""
        if SCREENSHOTS and name in screens.GUIDE_SHOTS:
            screens.save_screenshot(self.page, name, self.viewport, around)

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="session")
def walk_factory(browser, live_server, audit):
    walks: list[Walk] = []

    def make(viewport: dict) -> Walk:
        walk = Walk(browser, live_server, audit, viewport)
        walks.append(walk)
        return walk

    yield make
    for walk in walks:
        walk.close()


def labelled(page, label: str):
    """The field labelled exactly `label` (a required one shows `label*`)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\*?\s*$"))
