"""What both operator panels share: a store context, a task runner, write mode, confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QInputDialog, QMessageBox, QWidget

from inspector.core.writes import WritePlan
from inspector.ui.workers import TaskRunner


class OpsPanel(QWidget):
    """Base of the operator panels. ``set_context`` (or ``set_session``) gives them a store."""

    writeModeChanged = Signal(bool)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None, runner: TaskRunner | None = None) -> None:
        super().__init__(parent)
        self.runner = runner or TaskRunner(self)
        self.store: Any = None
        self.codec: Any = None
        self.replayer: Any = None
        self.session: Any = None
        self.write_enabled = False
        self.production = False
        self.store_label: str | None = None
        # Replaceable in tests: show the plan, return True to go ahead.
        self.confirm: Callable[[WritePlan], bool] = self._confirm_dialog
        self.last_error: str | None = None

    # -- context ------------------------------------------------------------------------------
    def set_context(
        self, store: Any, codec: Any, replayer: Any | None, write_enabled: bool
    ) -> None:
        self.store = store
        self.codec = codec
        self.replayer = replayer
        self.write_enabled = bool(write_enabled)
        self.context_changed()

    def set_session(self, session: Any) -> None:
        """The main window's way in: a ``Session`` (store, codec, replayer, request)."""
        self.session = session
        req = getattr(session, "request", None)
        colour = (getattr(req, "env_colour", None) or "").lower()
        self.production = bool(getattr(req, "production", False)) or colour in ("production",
                                                                                 "prod")
        self.store_label = getattr(req, "profile_name", None) or None
        self.set_context(session.store, session.codec, getattr(session, "replayer", None),
                         bool(getattr(session, "write_enabled", False)))

    def context_changed(self) -> None:  # pragma: no cover - overridden
        pass

    def set_write_enabled(self, on: bool) -> None:
        self.write_enabled = bool(on)
        self.writeModeChanged.emit(self.write_enabled)
        self.write_mode_changed()

    def write_mode_changed(self) -> None:  # pragma: no cover - overridden
        pass

    def request_write_mode(self) -> bool:
        """Ask to switch write mode on; on a production connection the store's name is typed."""
        if self.store is None:
            return False
        if self.production:
            name = self.store_label or self.store.name
            text, ok = QInputDialog.getText(
                self, "Write mode on a production store",
                f"This connection is marked as production.\nType the store's name "
                f"'{name}' to allow writes:")
            if not ok or text.strip() != name:
                return False
        elif QMessageBox.question(
            self, "Write mode",
            "Allow this window to change the store (snapshots, tracking, view tables)?\n"
            "Every write is previewed, confirmed, run in a transaction and logged.",
        ) != QMessageBox.StandardButton.Yes:
            return False
        self.set_write_enabled(True)
        return True

    # -- helpers ------------------------------------------------------------------------------
    def _confirm_dialog(self, plan: WritePlan) -> bool:
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(plan.action)
        box.setText(f"{plan.action}: {plan.row_count} row(s) on {plan.store}. Proceed?")
        box.setDetailedText(plan.render())
        box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    def show_error(self, text: str) -> None:
        self.last_error = text
        self.message.emit(text)
