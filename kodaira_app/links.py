"""Absolute links, for mails and anything else read outside the site (APP_BASE_URL)."""

from __future__ import annotations

from flask import current_app, has_request_context, url_for


def absolute_url(path: str = "") -> str:
    """APP_BASE_URL + `path` ("/procedures"); the base itself for an empty path."""
    return f"{current_app.config['APP_BASE_URL']}{path}"


def external_url(endpoint: str, **values) -> str:
    """The absolute link to a view, as a mail writes it (works in jobs, too)."""
    if has_request_context():
        return absolute_url(url_for(endpoint, **values))
    # A job: only the routing is needed, the host comes from APP_BASE_URL.
    return absolute_url(current_app.url_map.bind("").build(endpoint, values))


def stop_url(stop_token: str) -> str:
    """The one-click page where a 見守り recipient stops the mails, no login needed."""
    return absolute_url(f"/stop/{stop_token}")


def unsubscribe_headers(stop_token: str) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, pointing at the same stop page."""
    return {
        "List-Unsubscribe": f"<{stop_url(stop_token)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
