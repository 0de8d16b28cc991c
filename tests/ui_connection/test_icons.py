"""The app icon: resource lookup, a valid SVG, the rendered PNG sizes and the desktop entry."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtSvg import QSvgRenderer

from inspector.resources import icon_path

PACKAGING = Path(__file__).resolve().parents[2] / "packaging"


def test_icon_path(qapp) -> None:
    path = icon_path()
    assert path.endswith("event-inspector.svg") and icon_path("event-inspector.svg") == path
    assert QSvgRenderer(path).isValid()
    with pytest.raises(FileNotFoundError):
        icon_path("no-such-icon")


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256])
def test_rendered_png_sizes(qapp, size: int) -> None:
    png = PACKAGING / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "event-inspector.png"
    image = QImage(str(png))
    assert not image.isNull() and (image.width(), image.height()) == (size, size)
    assert image.hasAlphaChannel() and image.pixelColor(0, 0).alpha() == 0  # rounded corners


def test_desktop_entry_names_the_icon_and_command() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(PACKAGING / "event-inspector.desktop", encoding="utf-8")
    main = entry["Desktop Entry"]
    assert main["Icon"] == Path(icon_path()).stem
    assert main["Exec"].split()[0] == "event-inspector" and main["Type"] == "Application"
    metainfo = (PACKAGING / "io.github.eventinspector.EventInspector.metainfo.xml").read_text()
    assert "<launchable type=\"desktop-id\">event-inspector.desktop</launchable>" in metainfo
