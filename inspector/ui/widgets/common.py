"""Small shared widgets: a placeholder stack, monospace fonts, a message banner."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontDatabase
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


class MessageBanner(QFrame):
    """A non-modal message strip (errors, warnings); closes itself or by its button."""

    closed = Signal()

    STYLES = {
        "error": "background: #f8d7da; color: #58151c; border: 1px solid #f1aeb5;",
        "warning": "background: #fff3cd; color: #664d03; border: 1px solid #ffe69c;",
        "info": "background: #cfe2ff; color: #052c65; border: 1px solid #9ec5fe;",
    }

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
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)
        self.hide()

    def show_message(self, text: str, kind: str = "error", timeout_ms: int = 0) -> None:
        self.history.append(text)
        self.setStyleSheet(
            f"QFrame#MessageBanner {{{self.STYLES.get(kind, '')}}}"
            f" QLabel {{ border: none; background: transparent; }}"
        )
        self.text.setText(text)
        self.show()
        if timeout_ms:
            self._timer.start(timeout_ms)
        else:
            self._timer.stop()

    def dismiss(self) -> None:
        self.hide()
        self.closed.emit()
