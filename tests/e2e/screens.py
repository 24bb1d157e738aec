"""What the guide's screenshots show, in which language, and the record of it.

The walk runs in one language, GUIDE_LOCALE (Japanese unless set): the browser sends that
language's cookie, and the walk finds buttons and fields by their labels in that language
(`label()`, from the committed catalog). With GUIDE_SCREENSHOTS=1 it saves its screenshots
to static/guide/<locale>/. `make guide` runs it once per language.

The screenshots are of the templates below (and the stylesheet) and, in another language,
of the translations of their strings. Each language's walk writes the hashes of these to
static/guide/<locale>/templates.sha256; a normal test compares each record with the files
as they are now, so a change to a screen that the guide pictures fails until the pictures
are retaken.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUIDE_DIR = PROJECT_ROOT / "static" / "guide"
TRANSLATIONS = PROJECT_ROOT / "translations"
# The guide's languages, Japanese (the source, and the fallback picture) first.
LOCALES = ("ja", "en", "zh_Hans", "ko", "vi")
LOCALE = os.environ.get("GUIDE_LOCALE", "ja")
if LOCALE not in LOCALES:
    raise RuntimeError(f"GUIDE_LOCALE={LOCALE!r} is not one of {', '.join(LOCALES)}")
# The browser's own language for each (Accept-Language, date inputs).
BROWSER_LOCALES = {"ja": "ja-JP", "en": "en-US", "zh_Hans": "zh-CN", "ko": "ko-KR", "vi": "vi-VN"}
PHONE = {"width": 390, "height": 844}
SHOT_HEIGHT = 1400  # px of a guide screenshot at most: a long form shows its top
SHOT_MARGIN = 24  # px kept above an element taller than a shot
_JAPANESE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff01-\uff60]")


def shots_dir(locale: str = LOCALE) -> Path:
    return GUIDE_DIR / locale


def record_path(locale: str = LOCALE) -> Path:
    return shots_dir(locale) / "templates.sha256"


@cache
def _catalog(locale: str) -> dict[str, str]:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=locale)
    return {m.id: m.string for m in catalog if isinstance(m.id, str) and m.string}


def label(msgid: str, locale: str = LOCALE) -> str:
    """`msgid` as the screens of `locale` show it (Japanese is the source language).

    A Japanese text with no translation is an error, not a silent fallback: the walk would
    otherwise look for Japanese on an English page and fail far from the cause.
    """
    if locale == "ja":
        return msgid
    text = _catalog(locale).get(msgid)
    if text:
        return text
    if _JAPANESE.search(msgid):
        raise KeyError(f"no {locale} translation of {msgid!r} in translations/{locale}")
    return msgid


# The walk's screenshots that templates/main/guide.html shows (static/guide/<locale>/<name>.png).
GUIDE_SHOTS = (
    "p1-signup",
    "p1-login",
    "p1-add",
    "p1-procedures",
    "p1-select",
    "p1-input",
    "alerts-input",
    "p1-check",
    "p1-done",
    "end-1-input",
    "end-2-question",
    "end-3-done",
    "p2-contracts",
    "p2-add",
    "p2-add-check",
    "p2-add-done",
    "p2-top",
    "p2-procedures",
    "p2-select",
    "p2-input",
    "p2-check",
    "p2-done",
)

# The pages the screenshots show; the templates they extend or include count too.
PICTURED_PAGES = (
    "auth/signup.html",
    "auth/login.html",
    "contracts/index.html",
    "contracts/add.html",
    "contracts/confirm.html",
    "contracts/done.html",
    "main/top.html",
    "procedures/index.html",
    "watch/select.html",
    "watch/input.html",
    "watch/confirm.html",
    "watch/done.html",
    "watch/end.html",
)
STYLESHEET = "static/css/app.css"
_USES = re.compile(r"""{%-?\s*(?:extends|include|import|from)\s+["']([^"']+)["']""")
# The layout's header and footer, rendered by kodaira_app/chrome.py: chrome("header").
_CHROME = re.compile(r"""chrome\(\s*["'](\w+)["']\s*\)""")


def pictured_files() -> list[str]:
    """The page templates, every template they use (transitively), and the stylesheet."""
    found: set[str] = set()
    todo = list(PICTURED_PAGES)
    while todo:
        name = todo.pop()
        if name in found:
            continue
        found.add(name)
        path = PROJECT_ROOT / "templates" / name
        if path.exists():
            source = path.read_text(encoding="utf-8")
            todo.extend(_USES.findall(source))
            todo.extend(f"_{part}.html" for part in _CHROME.findall(source))
    files = [f"templates/{name}" for name in found if (PROJECT_ROOT / "templates" / name).exists()]
    return sorted([*files, STYLESHEET])


# The forms (and choices) whose labels and messages the pictured pages show.
PICTURED_FORMS = (
    "kodaira_app/auth/forms.py",
    "kodaira_app/contracts/forms.py",
    "kodaira_app/contracts/linking.py",
    "kodaira_app/watch/forms.py",
    "kodaira_app/watch/recipient_states.py",
    "kodaira_app/watch/test_mail_routes.py",
)
_MSGID = re.compile(r"""\b_l?\(\s*(?:"([^"\\]*)"|'([^'\\]*)')""")


def pictured_msgids() -> list[str]:
    """The msgids written in the pictured templates and forms (literal ones)."""
    found: set[str] = set()
    for name in [*pictured_files(), *PICTURED_FORMS]:
        text = (PROJECT_ROOT / name).read_text(encoding="utf-8")
        found.update(a or b for a, b in _MSGID.findall(text))
    return sorted(found - {""})


def current_hashes(locale: str = "ja") -> dict[str, str]:
    """The pictured files, and in another language the translations of their strings.

    Only the pictured strings count: a new mail's strings appended to a catalog leave the
    screenshots as they are, a changed button label does not.
    """
    hashes = {
        name: hashlib.sha256((PROJECT_ROOT / name).read_bytes()).hexdigest()
        for name in pictured_files()
    }
    if locale != "ja":
        catalog = _catalog(locale)
        pairs = "".join(f"{msgid}\0{catalog.get(msgid, '')}\0" for msgid in pictured_msgids())
        name = f"translations/{locale}/LC_MESSAGES/messages.po (pictured strings)"
        hashes[name] = hashlib.sha256(pairs.encode()).hexdigest()
    return hashes


def recorded_hashes(locale: str) -> dict[str, str]:
    """The hashes written by the last walk in `locale` ({} when it never ran)."""
    record = record_path(locale)
    if not record.exists():
        return {}
    rows = (line.split(maxsplit=1) for line in record.read_text().splitlines() if line.strip())
    return {name.strip(): digest for digest, name in rows}


def write_record(locale: str = LOCALE) -> None:
    lines = [f"{digest}  {name}\n" for name, digest in current_hashes(locale).items()]
    shots_dir(locale).mkdir(parents=True, exist_ok=True)
    record_path(locale).write_text("".join(lines))


def save_screenshot(page, name: str, viewport: dict, around=None) -> None:
    """A phone-sized PNG in static/guide/<locale>/, made small with pngquant when it is there.

    A long page is cut to SHOT_HEIGHT: its top, or the part around the element `around`
    (centred on it; from just above its top when it is taller than the shot).
    """
    shots_dir().mkdir(parents=True, exist_ok=True)
    target = shots_dir() / f"{name}.png"
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    if viewport != PHONE:
        page.set_viewport_size(PHONE)
    height = page.evaluate("() => document.documentElement.scrollHeight")
    top = 0
    if around is not None:
        box = around.bounding_box()
        scrolled = page.evaluate("() => window.scrollY")
        box_top = box["y"] + scrolled
        if box["height"] + 2 * SHOT_MARGIN > SHOT_HEIGHT:
            start = box_top - SHOT_MARGIN  # taller than the shot: from its heading down
        else:
            start = box_top + box["height"] / 2 - SHOT_HEIGHT / 2  # centred
        top = max(0, min(start, height - SHOT_HEIGHT))
    clip = {"x": 0, "y": top, "width": PHONE["width"], "height": min(height, SHOT_HEIGHT)}
    page.screenshot(path=str(target), full_page=True, clip=clip)
    if viewport != PHONE:
        page.set_viewport_size(viewport)
    pngquant = shutil.which("pngquant")
    if pngquant:
        options = ["--force", "--skip-if-larger", "--strip", "--quality=60-90"]
        subprocess.run([pngquant, *options, "--output", str(target), str(target)], check=False)
