"""What residents type for お客様番号 and お客様氏名カナ, in the form the records use.

No Flask here: the contract form, the customer import and the staff search share it.
"""

from __future__ import annotations

import re
import unicodedata

CUSTOMER_NUMBER_DIGITS = 11

# Hyphen look-alikes an IME produces: the katakana long vowel mark is the usual one.
_DASHES = "-‐‑‒–—―−ーｰ─━"
_DROP = re.compile(f"[\\s{re.escape(_DASHES)}]+")
_NUMBER = re.compile(rf"[0-9]{{{CUSTOMER_NUMBER_DIGITS}}}")

# Full-width katakana (ァ..ヺ), the middle dot and the long vowel mark, ヽヾ.
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fb\u30fc\u30fd\u30fe]+")
_HIRAGANA_START, _HIRAGANA_END = 0x3041, 0x3096
_HIRAGANA_TO_KATAKANA = 0x60


def normalize_customer_number(value: str | None) -> str | None:
    """'0-0000008002', '０－００００００８００２', '0 0000 008002' → '00000008002'; else None."""
    if not value:
        return None
    text = _DROP.sub("", unicodedata.normalize("NFKC", value))
    return text if _NUMBER.fullmatch(text) else None


def display_customer_number(number: str) -> str:
    """'00000008002' → '0-0000008002', as the guide shows it."""
    return f"{number[0]}-{number[1:]}"


def _to_katakana(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if _HIRAGANA_START <= code <= _HIRAGANA_END or char in "ゝゞ":
            char = chr(code + _HIRAGANA_TO_KATAKANA)
        out.append(char)
    return "".join(out)


def display_kana(value: str | None) -> str:
    """Full-width katakana with single spaces between the parts of the name."""
    text = _to_katakana(unicodedata.normalize("NFKC", value or ""))
    return " ".join(text.split())


def kana_key(value: str | None) -> str:
    """The kana as compared: full-width katakana, no spaces ('ｺﾀﾞｲﾗ たろう' → 'コダイラタロウ')."""
    return "".join(display_kana(value).split())


def is_katakana(value: str | None) -> bool:
    """True when the value is a katakana name once normalized (hiragana counts too)."""
    return bool(_KATAKANA.fullmatch(kana_key(value)))
