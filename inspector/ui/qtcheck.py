"""Can Qt open a window here? The platform plugin's shared libraries, found with ``ldd``.

``import PySide6.QtWidgets`` succeeds even when the platform plugin (``libqxcb.so`` on X11) cannot
load; Qt then aborts the process at ``QApplication()`` ("Could not load the Qt platform plugin
xcb", exit 134), and its message names ``libxcb-cursor0`` whatever is really missing. This module
looks at the plugin the user will get without importing any Qt module:

* :func:`missing_libraries` runs ``ldd`` on the platform plugin(s) and the Qt libraries and plugins
  the app loads, and returns the sonames that do not resolve;
* :func:`debian_packages` maps sonames to Debian/Ubuntu package names (Debian's library package
  naming policy, checked against ``apt-cache``);
* :func:`probe` starts a ``QGuiApplication`` in a child process with the caller's environment
  (``DISPLAY``, ``WAYLAND_DISPLAY``, ``QT_QPA_PLATFORM``) and reports Qt's own error.

``python -m inspector.ui.qtcheck --packages`` prints the packages to install (``./run`` uses it);
``--probe`` exits 1 with Qt's message when no window can be opened. Never imports PySide6.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# The Qt libraries and plugins the app loads on every platform (beside the platform plugin).
QT_LIBS = ("libQt6Core", "libQt6Gui", "libQt6Widgets", "libQt6Svg", "libQt6OpenGL", "libQt6DBus")
QT_PLUGINS = ("imageformats/libqsvg.so", "iconengines/libqsvgicon.so")
# Per platform plugin: the plugin and the Qt library it is a thin shell over.
PLATFORM_FILES = {
    "xcb": (
        "platforms/libqxcb.so",
        "lib/libQt6XcbQpa.so.6",
        "xcbglintegrations/libqxcb-glx-integration.so",
    ),
    "wayland": ("platforms/libqwayland.so", "lib/libQt6WaylandClient.so.6"),
    "offscreen": ("platforms/libqoffscreen.so",),
}
# Sonames whose Debian package does not follow the soname-to-package naming policy.
PACKAGE_EXCEPTIONS = {
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libgobject-2.0.so.0": "libglib2.0-0",
    "libz.so.1": "zlib1g",
    "libgcc_s.so.1": "libgcc-s1",
}
LDD_MISSING = re.compile(r"^\s*(\S+)\s+=>\s+not found", re.MULTILINE)


def qt_dir() -> Path | None:
    """The ``PySide6/Qt`` directory of the installed PySide6 (None when PySide6 is missing)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        qt = Path(loc) / "Qt"
        if qt.is_dir():
            return qt
    return None


def platform_name(env: dict[str, str] | None = None) -> str:
    """The platform plugin Qt 6 picks on Linux for this environment (QT_QPA_PLATFORM wins)."""
    env = dict(os.environ if env is None else env)
    forced = env.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if forced:
        return forced
    if env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY"):
        return "wayland"
    return "xcb"


def parse_ldd(text: str) -> list[str]:
    """The sonames ``ldd`` reports as ``not found`` (in order, without duplicates)."""
    seen: list[str] = []
    for name in LDD_MISSING.findall(text):
        if name not in seen:
            seen.append(name)
    return seen


def qt_files(platforms: tuple[str, ...], qt: Path) -> list[Path]:
    files = [qt / "lib" / f"{name}.so.6" for name in QT_LIBS]
    files += [qt / "plugins" / rel for rel in QT_PLUGINS]
    for plat in platforms:
        for rel in PLATFORM_FILES.get(plat, ()):
            files.append(qt / rel if rel.startswith("lib/") else qt / "plugins" / rel)
    return [f for f in files if f.exists()]


def missing_libraries(platforms: tuple[str, ...] = ("xcb",)) -> list[str]:
    """Sonames the Qt libraries, the app's plugins and the given platform plugins cannot find.

    Empty when everything resolves, when PySide6 is not installed, or when ``ldd`` is unavailable
    (not Linux). Runs ``ldd`` once over all files (about 20 ms).
    """
    qt = qt_dir()
    if qt is None or not sys.platform.startswith("linux") or shutil.which("ldd") is None:
        return []
    files = qt_files(platforms, qt)
    if not files:
        return []
    r = subprocess.run(["ldd", *map(str, files)], capture_output=True, text=True, timeout=30)
    return parse_ldd(r.stdout)


def package_candidates(soname: str) -> list[str]:
    """Debian package names that may ship ``soname`` (policy name first, then the t64 rename).

    Debian policy 8.1: ``libfoo.so.3`` is in ``libfoo3``, ``libfoo-1.so.3`` (name ending in a
    digit) in ``libfoo-1-3``; names are lower case.
    """
    if soname in PACKAGE_EXCEPTIONS:
        base = PACKAGE_EXCEPTIONS[soname]
        return [base, f"{base}t64"]
    m = re.match(r"^(lib.+?)\.so\.(\d+)", soname)
    if not m:
        return []
    name, major = m.group(1).lower(), m.group(2)
    base = f"{name}-{major}" if name[-1].isdigit() else f"{name}{major}"
    return [base, f"{base}t64"]


def apt_knows(package: str) -> bool:
    if shutil.which("apt-cache") is None:
        return False
    r = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", package],
        capture_output=True,
        text=True,
        timeout=30,
    )
    return r.returncode == 0 and "Package:" in r.stdout


def debian_packages(sonames: list[str], check: bool = True) -> list[str]:
    """Debian package names for ``sonames`` (the first candidate apt knows, when ``check``)."""
    out: list[str] = []
    for soname in sonames:
        candidates = package_candidates(soname)
        chosen = next((c for c in candidates if not check or apt_knows(c)), None)
        if chosen and chosen not in out:
            out.append(chosen)
    return out


def fonts_missing() -> bool:
    """True when fontconfig knows no font at all (Qt would draw empty boxes)."""
    if shutil.which("fc-list") is None:
        return not any(
            Path(d).is_dir() and any(Path(d).rglob("*.ttf"))
            for d in ("/usr/share/fonts", "/usr/local/share/fonts")
        )
    r = subprocess.run(["fc-list"], capture_output=True, text=True, timeout=30)
    return not r.stdout.strip()


PROBE_CODE = (
    "import sys\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication([sys.argv[0]])\n"
    "print(app.platformName())\n"
)


def probe(env: dict[str, str] | None = None, timeout_s: float = 60.0) -> tuple[bool, str]:
    """Start a QGuiApplication in a child process: (ok, platform name or Qt's error lines)."""
    env = dict(os.environ if env is None else env)
    try:
        r = subprocess.run(
            [sys.executable, "-c", PROBE_CODE],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout_s,
        )
    except subprocess.TimeoutExpired:
        return False, "starting Qt timed out"
    if r.returncode == 0:
        return True, r.stdout.strip()
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    return False, "\n".join(lines[-6:]) or f"exit code {r.returncode}"


def platforms_to_check(env: dict[str, str] | None = None) -> tuple[str, ...]:
    """xcb always on Linux (the fallback Qt uses), plus the platform this environment picks."""
    plat = platform_name(env)
    return tuple(dict.fromkeys(("xcb", plat)))


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--packages" in args:
        if qt_dir() is None:
            return 0
        missing = missing_libraries(platforms_to_check())
        pkgs = debian_packages(missing)
        if fonts_missing():
            pkgs.append("fonts-dejavu-core")
        if missing:
            print("missing: " + " ".join(missing), file=sys.stderr)
        print(" ".join(pkgs))
        return 0
    if "--probe" in args:
        env = dict(os.environ)
        if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("QT_QPA_PLATFORM")):
            return 0  # no screen: the app itself says so
        ok, detail = probe(env)
        if ok:
            return 0
        missing = missing_libraries(platforms_to_check(env))
        print(f"Qt cannot open a window on platform {platform_name(env)!r}:", file=sys.stderr)
        print(detail, file=sys.stderr)
        if missing:
            print(
                "missing libraries: "
                + " ".join(missing)
                + " (Debian packages: "
                + " ".join(debian_packages(missing, check=False))
                + ")",
                file=sys.stderr,
            )
        return 1
    missing = missing_libraries(platforms_to_check())
    print("missing: " + (" ".join(missing) or "nothing"))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
