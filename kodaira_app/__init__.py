"""小平町水道アプリ: the application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask

from kodaira_app.config import engine_options, load_config, require_runnable


def create_app(config: dict[str, Any] | None = None, *, check: bool = True) -> Flask:
    """The app; outside development it refuses to start (ConfigError) on a weak configuration.

    `check=False` only for `flask config check`, which reports the problems instead.
    """
    app = Flask(__name__, template_folder="../templates", static_folder="../static")
    app.config.from_mapping(load_config())
    if config:
        app.config.from_mapping(config)
    if check:
        require_runnable(app.config)
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from kodaira_app import models  # noqa: F401  (registers every table)
    from kodaira_app.extensions import babel, csrf, db, login_manager, mail, migrate
    from kodaira_app.i18n import init_i18n, select_locale
    from kodaira_app.queue import init_app as init_queue
    from kodaira_app.timeutil import render_migration_item
    from kodaira_app.web import init_web

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}
    )
    db.init_app(app)
    migrate.init_app(
        app,
        db,
        directory=str(_migrations_dir()),
        render_as_batch=True,
        render_item=render_migration_item,
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    init_i18n(app)
    init_web(app)
    init_queue(app)

    from kodaira_app.alerts.routes import bp as alerts_bp
    from kodaira_app.api.routes import bp as api_bp
    from kodaira_app.auth.routes import bp as auth_bp
    from kodaira_app.billing.routes import bp as billing_bp
    from kodaira_app.contracts.routes import bp as contracts_bp
    from kodaira_app.main.routes import bp as main_bp
    from kodaira_app.procedures.routes import bp as procedures_bp
    from kodaira_app.staff.routes import bp as staff_bp
    from kodaira_app.usage.routes import bp as usage_bp
    from kodaira_app.watch.routes import bp as watch_bp
    from kodaira_app.watch.test_mail_routes import bp as watch_test_bp

    for blueprint in (
        main_bp,
        auth_bp,
        contracts_bp,
        procedures_bp,
        watch_bp,
        watch_test_bp,
        alerts_bp,
        usage_bp,
        billing_bp,
        api_bp,
        staff_bp,
    ):
        app.register_blueprint(blueprint)

    from kodaira_app.cli import register_cli

    register_cli(app)
    return app


def _migrations_dir():
    from kodaira_app.config import PROJECT_ROOT

    return PROJECT_ROOT / "migrations"
