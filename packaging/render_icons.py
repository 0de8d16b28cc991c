"""Render the app icon's PNG sizes from the SVG with Qt's QSvgRenderer.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py

Source: resources/icons/event-inspector.svg. Output: packaging/icons/hicolor/<N>x<N>/
apps/event-inspector.png for N in 16 32 48 64 128 256 (the freedesktop icon theme layout), plus
the SVG under hicolor/scalable/apps/.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtGui import QGuiApplication, QImage, QPainter  # noqa: E402
from PySide6.QtSvg import QSvgRenderer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "resources" / "icons" / "event-inspector.svg"
OUT = Path(__file__).resolve().parent / "icons" / "hicolor"
SIZES = (16, 32, 48, 64, 128, 256)
NAME = "event-inspector"


def render(renderer: QSvgRenderer, size: int, target: Path) -> None:
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    target.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(target), "PNG"):
        raise OSError(f"cannot write {target}")


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    renderer = QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        print(f"render_icons: {SOURCE} is not a valid SVG", file=sys.stderr)
        return 1
    for size in SIZES:
        target = OUT / f"{size}x{size}" / "apps" / f"{NAME}.png"
        render(renderer, size, target)
        print(target.relative_to(ROOT))
    scalable = OUT / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(SOURCE, scalable)
    print(scalable.relative_to(ROOT))
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
