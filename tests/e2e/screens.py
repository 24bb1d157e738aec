"""What the guide's screenshots show, and the record of it in static/guide/.

The screenshots are of the templates below (and the stylesheet). `make guide` retakes
them and writes the hashes of these files to static/guide/templates.sha256; a normal
test compares that record with the files as they are now, so a change to a screen that
the guide pictures fails until the pictures are retaken.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
GUIDE_DIR = PROJECT_ROOT / "static" / "guide"
RECORD = GUIDE_DIR / "templates.sha256"

# The screens the walk photographs: layout, forms, and every page of its flows.
PICTURED = (
    "templates/_layout.html",
    "templates/_forms.html",
    "templates/auth/*.html",
    "templates/contracts/*.html",
    "templates/main/top.html",
    "templates/procedures/*.html",
    "templates/watch/*.html",
    "static/css/app.css",
)


def pictured_files() -> list[str]:
    found: set[str] = set()
    for pattern in PICTURED:
        found.update(p.relative_to(PROJECT_ROOT).as_posix() for p in PROJECT_ROOT.glob(pattern))
    return sorted(found)


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
