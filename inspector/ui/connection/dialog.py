"""The connection dialog: pick a store, say how to read it, keep it as a profile.

Left: saved profiles and recent connections. Right: the store (SQLite file picker or URL, with a
separate password field), schema, the application (filled by probing the database in a worker
thread), cipher key, domain paths, application class, replay mode, and the profile's name,
environment colour and production flag. "Test connection" probes and says what it found in one
line. Open returns a :class:`ConnectionSpec` (:meth:`ConnectionDialog.spec`) and records it as a
recent connection. Passwords and cipher keys go to the OS keyring, never to the settings file; with
no usable keyring the dialog says so and asks each time.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from inspector.core.codec import DEFAULT_MAX_PAYLOAD_MB
from inspector.ui.connection.probe import ProbeResult, probe
from inspector.ui.connection.profiles import ProfileStore
from inspector.ui.connection.spec import (
    ENVIRONMENTS,
    MODES,
    ConnectionSpec,
    check_app_class,
    check_projector,
    is_url,
    split_password,
)
from inspector.ui.workers import TaskRunner, Ticket

OK_COLOUR = "#2e7d32"
ERROR_COLOUR = "#c62828"
SQLITE_FILTER = "SQLite databases (*.db *.sqlite *.sqlite3 *.db3);;All files (*)"
_SPEC_ROLE = Qt.ItemDataRole.UserRole + 1
_KIND_ROLE = Qt.ItemDataRole.UserRole + 2


def colour_icon(colour: str | None, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(colour) if colour else QColor(0, 0, 0, 0))
    return QIcon(pix)


class ConnectionDialog(QDialog):
    """Choose a connection. ``exec()`` then :meth:`spec`, or :meth:`get_connection`."""

    probeFinished = Signal(object)  # a ProbeResult, or an error line (str)

    def __init__(
        self,
        parent: QWidget | None = None,
        store: ProfileStore | None = None,
        initial: ConnectionSpec | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open an event store")
        self.setObjectName("ConnectionDialog")
        self.store = store or ProfileStore()
        self.runner = TaskRunner(self, max_threads=1)
        self.last_probe: ProbeResult | None = None
        # Set by the main window: opens the chosen connection (in a worker thread) and returns
        # the open session; the dialog stays up with the error when it fails (see accept()).
        self.opener: Callable[[ConnectionSpec], Any] | None = None
        self.opened: Any = None
        self._build()
        self.refresh_lists()
        self._show_keyring_status()
        if initial is not None:
            self.set_spec(initial)
        self.resize(860, 520)

    # -- layout -------------------------------------------------------------------------------
    def _build(self) -> None:
        self.saved = QListWidget()
        self.saved.setObjectName("savedConnections")
        self.saved.itemActivated.connect(self._load_item)
        self.saved.currentItemChanged.connect(lambda cur, _prev: self._load_item(cur))
        self.saved.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.saved.customContextMenuRequested.connect(self._list_menu)

        self.location = QLineEdit()
        self.location.setObjectName("location")
        self.location.setPlaceholderText("/path/to/app.db  or  postgresql://user@host:5432/db")
        self.location.editingFinished.connect(self._location_edited)
        self.browse_button = QPushButton("Browse…")
        self.browse_button.setToolTip("Pick a SQLite file")
        self.browse_button.clicked.connect(self._browse)
        loc_row = _row(self.location, self.browse_button)

        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("database password (not needed for SQLite)")
        self.schema = QLineEdit()
        self.schema.setObjectName("schema")
        self.schema.setPlaceholderText("all schemas")

        self.app_combo = QComboBox()
        self.app_combo.setObjectName("application")
        self.app_combo.setEditable(True)
        self.app_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.app_combo.lineEdit().setPlaceholderText("the only one (Test connection lists them)")
        self.app_combo.activated.connect(self._app_chosen)

        self.cipher_key = QLineEdit()
        self.cipher_key.setObjectName("cipherKey")
        self.cipher_key.setEchoMode(QLineEdit.EchoMode.Password)
        self.cipher_key.setPlaceholderText("AES key, base64 (only for encrypted stores)")
        show_key = QToolButton()
        show_key.setText("Show")
        show_key.setCheckable(True)
        show_key.toggled.connect(
            lambda on: self.cipher_key.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        key_row = _row(self.cipher_key, show_key)

        self.paths = QLineEdit()
        self.paths.setObjectName("paths")
        self.paths.setPlaceholderText(f"folders with your domain code, separated by '{os.pathsep}'")
        add_path = QPushButton("Add folder…")
        add_path.clicked.connect(self._add_path)
        paths_row = _row(self.paths, add_path)
        self.app_class = QLineEdit()
        self.app_class.setObjectName("appClass")
        self.app_class.setPlaceholderText("package.module:MyApplication (optional)")
        self.snapshots_table = QLineEdit()
        self.snapshots_table.setObjectName("snapshotsTable")
        self.snapshots_table.setPlaceholderText(
            "found from the schema (name it only when Test connection says it is ambiguous)")
        self.projector = QLineEdit()
        self.projector.setObjectName("projector")
        self.projector.setPlaceholderText(
            "package.module:project_fn (functional aggregates; optional: default the app "
            "class's snapshotting_projectors)"
        )
        self.mode = QComboBox()
        self.mode.setObjectName("mode")
        self.mode.addItems(list(MODES))

        self.max_payload = QDoubleSpinBox()
        self.max_payload.setObjectName("maxPayload")
        self.max_payload.setRange(1, 1_000_000)
        self.max_payload.setDecimals(0)
        self.max_payload.setSuffix(" MB")
        self.max_payload.setValue(DEFAULT_MAX_PAYLOAD_MB)
        self.max_payload.setToolTip(
            "Largest event payload decoded, after decompression/decryption (--max-payload);"
            " a larger one is shown as a cut marker"
        )
        self.profile_name = QLineEdit()
        self.profile_name.setObjectName("profileName")
        self.profile_name.setPlaceholderText("name to save this connection as a profile")
        self.environment = QComboBox()
        self.environment.setObjectName("environment")
        for name, colour in ENVIRONMENTS.items():
            self.environment.addItem(colour_icon(colour), name or "none", colour)
        self.environment.currentIndexChanged.connect(self._environment_changed)
        self.production = QCheckBox("Production: type the store's name to confirm any write")
        self.production.setObjectName("production")
        self.remember = QCheckBox("Remember the password and cipher key in the system keyring")
        self.remember.setObjectName("remember")
        self.remember.setChecked(True)
        self.keyring_note = QLabel()
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setWordWrap(True)

        form = QFormLayout()
        form.addRow("&Store:", loc_row)
        form.addRow("Pass&word:", self.password)
        form.addRow("Sc&hema:", self.schema)
        form.addRow("A&pplication:", self.app_combo)
        form.addRow("&Cipher key:", key_row)
        form.addRow("&Domain paths:", paths_row)
        form.addRow("Application c&lass:", self.app_class)
        form.addRow("Pro&jector function:", self.projector)
        form.addRow("Snapshots &table:", self.snapshots_table)
        form.addRow("Replay &mode:", self.mode)
        form.addRow("Max pa&yload:", self.max_payload)
        form.addRow(QLabel(""))
        form.addRow("Profile &name:", self.profile_name)
        form.addRow("&Environment:", self.environment)
        form.addRow("", self.production)
        form.addRow("", self.remember)
        form.addRow("", self.keyring_note)

        self.test_button = QPushButton("&Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test_connection)
        self.result = QLabel()
        self.result.setObjectName("probeResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result, 1)

        self.save_button = QPushButton("&Save profile")
        self.save_button.setObjectName("saveProfile")
        self.save_button.clicked.connect(self.save_profile)
        self.delete_button = QPushButton("Delete profile")
        self.delete_button.setObjectName("deleteProfile")
        self.delete_button.clicked.connect(self.delete_profile)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Open | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addLayout(form)
        rl.addLayout(test_row)
        rl.addStretch(1)
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel("Profiles and recent connections"))
        ll.addWidget(self.saved)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([230, 630])
        outer = QVBoxLayout(self)
        outer.addWidget(split, 1)
        outer.addWidget(self.buttons)
        self.location.setFocus()

    # -- lists --------------------------------------------------------------------------------
    def refresh_lists(self) -> None:
        self.saved.blockSignals(True)
        self.saved.clear()
        for title, specs in (("Profiles", self.store.profiles()), ("Recent", self.store.recent())):
            header = QListWidgetItem(title)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: not selectable
            font = header.font()
            font.setBold(True)
            header.setFont(font)
            self.saved.addItem(header)
            if not specs:
                empty = QListWidgetItem("   (none)")
                empty.setFlags(Qt.ItemFlag.NoItemFlags)
                self.saved.addItem(empty)
            for spec in specs:
                label = spec.profile_name if title == "Profiles" else spec.title()
                item = QListWidgetItem(colour_icon(spec.env_colour), label or spec.location)
                item.setToolTip(spec.location)
                item.setData(_SPEC_ROLE, spec)
                item.setData(_KIND_ROLE, "profile" if title == "Profiles" else "recent")
                self.saved.addItem(item)
        self.saved.blockSignals(False)

    def _list_menu(self, pos: QPoint) -> None:
        item = self.saved.itemAt(pos)
        spec = item.data(_SPEC_ROLE) if item is not None else None
        kind = item.data(_KIND_ROLE) if item is not None else None
        menu = QMenu(self)
        if isinstance(spec, ConnectionSpec) and kind == "recent":
            menu.addAction("Forget this connection", lambda: self.forget_recent(spec))
        elif isinstance(spec, ConnectionSpec) and spec.profile_name:
            name = spec.profile_name
            menu.addAction(f"Delete profile “{name}”…", lambda: self.delete_profile(name))
        menu.addAction("Clear recent connections", self.clear_recent)
        menu.popup(self.saved.viewport().mapToGlobal(pos))

    def forget_recent(self, spec: ConnectionSpec) -> None:
        self.store.forget_recent(spec)
        self.refresh_lists()

    def clear_recent(self) -> None:
        self.store.clear_recent()
        self.refresh_lists()

    def _load_item(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        spec = item.data(_SPEC_ROLE)
        if isinstance(spec, ConnectionSpec):
            self.set_spec(spec)

    # -- the form <-> a spec --------------------------------------------------------------------
    def set_spec(self, spec: ConnectionSpec) -> None:
        """Fill the form from ``spec``; its secrets come from the keyring when not given."""
        full = self.store.with_secrets(spec)
        self.location.setText(full.location)
        self.password.setText(full.password or "")
        self.schema.setText(full.schema or "")
        self.app_combo.clear()
        self.app_combo.setEditText(full.app or "")
        self.cipher_key.setText(full.cipher_key or "")
        self.paths.setText(os.pathsep.join(full.paths))
        self.app_class.setText(full.app_class or "")
        self.projector.setText(full.projector or "")
        self.snapshots_table.setText(full.snapshots_table or "")
        self.mode.setCurrentText(full.mode if full.mode in MODES else "auto")
        self.max_payload.setValue(full.max_payload_mb or DEFAULT_MAX_PAYLOAD_MB)
        self.profile_name.setText(full.profile_name or "")
        env_index = self.environment.findData(full.env_colour) if full.env_colour else 0
        if env_index < 0:  # a custom colour
            self.environment.addItem(colour_icon(full.env_colour), full.env_colour, full.env_colour)
            env_index = self.environment.count() - 1
        self.environment.setCurrentIndex(env_index)
        self.production.setChecked(full.production)
        self.result.clear()
        self.last_probe = None
        if is_url(full.location) and not full.password and not self.store.secrets_available:
            self.password.setFocus()

    def spec(self) -> ConnectionSpec:
        """The connection the form describes (with the password and cipher key typed in)."""
        location, url_password = split_password(self.location.text())
        paths = [p.strip() for p in self.paths.text().split(os.pathsep) if p.strip()]
        return ConnectionSpec(
            location=location,
            schema=self.schema.text().strip() or None,
            app=self._app_name(),
            cipher_key=self.cipher_key.text().strip() or None,
            password=self.password.text() or url_password or None,
            paths=paths,
            app_class=self.app_class.text().strip() or None,
            projector=self.projector.text().strip() or None,
            snapshots_table=self.snapshots_table.text().strip() or None,
            profile_name=self.profile_name.text().strip() or None,
            env_colour=self.environment.currentData(),
            production=self.production.isChecked(),
            mode=self.mode.currentText(),
            max_payload_mb=(
                None if self.max_payload.value() == DEFAULT_MAX_PAYLOAD_MB
                else self.max_payload.value()
            ),
        )

    def _app_name(self) -> str | None:
        text = self.app_combo.currentText().strip()
        index = self.app_combo.currentIndex()
        if index >= 0 and self.app_combo.itemText(index).strip() == text:
            data = self.app_combo.itemData(index)
            if data:
                return str(data[0])
        return text or None

    # -- actions ------------------------------------------------------------------------------
    def _location_edited(self) -> None:
        location, password = split_password(self.location.text())
        if password is not None:
            self.location.setText(location)
            self.password.setText(password)
            self._say("The password was moved from the URL to the password field.", None)

    def _browse(self) -> None:
        start = os.path.dirname(self.location.text()) if not is_url(self.location.text()) else ""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a SQLite event store", start, SQLITE_FILTER
        )
        if path:
            self.location.setText(path)
            self.test_connection()

    def _add_path(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Folder with your domain code")
        if folder:
            current = [p for p in self.paths.text().split(os.pathsep) if p.strip()]
            self.paths.setText(os.pathsep.join([*current, folder]))

    def _environment_changed(self, _index: int) -> None:
        if self.environment.currentText() == "production":
            self.production.setChecked(True)

    def _app_chosen(self, index: int) -> None:
        data = self.app_combo.itemData(index)
        if not data or self.last_probe is None:
            return
        name, schema = data
        same_name = [a for a in self.last_probe.apps if a.name.lower() == name.lower()]
        if schema and len(same_name) > 1:
            self.schema.setText(schema)

    def test_connection(self) -> None:
        """Probe the store in a worker thread; the answer lands in the result line."""
        spec = self.spec()
        if spec.password is None and is_url(spec.location):
            spec.password = self.store.password_for(spec)
        self._say("Connecting…", None)
        self.test_button.setEnabled(False)

        def work(ticket: Ticket) -> ProbeResult:
            return probe(spec.location, spec.schema, spec.password, spec.cipher_key)

        self.runner.submit(
            "probe", work, self._probe_done, self._probe_failed, label="testing the connection"
        )

    def _probe_done(self, result: ProbeResult) -> None:
        self.test_button.setEnabled(True)
        self.last_probe = result
        typed = self.app_combo.currentText()
        self.app_combo.clear()
        names = [a.name for a in result.apps]
        for app in result.apps:
            label = app.name + (f"  ({app.schema})" if app.schema else "")
            self.app_combo.addItem(label, (app.name, app.schema))
        wanted = typed.strip().lower()
        match = next((i for i, n in enumerate(names) if n.lower() == wanted), None)
        if match is not None:
            self.app_combo.setCurrentIndex(match)
            self.app_combo.setEditText(names[match])
        else:  # one application needs no choice: leave the field empty ("the only one")
            self.app_combo.setEditText(typed)
        text = "✓ " + result.summary()
        if len(names) > 1 and match is None:
            text += " — choose an application"
        self._say(text, OK_COLOUR)
        self.probeFinished.emit(result)

    def _probe_failed(self, message: str) -> None:
        if message.startswith("\x00"):
            return  # superseded by a newer probe
        self.test_button.setEnabled(True)
        self.last_probe = None
        self._say("✗ " + message, ERROR_COLOUR)
        self.probeFinished.emit(message)

    def _problem(self, spec: ConnectionSpec) -> str | None:
        if not spec.location:
            return "Give a SQLite file or a database URL."
        return check_app_class(spec.app_class or "") or check_projector(spec.projector or "")

    def save_profile(self) -> bool:
        spec = self.spec()
        problem = self._problem(spec)
        if problem is None and not spec.profile_name:
            problem = "Give the profile a name."
        if problem:
            self._say("✗ " + problem, ERROR_COLOUR)
            return False
        self.store.save(spec)
        self.refresh_lists()
        note = "" if self.store.secrets_available else " (password and key not kept: no keyring)"
        self._say(f"Profile “{spec.profile_name}” saved{note}.", OK_COLOUR)
        return True

    def delete_profile(self, name: str | None = None) -> None:
        name = name if isinstance(name, str) else self.profile_name.text().strip()
        if not name or self.store.profile(name) is None:
            self._say("✗ No saved profile of that name.", ERROR_COLOUR)
            return
        answer = QMessageBox.question(self, "Delete profile", f"Delete the profile “{name}”?")
        if answer == QMessageBox.StandardButton.Yes:
            self.store.delete(name)
            self.refresh_lists()
            self._say(f"Profile “{name}” deleted.", None)

    def accept(self) -> None:
        spec = self.spec()
        problem = self._problem(spec)
        if problem:
            self._say("✗ " + problem, ERROR_COLOUR)
            return
        if self.opener is None:
            self.store.add_recent(spec, remember_secrets=self.remember.isChecked())
            super().accept()
            return
        if spec.password is None and is_url(spec.location):
            spec.password = self.store.password_for(spec)
        opener = self.opener
        self._say("Opening…", None)
        self.buttons.setEnabled(False)

        def done(session: Any) -> None:
            self.buttons.setEnabled(True)
            self.opened = session
            self.store.add_recent(spec, remember_secrets=self.remember.isChecked())
            QDialog.accept(self)

        def failed(message: str) -> None:
            self.buttons.setEnabled(True)
            if not message.startswith("\x00"):  # not superseded
                self._say("✗ Could not open: " + message, ERROR_COLOUR)

        self.runner.submit("open", lambda t: opener(spec), done, failed, label="opening")

    # -- helpers ------------------------------------------------------------------------------
    def _show_keyring_status(self) -> None:
        status = self.store.secrets_status
        if status is None:
            self.keyring_note.setText("Passwords and cipher keys are kept in the system keyring.")
            self.remember.setEnabled(True)
        else:
            self.keyring_note.setText(
                f"⚠ {status}: passwords and cipher keys are not saved — "
                "you will be asked for them each time."
            )
            self.keyring_note.setStyleSheet(f"color: {ERROR_COLOUR};")
            self.remember.setChecked(False)
            self.remember.setEnabled(False)

    def _say(self, text: str, colour: str | None) -> None:
        from inspector.ui.messages import for_gui

        self.result.setText(for_gui(text))
        self.result.setStyleSheet(f"color: {colour};" if colour else "")

    @classmethod
    def get_connection(
        cls,
        parent: QWidget | None = None,
        store: ProfileStore | None = None,
        initial: ConnectionSpec | None = None,
    ) -> ConnectionSpec | None:
        """Show the dialog modally; the chosen connection, or None when cancelled."""
        dialog = cls(parent, store, initial)
        try:
            return dialog.spec() if dialog.exec() == QDialog.DialogCode.Accepted else None
        finally:
            dialog.deleteLater()


def _row(*widgets: QWidget) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, w in enumerate(widgets):
        layout.addWidget(w, 1 if i == 0 else 0)
    return box
