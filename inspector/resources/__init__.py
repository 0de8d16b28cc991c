"""Bundled resources (icons). ``icon_path(name)`` gives the file path of an icon.

Works from a source checkout, an installed wheel (package data ``inspector/resources/**``) and a
PyInstaller bundle (the spec copies this folder next to the frozen package).
"""

from __future__ import annotations

from pathlib import Path

ICONS = Path(__file__).resolve().parent / "icons"
APP_ICON = "event-inspector"


def icon_path(name: str = APP_ICON) -> str:
    """The path of icon ``name`` (``"event-inspector"`` or ``"event-inspector.svg"``).

    A name without a suffix finds the SVG, or a PNG of that name. FileNotFoundError when missing.
    """
    if Path(name).suffix:
        candidates = [ICONS / name]
    else:
        candidates = [ICONS / f"{name}{suffix}" for suffix in (".svg", ".png")]
    for path in candidates:
        if path.is_file():
            return str(path)
    raise FileNotFoundError(f"no icon {name!r} in {ICONS}")
