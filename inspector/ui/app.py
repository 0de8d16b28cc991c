"""Start the GUI: QApplication, palette following the system, the main window, headless renders."""

from __future__ import annotations

import os
import sys
import time
import traceback
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

from inspector.ui.main_window import MainWindow
from inspector.ui.session import OpenRequest
from inspector.ui.window_opening import SETTINGS_APP, SETTINGS_ORG


def dark_palette() -> QPalette:
    """The dark palette of ``resources/themes/dark.json`` (Qt's standard one if it is missing)."""
    from inspector.resources import theme

    p = QPalette()
    try:
        data = theme("dark")
    except (OSError, ValueError):
        return p
    for group_name, groups in (
        ("active", (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive)),
        ("disabled", (QPalette.ColorGroup.Disabled,)),
    ):
        for role_name, colour in (data.get(group_name) or {}).items():
            role = getattr(QPalette.ColorRole, role_name, None)
            if role is None:
                continue
            for group in groups:
                p.setColor(group, role, QColor(colour))
    return p


def is_dark(palette: QPalette) -> bool:
    """Whether ``palette`` is a dark one (its window colour is dark)."""
    return palette.color(QPalette.ColorRole.Window).lightness() < 128


def apply_palette(app: QApplication, scheme: Any = None) -> str:
    """Light or dark palette following the system colour scheme (EVENT_INSPECTOR_THEME wins)."""
    forced = os.environ.get("EVENT_INSPECTOR_THEME", "").lower()
    if scheme is None:
        scheme = app.styleHints().colorScheme()
    dark = forced == "dark" or (forced != "light" and scheme == Qt.ColorScheme.Dark)
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    return "dark" if dark else "light"


def app_icon() -> QIcon:
    """The application icon from the package resources (an empty icon if it is missing)."""
    try:
        from inspector.resources import icon_path

        return QIcon(icon_path())
    except FileNotFoundError:
        return QIcon()


def check_display() -> None:
    """Say clearly when there is no screen to show a window on (Qt would abort the process)."""
    if QApplication.instance() is not None or not sys.platform.startswith("linux"):
        return
    from inspector.core.errors import InspectorError

    if (
        os.environ.get("QT_QPA_PLATFORM")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        # Qt aborts the process when the platform plugin cannot load (and blames libxcb-cursor0
        # whatever is missing): name the missing libraries and their packages instead.
        from inspector.ui import qtcheck

        plat = qtcheck.platform_name()
        if plat in ("xcb", "wayland"):
            missing = qtcheck.missing_libraries((plat,))
            if missing:
                pkgs = " ".join(qtcheck.debian_packages(missing, check=False))
                raise InspectorError(
                    f"Qt's {plat} platform plugin cannot load: missing {' '.join(missing)} "
                    f"(on Debian/Ubuntu: apt install {pkgs}; ./run demo installs them)"
                )
        return

    raise InspectorError(
        "no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset); "
        "use a headless command, or gui --screenshot FILE.png"
    )


# Qt messages that say nothing to the user: the offscreen platform (headless --screenshot) warns on
# every window whose size hints change.
QUIET_QT_MESSAGES = ("This plugin does not support propagateSizeHints()",)


def quiet_qt_messages() -> None:
    """Drop :data:`QUIET_QT_MESSAGES`; every other Qt message still reaches stderr."""

    def handler(kind: QtMsgType, context: Any, message: str) -> None:
        if message in QUIET_QT_MESSAGES:
            return
        sys.stderr.write(f"{message}\n")

    qInstallMessageHandler(handler)


def make_app(argv: list[str] | None = None) -> QApplication:
    existing = QApplication.instance()
    if existing is not None:
        return existing  # type: ignore[return-value]
    # Every Qt -> Python call (each cell an item view paints, each event handler) takes the GIL
    # back from the worker threads; with the default 5 ms switch interval a busy replay makes
    # each of those wait up to 5 ms and a repaint stalls for 100-300 ms. 1 ms keeps the window
    # fluid at a small cost in worker throughput (measured in tests/bench/bench_gui.py).
    sys.setswitchinterval(0.001)
    app = QApplication(argv if argv is not None else [sys.argv[0]])
    app.setOrganizationName(SETTINGS_ORG)
    app.setApplicationName(SETTINGS_APP)
    app.setApplicationDisplayName(SETTINGS_APP)
    app.setDesktopFileName("event-inspector")
    app.setStyle("Fusion")
    from inspector.resources import stylesheet

    app.setStyleSheet(stylesheet())
    apply_palette(app)
    app.styleHints().colorSchemeChanged.connect(lambda s: apply_palette(app, s))
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
    return app


def install_excepthook(win: MainWindow) -> None:
    """A bug in a slot becomes a message in the window (and a traceback on stderr), not a crash."""
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, tb: Any) -> None:
        from inspector.core.redact import redact

        sys.stderr.write(redact("".join(traceback.format_exception(kind, value, tb))))
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, value, tb)
            return
        try:
            win.show_error(f"Internal error (the window carries on): {kind.__name__}: {value}")
        except RuntimeError:  # the window is gone
            pass

    sys.excepthook = hook


def wait_until(predicate: Any, timeout_s: float = 60.0) -> bool:
    """Spin the event loop until ``predicate()`` or the timeout (headless renders)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        QGuiApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def settled(win: MainWindow, stream: str | None) -> bool:
    """Nothing loading, and the requested stream (if any) shown or an error reported."""
    if win.runner.is_busy():
        return False
    if win.banner.history:
        return True
    if stream is None:
        return win.session is not None
    return win.stream is not None


def render(win: MainWindow, out: str, stream: str | None, timeout_s: float = 120.0) -> None:
    """Wait for the window to settle, then write its image to ``out`` (PNG)."""
    ok = wait_until(lambda: settled(win, stream), timeout_s)
    QGuiApplication.processEvents()
    if not ok:
        print(
            "event-inspector: the window did not settle in time; writing what it shows",
            file=sys.stderr,
        )
    image = win.grab()
    if not image.save(out):
        from inspector.core.errors import InspectorError

        raise InspectorError(f"cannot write {out}")


def run(
    req: OpenRequest | None,
    stream: str | None = None,
    version: int | None = None,
    screenshot: str | None = None,
    size: tuple[int, int] | None = None,
    startup_error: str | None = None,
    demo: bool = False,
    mode: str = "auto",
) -> int:
    if screenshot:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        quiet_qt_messages()
    check_display()
    app = make_app()
    scratch = None
    if screenshot:
        # A headless render starts from the default layout and keeps nothing: the user's
        # settings (window geometry of an 800x600 offscreen screen, recent list, keyring) are
        # neither read nor written.
        import tempfile

        from PySide6.QtCore import QSettings

        scratch = tempfile.TemporaryDirectory(prefix="ei-shot-")
        settings = QSettings(os.path.join(scratch.name, "settings.ini"), QSettings.Format.IniFormat)
        win = MainWindow(settings)
        win.persist = False
        win.resize(*(size or (1440, 900)))
    else:
        win = MainWindow()
    install_excepthook(win)
    win.show()
    if startup_error:
        win.show_error(startup_error)
    if demo:
        QTimer.singleShot(0, lambda: win.open_demo(stream, version, mode))
    elif req is not None:
        QTimer.singleShot(0, lambda: win.open_store(req, stream, version))
    if screenshot:
        try:
            render(win, screenshot, stream)
            win.close()
        finally:
            if scratch is not None:
                scratch.cleanup()
        print(screenshot)
        return 0 if not win.banner.history else 1
    return int(app.exec())
