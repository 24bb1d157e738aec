"""What the guide's screenshots show, and the record of it in static/guide/.

The screenshots are of the templates below (and the stylesheet). `make guide` retakes
them and writes the hashes of these files to static/guide/templates.sha256; a normal
test compares that record with the files as they are now, so a change to a screen that
the guide pictures fails until the pictures are retaken.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUIDE_DIR = PROJECT_ROOT / "static" / "guide"
RECORD = GUIDE_DIR / "templates.sha256"

# The walk's screenshots that templates/main/guide.html shows (static/guide/<name>.png).
GUIDE_SHOTS = (
    "p1-signup",
    "p1-login",
    "p1-add",
    "p1-procedures",
    "p1-select",
    "p1-input",
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
            todo.extend(_USES.findall(path.read_text(encoding="utf-8")))
    files = [f"templates/{name}" for name in found if (PROJECT_ROOT / "templates" / name).exists()]
    return sorted([*files, STYLESHEET])


def current_hashes() -> dict[str, str]:
    return {
        name: hashlib.sha256((PROJECT_ROOT / name).read_bytes()).hexdigest()
        for name in pictured_files()
    }


def recorded_hashes() -> dict[str, str]:
    """The hashes written by the last `make guide` ({} when it never ran)."""
    if not RECORD.exists():
        return {}
    rows = (line.split(maxsplit=1) for line in RECORD.read_text().splitlines() if line.strip())
    return {name.strip(): digest for digest, name in rows}


def write_record() -> None:
    lines = [f"{digest}  {name}\n" for name, digest in current_hashes().items()]
    RECORD.write_text("".join(lines))
