"""A tab page that builds its real panel the first time it is shown (keeps start-up fast).

The operator panels (snapshots, projections) import pyqtgraph and build charts; the window
should not pay for that before the first streams page is on screen. Until then the calls the
window makes (``set_session``, ``set_stream``) are remembered and replayed on construction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

_UNSET = object()


class LazyPanel(QWidget):
    def __init__(
        self,
        factory: Callable[[], QWidget],
        on_built: Callable[[QWidget], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._factory = factory
        self._on_built = on_built
        self._panel: QWidget | None = None
        self._session: Any = _UNSET
        self._stream: Any = _UNSET
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.error: str | None = None

    # -- the window's calls -------------------------------------------------------------------
    def set_session(self, session: Any) -> None:
        self._session = session
        self._stream = _UNSET
        if self._panel is not None:
            self._call("set_session", session)

    def set_stream(self, stream: str | None) -> None:
        self._stream = stream
        if self._panel is not None:
            self._call("set_stream", stream)

    @property
    def write_enabled(self) -> bool:
        return bool(getattr(self._panel, "write_enabled", False))

    # -- construction -------------------------------------------------------------------------
    def panel(self) -> QWidget:
        """The real panel, built now if it was not yet."""
        if self._panel is None:
            panel = self._factory()
            holder = QScrollArea()  # a wide panel scrolls instead of widening the window
            holder.setWidgetResizable(True)
            holder.setFrameShape(QScrollArea.Shape.NoFrame)
            holder.setWidget(panel)
            self._layout.addWidget(holder)
            self._panel = panel
            if self._on_built is not None:
                self._on_built(panel)
            if self._session is not _UNSET and self._session is not None:
                self._call("set_session", self._session)
            if self._stream is not _UNSET:
                self._call("set_stream", self._stream)
        return self._panel

    def built(self) -> bool:
        return self._panel is not None

    def _call(self, name: str, value: Any) -> None:
        fn = getattr(self._panel, name, None)
        if fn is not None:
            fn(value)

    def showEvent(self, event: QShowEvent) -> None:
        self.panel()
        super().showEvent(event)
