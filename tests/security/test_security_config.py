"""Configuration fails closed: production unless told otherwise, refusing weak settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kodaira_app import create_app
from kodaira_app.config import ConfigError, load_config, problems

ROOT = Path(__file__).resolve().parents[2]
STRONG_SECRET = "kV3v9Qe1xZp7Lr2sTn8yWb4cHd6fJm0gAu5oEi"

PRODUCTION = {
    "SECRET_KEY": STRONG_SECRET,
    "APP_BASE_URL": "https://suido.example.jp",
    "MAIL_SERVER": "smtp.example.jp",
    "MAIL_DEFAULT_SENDER": "小平町水道 <noreply@town.obira.hokkaido.jp>",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def production_env(**changes) -> dict[str, str]:
    env = {**PRODUCTION, **changes}
    return {k: v for k, v in env.items() if v is not None}


def run_flask(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    """The real `flask --app wsgi …`, as an operator types it, with only `env` set."""
    base = {"PATH": os.environ["PATH"], "DATABASE_URL": "sqlite:///:memory:", **env}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_config_without_app_env_is_production():
    config = load_config({})
    assert config["APP_ENV"] == "production"
    assert config["SECRET_KEY"] == ""


def test_config_without_app_env_refuses_to_start_with_one_line():
    with pytest.raises(ConfigError) as refused:
        create_app({"APP_ENV": load_config({})["APP_ENV"], "SECRET_KEY": ""})
    message = str(refused.value)
    assert "\n" not in message
    assert "SECRET_KEY" in message and "APP_BASE_URL" in message and "MAIL_SERVER" in message


def test_config_complete_production_starts():
    assert problems(load_config(production_env())) == []
    app = create_app({**load_config(production_env()), "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["APP_ENV"] == "production"


@pytest.mark.parametrize(
    ("secret", "refused"),
    [
        (None, True),
        ("a", True),
        ("development-only-secret-key", True),
        ("changeme" * 4, True),  # 32 bytes but eight distinct characters: not random
        (STRONG_SECRET[:31], True),
        (STRONG_SECRET[:32], False),
    ],
)
def test_config_refuses_a_short_or_guessable_secret_key(secret, refused):
    found = problems(load_config(production_env(SECRET_KEY=secret)))
    assert any("SECRET_KEY" in line for line in found) is refused


def test_the_page_bench_serves_the_app_under_settings_it_accepts():
    """bench/web.py serves the pages as production: a setting the app refuses would leave
    gunicorn's workers failing to boot behind an open port."""
    from bench.web import app_env

    assert problems(load_config(app_env("postgresql://bench@127.0.0.1/bench"))) == []


def test_config_refuses_http_base_url_unless_allowed_for_a_closed_network():
    http = load_config(production_env(APP_BASE_URL="http://suido.example.jp"))
    assert [line for line in problems(http) if "APP_BASE_URL" in line]
    allowed = load_config(production_env(APP_BASE_URL="http://10.0.0.5", ALLOW_HTTP_BASE_URL="1"))
    assert problems(allowed) == []


def test_config_refuses_no_mail_server():
    found = problems(load_config(production_env(MAIL_SERVER=None)))
    assert found == ["set MAIL_SERVER to the SMTP server that sends the mails"]


@pytest.mark.parametrize(
    "sender",
    [
        None,  # the development default, noreply@localhost
        "",
        "noreply@localhost",
        "小平町水道 <noreply@localhost.localdomain.localhost>",
        "小平町水道 <noreply@example.com>",
        "noreply@mail.example.org",
        "noreply@suido.invalid",
        "noreply@town.test",
        "noreply@kodaira",
        "not an address",
    ],
)
def test_config_refuses_a_sender_that_is_not_on_a_real_domain(sender):
    found = problems(load_config(production_env(MAIL_DEFAULT_SENDER=sender)))
    assert len(found) == 1 and found[0].startswith("set MAIL_DEFAULT_SENDER"), found


def test_config_sender_on_a_real_domain_starts_and_relaxed_envs_keep_the_default():
    for sender in ("noreply@town.obira.hokkaido.jp", "小平町水道 <suido@example.co.jp>"):
        assert problems(load_config(production_env(MAIL_DEFAULT_SENDER=sender))) == []
    for env in ("development", "testing"):
        config = load_config({"APP_ENV": env})
        assert config["MAIL_DEFAULT_SENDER"].endswith("<noreply@localhost>")
        create_app({**config, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_config_refuses_no_redis_unless_embedded_worker_in_one_process():
    no_redis = problems(load_config(production_env(REDIS_URL=None)))
    assert len(no_redis) == 1 and "REDIS_URL" in no_redis[0]
    embedded = load_config(production_env(REDIS_URL=None, EMBEDDED_WORKER="1"))
    assert problems(embedded) == []
    many = load_config(production_env(REDIS_URL=None, EMBEDDED_WORKER="1", WEB_CONCURRENCY="4"))
    assert problems(many) == ["set REDIS_URL: EMBEDDED_WORKER works only with WEB_CONCURRENCY=1"]


def test_config_development_and_testing_run_on_the_embedded_defaults():
    for env in ("development", "testing"):
        config = load_config({"APP_ENV": env})
        app = create_app({**config, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
        assert app.config["SECRET_KEY"] == "development-only-secret-key"


def test_config_refusal_at_startup_is_one_line_naming_what_to_set():
    result = run_flask(["routes"], {"APP_ENV": "production", "SECRET_KEY": "a"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("APP_ENV=production refuses to start: set SECRET_KEY")


def test_config_check_lists_every_problem_and_fails():
    result = run_flask(["config", "check"], {"APP_ENV": "production", "SECRET_KEY": "a"})
    assert result.returncode == 1
    problems_listed = [line for line in result.stdout.splitlines() if line.startswith("- ")]
    assert [p.split()[2] for p in problems_listed] == [
        "SECRET_KEY",
        "APP_BASE_URL",
        "MAIL_SERVER",
        "MAIL_DEFAULT_SENDER",
        "REDIS_URL",
    ]


def test_config_check_passes_a_complete_production_configuration():
    result = run_flask(["config", "check"], {"APP_ENV": "production", **PRODUCTION})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the configuration is complete" in result.stdout


def test_demo_load_refuses_outside_development(app, runner):
    app.config["APP_ENV"] = "production"
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code != 0
    assert "runs only with APP_ENV=development" in result.output


def test_config_refusal_of_the_worker_is_one_line_too():
    env = {"PATH": os.environ["PATH"], "DATABASE_URL": "sqlite:///:memory:"}
    result = subprocess.run(
        [sys.executable, "worker.py", "--burst"],
        cwd=ROOT,
        env={**env, "APP_ENV": "production", "SECRET_KEY": "a"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("APP_ENV=production refuses to start: set SECRET_KEY")
