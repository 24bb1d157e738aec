"""E-mail addresses on staff pages: masked, unless an admin revealed them on this page.

A reveal is a POST (audited by its view) that renders the page once with
`emails_revealed=True`; nothing is remembered, so the next page masks them again.
"""

from __future__ import annotations

from jinja2 import pass_context

from kodaira_app.masking import mask_email


@pass_context
def shown_email(context, address: str | None) -> str:
    """The address as this page may show it."""
    if not address:
        return ""
    return address if context.get("emails_revealed") else mask_email(address)


@pass_context
def shown_value(context, value):
    """An audit detail value: an e-mail address in it is masked like everywhere else."""
    if isinstance(value, str) and "@" in value:
        return shown_email(context, value)
    return value
