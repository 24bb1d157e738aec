"""Reusable WTForms validators: names without hidden characters, passwords not common.

Names: a name is one line of visible text. Refused are the Unicode categories Cc
(control: NUL, tab, newline, DEL …), Cf (format: the bidi controls U+202A–U+202E and
U+2066–U+2069, zero-width characters, the BOM …), Co (private use), Cs (surrogates), Cn
(unassigned), Zl and Zp (line and paragraph separators). Spaces of category Zs — the
ordinary and the ideographic space among them — are allowed; the forms collapse runs of
them where they store the name.

Passwords: kodaira_app/data/common-passwords.txt holds the 10,000 most common
passwords, most common first (the first 10,000 lines of the list Django ships,
django/contrib/auth/common-passwords.txt.gz: lower-cased passwords from breach corpora,
compiled by Royce Williams). A password is refused when its lower-cased form is one.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
COMMON_PASSWORDS_FILE = Path(__file__).parent / "data" / "common-passwords.txt"


def hidden_characters(text: str) -> list[str]:
    """The refused characters of `text` as U+XXXX, in order of first appearance."""
    found = dict.fromkeys(
        f"U+{ord(ch):04X}" for ch in text if unicodedata.category(ch) in REFUSED_CATEGORIES
    )
    return list(found)


class PlainName:
    """A name field: no control, format (bidi), private-use or unassigned characters."""

    def __init__(self, message=None):
        self.message = message or _l(
            "使えない文字（制御文字や、文字の向きを変える記号など）が含まれています。"
            "文字だけで入力してください。"
        )

    def __call__(self, form, field) -> None:
        if field.data and hidden_characters(str(field.data)):
            raise ValidationError(self.message)


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip())


def is_common_password(password: str) -> bool:
    return password.lower() in common_passwords()


class NotCommonPassword:
    """A new password that is not among the 10,000 most common ones."""

    def __init__(self, message=None):
        self.message = message or _l(
            "このパスワードはよく使われていて推測されやすいため、使えません。"
            "ほかのパスワードを入力してください。"
        )

    def __call__(self, form, field) -> None:
        if field.data and is_common_password(field.data):
            raise ValidationError(self.message)
