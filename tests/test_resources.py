"""The top-level resources/ folder: found from the checkout, from an installed wheel, and by the
PyInstaller spec (the wheel is really built and installed into a fresh environment)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from inspector import resources

ROOT = Path(__file__).resolve().parents[1]
ASSETS = sorted(
    str(p.relative_to(ROOT / "resources")) for p in (ROOT / "resources").rglob("*") if p.is_file()
)


def uv() -> str:
    for candidate in (shutil.which("uv"), ROOT / ".tools" / "bin" / "uv",
                      Path("/work/main/.tools/bin/uv")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    pytest.fail("uv is needed to build the wheel (./run installs it into .tools/)")


def test_assets_found_in_the_checkout() -> None:
    assert {"icons/event-inspector.svg", "themes/dark.json", "themes/app.qss"} <= set(ASSETS)
    assert resources.asset_roots()[0] == ROOT / "resources"
    assert resources.icon_path() == str(ROOT / "resources" / "icons" / "event-inspector.svg")
    assert resources.theme("dark")["active"]["Window"].startswith("#")
    assert "QToolTip" in resources.stylesheet()
    with pytest.raises(FileNotFoundError, match="no asset"):
        resources.asset_path("icons/nothing.png")
    assert not (ROOT / "inspector" / "resources").exists()  # assets only at the top level


def test_installed_wheel_finds_every_asset(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    r = subprocess.run([uv(), "build", "--wheel", "-o", str(out), str(ROOT)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    wheel = next(out.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for asset in ASSETS:
        assert any(n.endswith(f"share/event-history-inspector/resources/{asset}") for n in names)
    assert any(n.endswith("share/event-history-inspector/docs/cli.md") for n in names)
    venv = tmp_path / "venv"
    subprocess.run([uv(), "venv", "-q", "--python", sys.executable, str(venv)], check=True,
                   timeout=120)
    py = venv / "bin" / "python"
    subprocess.run([uv(), "pip", "install", "-q", "--no-deps", "--python", str(py), str(wheel)],
                   check=True, timeout=300)
    code = (
        "import json, inspector.resources as r\n"
        "print(json.dumps({'roots': [str(p) for p in r.asset_roots()], 'icon': r.icon_path(),"
        " 'dark': r.theme('dark')['active']['Window'], 'qss': len(r.stylesheet()),"
        " 'pkg': r.__file__}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    got = subprocess.run([str(py), "-I", "-c", code], capture_output=True, text=True, env=env,
                         timeout=60, cwd=tmp_path)
    assert got.returncode == 0, got.stderr
    info = json.loads(got.stdout)
    assert info["pkg"].startswith(str(venv))  # the installed copy, not this checkout
    assert info["roots"] and all(root.startswith(str(venv)) for root in info["roots"])
    assert Path(info["icon"]).is_file() and info["icon"].startswith(str(venv))
    assert info["dark"] == resources.theme("dark")["active"]["Window"] and info["qss"] > 0


def test_pyinstaller_spec_bundles_the_resources_folder() -> None:
    spec = (ROOT / "packaging" / "event-inspector.spec").read_text()
    assert '(str(ROOT / "resources"), "resources")' in spec
    # the bundle root is sys._MEIPASS: resources/ there is the first place looked at
    saved = getattr(sys, "_MEIPASS", None)
    sys._MEIPASS = str(ROOT)  # type: ignore[attr-defined]
    try:
        assert resources.asset_roots()[0] == ROOT / "resources"
    finally:
        if saved is None:
            del sys._MEIPASS  # type: ignore[attr-defined]
        else:
            sys._MEIPASS = saved  # type: ignore[attr-defined]
