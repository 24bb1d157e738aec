"""The stop link every 見守り mail carries, and its List-Unsubscribe headers (RFC 8058)."""

from __future__ import annotations

from flask import current_app


def stop_url(stop_token: str) -> str:
    """The one-click page where a recipient stops the mails, no login needed."""
    return f"{current_app.config['APP_BASE_URL']}/stop/{stop_token}"


def unsubscribe_headers(stop_token: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{stop_url(stop_token)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
