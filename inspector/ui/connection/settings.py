"""The inspector's QSettings, in one place.

Organisation "EventHistoryInspector", application "event-inspector". On Linux and other
XDG systems the file is ``$XDG_CONFIG_HOME/EventHistoryInspector/event-inspector.conf`` (default
``~/.config``), read from the environment at every call: Qt caches the XDG directory for the whole
process, which would ignore a later change (tests set ``XDG_CONFIG_HOME`` per test). On macOS and
Windows the native store is used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANISATION = "EventHistoryInspector"
APPLICATION = "event-inspector"


def settings_path() -> Path | None:
    """The settings file on XDG systems, None where Qt uses a native store."""
    if sys.platform in ("darwin", "win32"):
        return None
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / ORGANISATION / f"{APPLICATION}.conf"


def app_settings() -> QSettings:
    """The application's settings (use this, not ``QSettings()``, everywhere in the GUI)."""
    path = settings_path()
    if path is None:
        return QSettings(ORGANISATION, APPLICATION)
    return QSettings(str(path), QSettings.Format.IniFormat)
