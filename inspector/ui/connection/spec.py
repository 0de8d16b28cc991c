"""What a connection is: the store, how to read it, and how it is labelled (no Qt here).

A :class:`ConnectionSpec` carries the password and cipher key only in memory; :mod:`.profiles`
keeps them in the OS keyring and everything else in QSettings. Passwords typed into a URL are
moved to the separate password field (:func:`split_password`), so a URL never holds one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# Environment name -> colour the main window shows (connection bar, title).
ENVIRONMENTS: dict[str, str | None] = {
    "": None,
    "dev": "#2e7d32",  # green
    "staging": "#ef8f00",  # amber
    "production": "#c62828",  # red
}
APP_CLASS_RE = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")
MODES = ("auto", "domain", "generic")


@dataclass
class ConnectionSpec:
    """One connection as the dialog, the profiles and the main window exchange it."""

    location: str
    schema: str | None = None
    app: str | None = None
    cipher_key: str | None = None
    password: str | None = None
    paths: list[str] = field(default_factory=list)
    app_class: str | None = None
    projector: str | None = None  # MODULE:FUNCTION of functional aggregates (--projector)
    snapshots_table: str | None = None  # --snapshots-table: where the schema is ambiguous
    profile_name: str | None = None
    env_colour: str | None = None  # "#rrggbb" or None
    production: bool = False
    mode: str = "auto"
    max_payload_mb: float | None = None  # --max-payload: None is the codec's default (64 MB)

    def __post_init__(self) -> None:
        # A password typed into the URL never stays there: it moves to ``password`` (kept in
        # memory, and in the keyring when remembered), so no location shown or stored holds it.
        if self.location and "://" in self.location:
            from inspector.core.redact import strip_password

            self.location, pw = strip_password(self.location)
            self.password = self.password or pw

    def without_secrets(self) -> ConnectionSpec:
        return replace(self, password=None, cipher_key=None, paths=list(self.paths))

    def identity(self) -> str:
        """The keyring/recent-list key: the profile name, or the store itself."""
        if self.profile_name:
            return f"profile:{self.profile_name}"
        return f"store:{self.location}|{self.schema or ''}|{(self.app or '').lower()}"

    def title(self) -> str:
        name = self.profile_name or self.location
        return f"{name} [{self.app}]" if self.app else name

    @property
    def environment(self) -> str:
        """The environment name whose colour this is ("" when none or a custom colour)."""
        for name, colour in ENVIRONMENTS.items():
            if colour and self.env_colour and colour.lower() == self.env_colour.lower():
                return name
        return ""


def is_url(location: str) -> bool:
    return "://" in location or location.lower().startswith(("postgresql:", "postgres:"))


def split_password(location: str) -> tuple[str, str | None]:
    """``(url without password, password)``; a plain path or a URL without one comes back as is.

    A URL that does not parse still loses its password
    (:func:`inspector.core.redact.strip_password`).
    """
    loc = location.strip()
    if not is_url(loc):
        return loc, None
    try:
        url = make_url(loc)
    except ArgumentError:
        from inspector.core.redact import strip_password

        return strip_password(loc)
    if url.password is None:
        from inspector.core.redact import strip_password

        return strip_password(loc)
    password = str(url.password)
    return url._replace(password=None).render_as_string(hide_password=False), password


def check_app_class(text: str) -> str | None:
    """A one-line complaint about an application class reference, or None when it looks right."""
    if not text or APP_CLASS_RE.match(text):
        return None
    return "the application class must look like package.module:ClassName"


def check_projector(text: str) -> str | None:
    """A one-line complaint about a projector function reference, or None when it looks right."""
    if not text or APP_CLASS_RE.match(text):
        return None
    return "the projector must look like package.module:function"
