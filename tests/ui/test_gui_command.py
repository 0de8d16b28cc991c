"""``event-inspector gui STORE --stream ID --version V --screenshot out.png`` and routing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from cli_runner import run_cli
from conftest import BankStore
from PySide6.QtGui import QImage


def distinct_colours(img: QImage, step: int = 23) -> int:
    return len(
        {img.pixel(x, y) for x in range(0, img.width(), step) for y in range(0, img.height(), step)}
    )


def test_headless_screenshot_subprocess(bank: BankStore, tmp_path: Path) -> None:
    out = tmp_path / "shot.png"
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}  # it must go offscreen
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "inspector.cli",
            "gui",
            bank.location,
            "--stream",
            bank.long_id,
            "--version",
            "42",
            "--screenshot",
            str(out),
            "--size",
            "1200x760",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1200, 760)
    assert distinct_colours(img) > 20  # a rendered window, not a blank image


def test_bare_store_argument_routes_to_the_gui(qtbot: Any, bank: BankStore, tmp_path: Path) -> None:
    out = tmp_path / "bare.png"
    r = run_cli(bank.location, "--stream", bank.ids[2], "--screenshot", str(out))
    assert r.code == 0, r.err
    assert QImage(str(out)).width() == 1440


def test_screenshot_bad_arguments(bank: BankStore, tmp_path: Path) -> None:
    r = run_cli("gui", bank.location, "--screenshot", str(tmp_path / "x.txt"))
    assert r.code == 1 and "give a .png file name" in r.err
    r = run_cli("gui", bank.location, "--screenshot", str(tmp_path / "x.png"), "--size", "big")
    assert r.code == 1 and "--size" in r.err
    r = run_cli("gui", "--screenshot", str(tmp_path / "x.png"))
    assert r.code == 1 and "needs a STORE" in r.err


def test_application_icon_loads(qtbot: Any) -> None:
    from inspector.ui.app import app_icon

    icon = app_icon()
    assert not icon.isNull()
    assert not icon.pixmap(64, 64).isNull()


def test_screenshot_leaves_the_users_settings_alone(bank: BankStore, tmp_path: Path) -> None:
    """A headless render neither reads nor writes the user's window layout or recent list.

    It used to save the offscreen window's geometry (an 800x600 virtual screen): the next real
    start on a display restored it and opened a window a few hundred pixels tall."""
    config = Path(os.environ["XDG_CONFIG_HOME"])
    r = run_cli("gui", bank.location, "--screenshot", str(tmp_path / "s.png"))
    assert r.code == 0, r.err
    written = [p for p in config.rglob("*") if p.is_file()]
    text = "".join(p.read_text(errors="replace") for p in written)
    assert "geometry" not in text, written
    assert bank.location not in text, written


def test_screenshot_version_out_of_range_is_an_error(bank: BankStore, tmp_path: Path) -> None:
    """`--version` past the stream's last one shows the last with a banner saying so (exit 1),
    as the headless `state --version` refuses it; it used to be clamped silently (exit 0)."""
    out = tmp_path / "v.png"
    r = run_cli("gui", bank.location, "--stream", bank.ids[2], "--version", "999999",
                "--screenshot", str(out))
    assert r.code == 1
    assert "version 999999 out of range" in r.err, r.err
    assert QImage(str(out)).width() == 1440
