"""E-mail addresses shown to someone who should recognise them, not read them out.

One form everywhere, for residents (the 通知先 notice, an e-mail change) and staff alike:
taro@example.com → t***@example.com.
"""

from __future__ import annotations


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"
