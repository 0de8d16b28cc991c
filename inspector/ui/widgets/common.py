"""Small shared widgets: a placeholder stack, monospace fonts, a message banner."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QWidget,
)


def elastic(label: QLabel) -> QLabel:
    """Let a one-line label shrink with its panel (its text is cut) instead of widening it."""
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setMinimumWidth(20)
    return label


def compact_table(view: object) -> None:
    """Dense rows, no row numbers, no wrapping: a table a developer scans all day."""
    vh = view.verticalHeader()  # type: ignore[attr-defined]
    vh.hide()
    vh.setDefaultSectionSize(view.fontMetrics().height() + 6)  # type: ignore[attr-defined]
    view.setWordWrap(False)  # type: ignore[attr-defined]


def time_width(view: object) -> int:
    return view.fontMetrics().horizontalAdvance("2026-11-27 03:19:27.486") + 16  # type: ignore[attr-defined]


def mono_font() -> QFont:
    f = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    f.setStyleHint(QFont.StyleHint.Monospace)
    return f


class PlaceholderStack(QStackedWidget):
    """Shows ``content`` or, when there is nothing to show, a sentence saying what to do."""

    def __init__(self, content: QWidget, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(text)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setMargin(16)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setStyleSheet("color: palette(placeholder-text);")
        # a sentence wraps to any width: it never sets the panel's minimum width
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.label.setMinimumWidth(40)
        self.content = content
        self.addWidget(self.label)
        self.addWidget(content)

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.setCurrentWidget(self.label)

    def show_content(self) -> None:
        self.setCurrentWidget(self.content)

    def message(self) -> str:
        return self.label.text() if self.currentWidget() is self.label else ""


# Message colours (background, text, border) per kind in the light theme; the dark theme's come
# from ``resources/themes/dark.json`` ("messages"), with these dark fallbacks.
LIGHT_MESSAGES = {
    "error": ("#f8d7da", "#58151c", "#f1aeb5"),
    "warning": ("#fff3cd", "#664d03", "#ffe69c"),
    "info": ("#cfe2ff", "#052c65", "#9ec5fe"),
}
DARK_MESSAGES = {
    "error": ("#4a1f24", "#f5c6cb", "#7d3139"),
    "warning": ("#45390f", "#f3dd9a", "#7a6420"),
    "info": ("#1d2f4b", "#c9ddff", "#33538a"),
}


def message_colours(kind: str, palette: QPalette) -> tuple[str, str, str]:
    """``(background, text, border)`` of a message of ``kind`` (error, warning, info) for
    ``palette``: light colours on a light palette, the dark theme's on a dark one."""
    if palette.color(QPalette.ColorRole.Window).lightness() >= 128:
        return LIGHT_MESSAGES.get(kind, LIGHT_MESSAGES["info"])
    fallback = DARK_MESSAGES.get(kind, DARK_MESSAGES["info"])
    try:
        from inspector.resources import theme

        spec: Any = (theme("dark").get("messages") or {}).get(kind) or {}
        return (spec.get("background", fallback[0]), spec.get("text", fallback[1]),
                spec.get("border", fallback[2]))
    except (OSError, ValueError, AttributeError):
        return fallback


def message_css(kind: str, palette: QPalette) -> str:
    bg, fg, border = message_colours(kind, palette)
    return f"background: {bg}; color: {fg}; border: 1px solid {border};"


class _Restyle(QObject):
    """Calls ``apply`` again when the application's palette changes (light <-> dark).

    Qt stops sending palette events to a widget once a style sheet has set its palette, so this
    listens to the application itself; it lives (and is disconnected) with ``widget``."""

    def __init__(self, widget: QWidget, apply: Any) -> None:
        super().__init__(widget)
        self.apply = apply
        from PySide6.QtWidgets import QApplication

        app = QApplication.instance()
        if app is not None:
            app.paletteChanged.connect(self._changed)  # type: ignore[attr-defined]

    def _changed(self, *_args: Any) -> None:
        self.apply()


def themed_message(label: QLabel, kind: str, extra: str = "padding: 6px;") -> QLabel:
    """Colour ``label`` (which needs an object name) as a message of ``kind`` in the current
    theme, and again whenever the theme changes."""
    name = label.objectName()

    def apply() -> None:
        from PySide6.QtWidgets import QApplication

        css = f"QLabel#{name} {{ {message_css(kind, QApplication.palette())} {extra} }}"
        if label.styleSheet() != css:  # no loop: restyling may post a palette change
            label.setStyleSheet(css)

    apply()
    _Restyle(label, apply)
    return label


class MessageBanner(QFrame):
    """A non-modal message strip (errors, warnings); closes itself or by its button."""

    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MessageBanner")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(8, 4, 4, 4)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.setToolTip("Dismiss")
        close.clicked.connect(self.dismiss)
        lay.addWidget(self.text, 1)
        lay.addWidget(close)
        self.history: list[str] = []
        self.kind = "error"
        _Restyle(self, self._style)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def show_message(self, text: str, kind: str = "error", timeout_ms: int = 0) -> None:
        self.history.append(text)
        self.kind = kind
        self._style()
        self.text.setText(text)
        self.show()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def _style(self) -> None:
        from PySide6.QtWidgets import QApplication

        css = (f"QFrame#MessageBanner {{{message_css(self.kind, QApplication.palette())}}}"
               " QLabel { border: none; background: transparent; }")
        if self.styleSheet() != css:
            self.setStyleSheet(css)

    def dismiss(self) -> None:
        self.hide()
        self.closed.emit()
