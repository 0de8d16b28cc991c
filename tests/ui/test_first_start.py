"""First start on a real X server: the xcb platform plugin loads, a window shows and quits.

Runs the app under Xvfb with ``QT_QPA_PLATFORM=xcb`` (not offscreen), so a platform plugin
that cannot load (missing ``libxcb-*`` libraries) fails here as it would on a user's desktop.
Xvfb is installed by ``.ci/run``; a machine without it fails this test (it is never skipped).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_runner import run_cli
from conftest import BankStore
from PySide6.QtGui import QImage

from inspector.ui import qtcheck


@pytest.fixture(scope="module")
def xdisplay() -> Iterator[str]:
    """A private Xvfb server; yields its DISPLAY (":N")."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.fail("Xvfb is required for the xcb start-up test (apt install xvfb; .ci/run does)")
    r, w = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(w), "-screen", "0", "1600x1000x24", "-nolisten", "tcp"],
        pass_fds=(w,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(w)
    with os.fdopen(r) as f:
        number = f.readline().strip()
    assert number, "Xvfb did not report a display number"
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(10)


def x_env(display: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY",)}
    env.update(DISPLAY=display, QT_QPA_PLATFORM="xcb")
    return env


def test_ldd_parsing_and_debian_package_names() -> None:
    text = (
        "\tlibxcb-icccm.so.4 => not found\n"
        "\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x0000)\n"
        "\tlibxcb-keysyms.so.1 => not found\n"
        "\tlibxcb-icccm.so.4 => not found\n"
    )
    assert qtcheck.parse_ldd(text) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    names = {
        "libxcb-icccm.so.4": "libxcb-icccm4",
        "libxcb-render-util.so.0": "libxcb-render-util0",
        "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
        "libX11-xcb.so.1": "libx11-xcb1",
        "libdbus-1.so.3": "libdbus-1-3",
        "libglib-2.0.so.0": "libglib2.0-0",
    }
    for soname, package in names.items():
        assert qtcheck.package_candidates(soname)[0] == package
    assert qtcheck.debian_packages(list(names), check=False) == list(dict.fromkeys(names.values()))


def test_platform_choice_follows_the_environment() -> None:
    assert qtcheck.platform_name({"DISPLAY": ":0"}) == "xcb"
    assert qtcheck.platform_name({"QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    wl = {"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland", "DISPLAY": ":0"}
    assert qtcheck.platform_name(wl) == "wayland"
    assert qtcheck.platforms_to_check(wl) == ("xcb", "wayland")


def test_every_library_of_the_xcb_plugin_resolves() -> None:
    """What ``./run`` installs: nothing the xcb plugin or the app's Qt libraries need is missing."""
    assert qtcheck.qt_dir() is not None
    assert qtcheck.qt_files(("xcb",), qtcheck.qt_dir())  # the files ldd looks at exist
    assert qtcheck.missing_libraries(("xcb",)) == []


def test_qt_starts_on_the_x_server(xdisplay: str) -> None:
    ok, detail = qtcheck.probe(x_env(xdisplay))
    assert ok, detail
    assert detail == "xcb"


def test_app_shows_a_window_on_xcb_and_quits(
    xdisplay: str, bank: BankStore, tmp_path: Path
) -> None:
    """``event-inspector --path DIR STORE --screenshot`` on xcb: a rendered window, no warnings."""
    out = tmp_path / "xcb.png"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "inspector.cli",
            "--path",
            str(tmp_path),
            bank.location,
            "--stream",
            bank.ids[3],
            "--screenshot",
            str(out),
            "--size",
            "1024x700",
        ],
        capture_output=True,
        text=True,
        env=x_env(xdisplay),
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "propagateSizeHints" not in r.stderr
    assert "qt.qpa" not in r.stderr, r.stderr
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1024, 700)
    colours = {img.pixel(x, y) for x in range(0, 1024, 17) for y in range(0, 700, 17)}
    assert len(colours) > 20


def test_top_level_path_option_opens_the_gui(bank: BankStore, tmp_path: Path) -> None:
    """``event-inspector --path DIR STORE`` works like ``gui --path`` (it used to be refused)."""
    out = tmp_path / "p.png"
    r = run_cli("--path", str(tmp_path), bank.location, "--screenshot", str(out))
    assert r.code == 0, r.err
    assert "invalid choice" not in r.err
    assert QImage(str(out)).width() == 1440
    assert run_cli("--version").code == 0


def test_offscreen_screenshot_prints_no_size_hint_warning(bank: BankStore, tmp_path: Path) -> None:
    out = tmp_path / "o.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    r = subprocess.run(
        [sys.executable, "-m", "inspector.cli", bank.location, "--screenshot", str(out)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert r.returncode == 0, r.stderr
    assert "propagateSizeHints" not in r.stderr
    assert r.stdout.strip() == str(out)
