"""The header and footer of every resident page, rendered once per kind of page.

Between them they hold some thirty links and forty translated strings that are the same
for every request with the same locale, login state and endpoint; rendering them again
for each request was most of what a short page like 利用規約 cost. Each is rendered once
per such key and kept per app. The two values that differ from request to request are
written in each time: the logout form's CSRF token and, in the language links, the page
to come back to. With templates reloaded on change (development), nothing is kept.
"""

from __future__ import annotations

import re
from urllib.parse import quote_plus

from flask import current_app, render_template, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

from kodaira_app.babel_cache import current_locale
from kodaira_app.main.contact import FIELDS

# What the kept HTML holds in place of the request's values ("@" stays as it is in a URL).
CSRF_SLOT, NEXT_SLOT = "@@csrf@@", "@@next@@"
_SLOTS = re.compile("@@(csrf|next)@@")
# url_for's own encoding of a query value (werkzeug.urls._urlencode).
_QUERY_SAFE = "!$'()*,/:;?@"


def _key(part: str) -> tuple:
    locale = str(current_locale())
    if part == "header":
        return (part, locale, current_user.is_authenticated, request.endpoint)
    config = current_app.config  # the footer shows the configured office (問い合わせ先)
    return (part, locale, request.endpoint, *(config.get(f"CONTACT_{f.upper()}") for f in FIELDS))


def _request_values(html: str) -> dict[str, str]:
    """The values of the slots `html` holds, each worked out once (HTML-escaped)."""
    values = {}
    if CSRF_SLOT in html:
        values["csrf"] = str(escape(generate_csrf()))
    if NEXT_SLOT in html:
        values["next"] = str(escape(quote_plus(request.full_path, safe=_QUERY_SAFE)))
    return values


def chrome(part: str) -> Markup:
    """`_header.html` or `_footer.html` for this request, from the kept copy when there is one."""
    app = current_app._get_current_object()
    kept: dict[tuple, str] = app.extensions.setdefault("kodaira_chrome", {})
    key = _key(part)
    html = kept.get(key)
    if html is None:
        html = render_template(f"_{part}.html", csrf_slot=CSRF_SLOT, next_slot=NEXT_SLOT).strip()
        if not app.jinja_env.auto_reload:
            kept[key] = html
    values = _request_values(html)
    filled = _SLOTS.sub(lambda match: values[match.group(1)], html) if values else html
    return Markup(filled)  # nosec B704  # our template's output; both values written in are escaped
