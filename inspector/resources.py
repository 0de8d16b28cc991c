"""The project's assets (top-level ``resources/``: icons, themes): where they are on disk.

One lookup for the three ways the app runs:

* a PyInstaller bundle: ``<bundle>/_internal/resources/`` (``sys._MEIPASS``; the spec copies it);
* an installed wheel: the shared data ``<prefix>/share/event-history-inspector/resources/``
  (``pyproject.toml``'s data-files; prefix is the venv, ``--user`` base, or ``--target`` dir);
* a source checkout or editable install: ``resources/`` beside the ``inspector/`` package.

``asset_path("icons/event-inspector.svg")`` gives a file path; FileNotFoundError names every
place looked at when it is missing.
"""

from __future__ import annotations

import json
import site
import sys
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
APP_ICON = "event-inspector"
SHARED = Path("share") / "event-history-inspector" / "resources"


def asset_roots() -> list[Path]:
    """Folders that may hold the assets, in lookup order (only existing ones)."""
    roots = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle) / "resources")
    roots.append(PACKAGE.parent / "resources")  # source checkout / editable install
    # an installed wheel: the environment's prefix, the user base, a --target directory
    prefixes = [Path(sys.prefix), Path(sys.base_prefix), PACKAGE.parent]
    user_base = getattr(site, "USER_BASE", None)
    if user_base:
        prefixes.append(Path(user_base))
    # site-packages is <prefix>/lib/pythonX.Y/site-packages on POSIX, <prefix>/Lib/... on Windows
    prefixes += [PACKAGE.parents[3], PACKAGE.parents[2]] if len(PACKAGE.parents) > 3 else []
    roots += [p / SHARED for p in prefixes]
    out: list[Path] = []
    for r in roots:
        if r.is_dir() and r not in out:
            out.append(r)
    return out


def asset_path(relative: str) -> str:
    """The path of asset ``relative`` (e.g. ``"themes/dark.json"``); FileNotFoundError if none."""
    for root in asset_roots():
        path = root / relative
        if path.is_file():
            return str(path)
    looked = ", ".join(str(r) for r in asset_roots()) or "no resources folder found"
    raise FileNotFoundError(f"no asset {relative!r} (looked in {looked})")


def icon_path(name: str = APP_ICON) -> str:
    """The path of icon ``name`` (``"event-inspector"`` or ``"event-inspector.svg"``).

    A name without a suffix finds the SVG, or a PNG of that name. FileNotFoundError when missing.
    """
    names = [name] if Path(name).suffix else [f"{name}.svg", f"{name}.png"]
    for n in names:
        try:
            return asset_path(f"icons/{n}")
        except FileNotFoundError:
            continue
    raise FileNotFoundError(f"no icon {name!r} in {[str(r) for r in asset_roots()]}")


def theme(name: str) -> dict[str, Any]:
    """The theme ``themes/<name>.json`` as a dict (FileNotFoundError / ValueError if bad)."""
    with open(asset_path(f"themes/{name}.json"), encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, dict):
        raise ValueError(f"theme {name!r}: not a JSON object")
    return data


def stylesheet() -> str:
    """The application style sheet (``themes/app.qss``), or "" when it is missing."""
    try:
        with open(asset_path("themes/app.qss"), encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return ""
