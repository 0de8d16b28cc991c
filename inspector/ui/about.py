"""About box: what this is and the versions of everything it runs on."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from inspector import __version__


def versions() -> list[tuple[str, str]]:
    out = [
        ("Event History Inspector", __version__),
        ("Python", platform.python_version()),
        ("Qt", qVersion()),
    ]
    for dist in (
        "PySide6-Essentials",
        "pyqtgraph",
        "eventsourcing",
        "SQLAlchemy",
        "psycopg",
        "numpy",
    ):
        try:
            out.append((dist, metadata.version(dist)))
        except metadata.PackageNotFoundError:
            continue
    out.append(("Platform", f"{platform.system()} {platform.release()} ({sys.platform})"))
    return out


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Event History Inspector")
        rows = "".join(
            f"<tr><td>{name}</td><td>&nbsp;&nbsp;{v}</td></tr>" for name, v in versions()
        )
        text = QLabel(
            "<h3>Event History Inspector</h3>"
            "<p>Browse, decode and time-travel event stores written by the Python "
            "<i>eventsourcing</i> library. Read-only unless you ask otherwise.</p>"
            f"<table>{rows}</table>"
        )
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        buttons.accepted.connect(self.accept)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(buttons)
