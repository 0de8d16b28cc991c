"""One event in detail: decoded JSON tree, raw bytes as hex, metadata; decode errors in place."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from inspector.ui.format import hex_bytes_per_line, hex_dump, human_size, short_time
from inspector.ui.widgets.common import PlaceholderStack, mono_font, themed_message
from inspector.ui.widgets.json_view import JsonView


class EventDetail(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.current_event: dict[str, Any] | None = None
        self.title = QLabel()
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setWordWrap(True)
        self.error = QLabel()
        self.error.setObjectName("decodeError")
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        themed_message(self.error, "error")
        self.error.hide()
        self.tree = JsonView()
        self.hex = QPlainTextEdit()
        self.hex.setReadOnly(True)
        self.hex.setFont(mono_font())
        self.hex.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.hex.viewport().installEventFilter(self)  # rows as wide as the view: see _fill_hex
        self._hex_per_line = 0
        self.meta = QWidget()
        self.meta_form = QFormLayout(self.meta)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.tree, "Decoded")
        self.tabs.addTab(self.hex, "Raw bytes")
        meta_scroll = QScrollArea()  # nine rows must not set the pane's minimum height
        meta_scroll.setWidgetResizable(True)
        meta_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        meta_scroll.setWidget(self.meta)
        self.tabs.addTab(meta_scroll, "Metadata")
        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.error)
        lay.addWidget(self.tabs, 1)
        self.stack = PlaceholderStack(
            inner, "Select an event to see its decoded payload and raw bytes."
        )
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

    def clear(
        self, message: str = "Select an event to see its decoded payload and raw bytes."
    ) -> None:
        self.current_event = None
        self.stack.show_message(message)

    def show_event(self, ev: dict[str, Any] | None) -> None:
        if ev is None:
            self.clear("Loading event…")
            return
        self.current_event = ev
        self.stack.show_content()
        enc = []
        if ev.get("compression"):
            enc.append(ev["compression"])
        if ev.get("encrypted"):
            enc.append("AES-GCM")
        parts = [
            f"<b>v{ev['version']}</b>",
            ev["topic"],
            short_time(ev["timestamp"]),
            human_size(ev["size"]),
            " + ".join(enc),
        ]
        self.title.setText(" · ".join(p for p in parts if p))
        if ev["error"] is not None:
            self.error.setText(f"Cannot decode this event: {ev['error']}. The raw bytes are below.")
            self.error.show()
            self.tree.set_value({"error": ev["error"]})
            self.tabs.setCurrentWidget(self.hex)
        else:
            self.error.hide()
            self.tree.set_value(ev["data"], expand_depth=2)
            if self.tabs.currentWidget() is self.hex and self._last_error:
                self.tabs.setCurrentWidget(self.tree)
        self._last_error = ev["error"] is not None
        self._hex_per_line = 0
        self._fill_hex()
        while self.meta_form.rowCount():
            self.meta_form.removeRow(0)
        for label, value in (
            ("Stream", ev["stream"]),
            ("Version", ev["version"]),
            ("Position", ev["position"]),
            ("Topic", ev["topic"]),
            ("Timestamp", ev["timestamp"] or "—"),
            ("Stored size", f"{ev['size']:,} bytes"),
            ("Compression", ev.get("compression") or "none"),
            ("Encrypted", "yes (AES-GCM)" if ev.get("encrypted") else "no"),
            ("Decode error", ev["error"] or "none"),
        ):
            v = QLabel(str(value))
            v.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            v.setWordWrap(True)
            v.setToolTip(str(value))
            # ids and topics have no spaces to wrap at: let them be cut, not widen the panel
            v.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            v.setMinimumWidth(40)
            self.meta_form.addRow(f"{label}:", v)

    _last_error = False

    def hex_per_line(self) -> int:
        """Bytes per hex row that fit the Raw bytes view's width (16, 8 or 4)."""
        fm = self.hex.fontMetrics()
        columns = (self.hex.viewport().width() - 8) // max(1, fm.horizontalAdvance("0"))
        return hex_bytes_per_line(columns)

    def _fill_hex(self) -> None:
        ev = self.current_event
        n = self.hex_per_line()
        if ev is None or n == self._hex_per_line:
            return
        self._hex_per_line = n
        self.hex.setPlainText(hex_dump(ev.get("raw") or b"", per_line=n))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.hex.viewport() and event.type() == QEvent.Type.Resize:
            self._fill_hex()
        return False
