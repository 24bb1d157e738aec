from functools import partial

from flask import Blueprint, current_app, redirect, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from kodaira_app.auth import agreement
from kodaira_app.billing.history import unpaid_by_contract
from kodaira_app.extensions import db
from kodaira_app.i18n import LANG_COOKIE, LANGUAGES
from kodaira_app.main.contact import contact_details, tel_href
from kodaira_app.main.guide import sample_alert_mail, sample_mails, screenshot, timeline
from kodaira_app.redirects import safe_next
from kodaira_app.watch.glance import glances
from kodaira_app.watch.history import HISTORY_DAYS
from kodaira_app.watch.pauses import MAX_PAUSE_DAYS

bp = Blueprint("main", __name__)
# Templates anywhere (pages, error pages, mails rendered in a job) read the office here.
bp.add_app_template_global(contact_details, "contact_details")
bp.add_app_template_filter(tel_href, "tel_href")


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return render_template("main/welcome.html")
    from kodaira_app.timeutil import town_tz, utcnow
    from kodaira_app.usage.top import top_page

    tz = town_tz()
    now = utcnow()
    top = top_page(current_user.id, now, tz)
    return render_template(
        "main/top.html",
        contracts=top.contracts,
        registrations=top.registrations,
        summaries=top.summaries,
        unpaid=unpaid_by_contract([c.id for c in top.contracts], now.astimezone(tz).date()),
        glances=glances(top.registrations, now, tz, current_app.config["REPORT_DELAY_MINUTES"]),
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
    locale = str(get_locale() or "ja")
    return render_template(
        "main/guide.html",
        window_hours=current_app.config["WATCH_WINDOW_HOURS"],
        timeline=_timeline(),
        mails=sample_mails(),
        alert_mail=sample_alert_mail(),
        screenshot=partial(screenshot, locale=locale),
    )


@bp.get("/faq")
def faq():
    """よくある質問: the ※ notes, the report statuses, mails, stopping, pauses, privacy."""
    config = current_app.config
    return render_template(
        "main/faq.html",
        window_hours=config["WATCH_WINDOW_HOURS"],
        delay_minutes=config["REPORT_DELAY_MINUTES"],
        max_pause_days=MAX_PAUSE_DAYS,
        history_days=HISTORY_DAYS,
        # The tick's FOLLOWUP_HOURS and HISTORY_DAYS (tests/main/test_faq.py holds them
        # equal): main must not import reports, which imports main through the worker.
        followup_hours=24,
        usual_days=14,
    )


@bp.get("/terms")
def terms():
    """利用規約: open to everyone, linked from every footer and from sign-up."""
    return render_template("main/terms.html", document=agreement.TERMS)


@bp.get("/privacy")
def privacy():
    """個人情報の取扱い: what is stored, for how long, who sees it (the settings' figures)."""
    return render_template(
        "main/privacy.html", document=agreement.PRIVACY, history_days=HISTORY_DAYS
    )


def _timeline() -> dict:
    config = current_app.config
    return timeline(config["WATCH_WINDOW_HOURS"], config["REPORT_DELAY_MINUTES"])


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
