"""How a customer number is shown: one class everywhere, so it never breaks across lines
(「0-」 on one line and 「0000008001」 on the next)."""

from __future__ import annotations

from markupsafe import Markup

_TAG = Markup('<span class="customer-number">{}</span>')


def customer_number(display_number: str) -> Markup:
    return _TAG.format(display_number)  # format() escapes the number
