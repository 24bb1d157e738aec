"""Finding Japanese text left in a page or a mail rendered in another language."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup, Comment

from kodaira_app.i18n import LANGUAGES

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
TARGET_LOCALES = [code for code in LANGUAGES if code != "ja"]

# Kana, but not the middle dot (U+30FB), which is punctuation, a bullet in the guide.
KANA = "\u3040-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff\uff66-\uff9f"
IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Chinese is written with the same ideographs; only kana show Japanese left in it.
FOREIGN = {
    locale: re.compile(f"[{KANA}]" if locale == "zh_Hans" else f"[{KANA}{IDEOGRAPHS}]")
    for locale in TARGET_LOCALES
}
# Japanese punctuation (、。「」（）〜 …) reads as a slip in English and Vietnamese.
CJK_PUNCTUATION = "\u3001-\u303f\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
STRICT = {locale: re.compile(f"[{KANA}{IDEOGRAPHS}{CJK_PUNCTUATION}]") for locale in ("en", "vi")}
# Attributes a person reads or hears (alt text, tooltips, screen-reader labels).
READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")


def compile_catalogs(directory: Path) -> Path:
    """Compile every committed .po into `directory` (the tests never rely on a stale .mo)."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po.open("rb") as source:
            catalog = read_po(source, locale=po.parts[-3])
        target = directory / po.parts[-3] / "LC_MESSAGES"
        target.mkdir(parents=True, exist_ok=True)
        with (target / "messages.mo").open("wb") as out:
            write_mo(out, catalog)
    return directory


def offending(
    locale: str, text: str, allowed: tuple[str, ...] = (), strict: bool = True
) -> list[str]:
    """The pieces of `text` (one line each, shortened) that are Japanese for `locale`."""
    for value in sorted(allowed, key=len, reverse=True):
        text = text.replace(value, " ")
    pattern = STRICT.get(locale, FOREIGN[locale]) if strict else FOREIGN[locale]
    found = []
    for line in text.splitlines():
        line = " ".join(line.split())
        if pattern.search(line):
            found.append(line if len(line) <= 120 else line[:117] + "…")
    return found


def not_translated(node) -> bool:
    """In an element marked translate="no" (and not put back with translate="yes")."""
    marked = node.find_parent(attrs={"translate": True})
    return marked is not None and marked["translate"] == "no"


def page_offending(
    locale: str, html: str, allowed: tuple[str, ...] = (), strict: bool = True
) -> list[str]:
    """Japanese text of a page outside customer data (translate="no") and language names."""
    soup = BeautifulSoup(html, "html.parser")
    for node in soup.find_all(["script", "style"]):
        node.decompose()
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for node in soup.find_all(string=True):
        if not_translated(node):
            node.extract()
    for node in soup.find_all(string=True):
        if node.strip() in LANGUAGES.values():
            node.extract()
    pieces = [node.get_text("\n") for node in soup.find_all(["title", "body"])]
    for node in soup.find_all(True):
        pieces += [str(node[name]) for name in READ_ATTRIBUTES if node.has_attr(name)]
        if node.name == "input" and node.get("type") in ("submit", "button", "reset"):
            pieces.append(str(node.get("value", "")))
    return offending(locale, "\n".join(pieces), allowed, strict)
