from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from kodaira_app.extensions import db
from kodaira_app.i18n import LANG_COOKIE, LANGUAGES
from kodaira_app.main.guide import sample_mails, timeline

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    from kodaira_app.timeutil import town_tz, utcnow
    from kodaira_app.usage.top import top_page

    tz = town_tz(current_app.config["TIMEZONE"])
    now = utcnow()
    top = top_page(current_user.id, now, tz)
    return render_template(
        "main/top.html",
        contracts=top.contracts,
        registrations=top.registrations,
        summaries=top.summaries,
        today=now.astimezone(tz).date(),
    )


@bp.get("/about")
def about():
    return render_template(
        "main/about.html",
        window_hours=current_app.config["WATCH_WINDOW_HOURS"],
        timeline=_timeline(),
    )


@bp.get("/guide")
def guide():
    """The illustrated guide: the walk's screenshots (`make guide`) and sample mails."""
    return render_template(
        "main/guide.html",
        window_hours=current_app.config["WATCH_WINDOW_HOURS"],
        timeline=_timeline(),
        mails=sample_mails(),
    )


def _timeline() -> dict:
    config = current_app.config
    return timeline(config["WATCH_WINDOW_HOURS"], config["REPORT_DELAY_MINUTES"])


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target:
        return url_for("main.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.index")
    return target.rstrip("?") or url_for("main.index")


@bp.get("/lang/<code>")
def set_language(code: str):
    response = redirect(safe_next(request.args.get("next")))
    if code not in LANGUAGES:
        return response
    response.set_cookie(
        LANG_COOKIE,
        code,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    if current_user.is_authenticated and current_user.locale != code:
        current_user.locale = code
        db.session.commit()
    return response
