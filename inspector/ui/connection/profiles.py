"""Named profiles and recent connections: fields in QSettings, secrets in the keyring.

Settings layout (``[profiles]`` and ``[recent]`` arrays of the inspector's settings file)::

    profiles/1/name, location, schema, app, paths (JSON list), app_class, projector,
              env_colour, production, mode
    recent/1/...   the same without a name, newest first, at most MAX_RECENT

The password and the cipher key are never written there: they go to the keyring under the
connection's identity (``profile:<name>`` or the store itself), see :mod:`.secret_store`.
"""

from __future__ import annotations

import json
from dataclasses import replace

from PySide6.QtCore import QSettings

from inspector.ui.connection.secret_store import SecretStore
from inspector.ui.connection.settings import app_settings
from inspector.ui.connection.spec import ConnectionSpec

MAX_RECENT = 10
_FIELDS = ("location", "schema", "app", "app_class", "projector", "snapshots_table", "env_colour",
           "mode")


class ProfileStore:
    """Profiles and recents of the connection dialog (and of the main window's menus)."""

    def __init__(self, settings: QSettings | None = None, secrets: SecretStore | None = None):
        self._settings = settings
        self.secrets = secrets or SecretStore()

    @property
    def settings(self) -> QSettings:
        return self._settings if self._settings is not None else app_settings()

    # -- secrets ------------------------------------------------------------------------------
    @property
    def secrets_available(self) -> bool:
        return self.secrets.available

    @property
    def secrets_status(self) -> str | None:
        """None when secrets are kept in the keyring, else why not (for the dialog)."""
        return self.secrets.status

    def password_for(self, spec: ConnectionSpec) -> str | None:
        return spec.password or self.secrets.get("password", spec.identity())

    def cipher_key_for(self, spec: ConnectionSpec) -> str | None:
        return spec.cipher_key or self.secrets.get("cipher_key", spec.identity())

    def with_secrets(self, spec: ConnectionSpec) -> ConnectionSpec:
        """``spec`` with its password and cipher key from the keyring (when kept there)."""
        return replace(
            spec,
            paths=list(spec.paths),
            password=self.password_for(spec),
            cipher_key=self.cipher_key_for(spec),
        )

    def _keep_secrets(self, spec: ConnectionSpec) -> None:
        ident = spec.identity()
        self.secrets.set("password", ident, spec.password)
        self.secrets.set("cipher_key", ident, spec.cipher_key)

    # -- profiles -----------------------------------------------------------------------------
    def _scrubbed(self, name: str) -> list[ConnectionSpec]:
        """The ``name`` array; a password an older release left in a stored URL is moved to the
        keyring (when there is one) and the array rewritten without it."""
        settings = self.settings
        specs, leaked = _read_array(settings, name)
        if leaked:
            for spec in leaked:
                self.secrets.set("password", spec.identity(), spec.password)
            _write_array(settings, name, [s.without_secrets() for s in specs])
            settings.sync()
        return specs

    def profiles(self) -> list[ConnectionSpec]:
        """Saved profiles, sorted by name (without secrets: see :meth:`with_secrets`)."""
        specs = [s.without_secrets() for s in self._scrubbed("profiles")]
        return sorted((s for s in specs if s.profile_name), key=lambda s: s.profile_name or "")

    def profile(self, name: str) -> ConnectionSpec | None:
        for spec in self.profiles():
            if spec.profile_name == name:
                return spec
        return None

    def save(self, spec: ConnectionSpec) -> None:
        """Create or replace the profile ``spec.profile_name``; its secrets go to the keyring."""
        if not spec.profile_name:
            raise ValueError("a profile needs a name")
        others = [s for s in self.profiles() if s.profile_name != spec.profile_name]
        settings = self.settings
        _write_array(settings, "profiles", [*others, spec.without_secrets()])
        settings.sync()
        self._keep_secrets(spec)

    def delete(self, name: str) -> None:
        specs = self.profiles()
        kept = [s for s in specs if s.profile_name != name]
        if len(kept) == len(specs):
            return
        settings = self.settings
        _write_array(settings, "profiles", kept)
        settings.sync()
        self.secrets.forget(f"profile:{name}")

    # -- recent connections -------------------------------------------------------------------
    def recent(self) -> list[ConnectionSpec]:
        """Recent connections, newest first (without secrets)."""
        return [s.without_secrets() for s in self._scrubbed("recent")]

    def add_recent(self, spec: ConnectionSpec, remember_secrets: bool = True) -> None:
        """Put ``spec`` first in the recent list (deduplicated, at most MAX_RECENT)."""
        ident = spec.identity()
        old = self.recent()
        kept = [s for s in old if s.identity() != ident]
        new = [spec.without_secrets(), *kept][:MAX_RECENT]
        settings = self.settings
        _write_array(settings, "recent", new)
        settings.sync()
        for dropped in kept[MAX_RECENT - 1 :]:
            if not dropped.profile_name:
                self.secrets.forget(dropped.identity())
        if remember_secrets:
            if spec.password or spec.cipher_key:
                self._keep_secrets(spec)
        elif not spec.profile_name:
            self.secrets.forget(ident)

    def forget_recent(self, spec: ConnectionSpec) -> None:
        """Remove ``spec`` from the recent list (and its secrets, unless it is a profile)."""
        ident = spec.identity()
        settings = self.settings
        _write_array(settings, "recent", [s for s in self.recent() if s.identity() != ident])
        settings.sync()
        if not spec.profile_name:
            self.secrets.forget(ident)

    def clear_recent(self) -> None:
        for spec in self.recent():
            if not spec.profile_name:
                self.secrets.forget(spec.identity())
        settings = self.settings
        _write_array(settings, "recent", [])
        settings.sync()


def _write_array(settings: QSettings, name: str, specs: list[ConnectionSpec]) -> None:
    settings.remove(name)
    settings.beginWriteArray(name, len(specs))
    for i, spec in enumerate(specs):
        settings.setArrayIndex(i)
        settings.setValue("name", spec.profile_name or "")
        for key in _FIELDS:
            settings.setValue(key, getattr(spec, key) or "")
        settings.setValue("paths", json.dumps(list(spec.paths)))
        settings.setValue("production", bool(spec.production))
    settings.endArray()


def _read_array(
    settings: QSettings, name: str
) -> tuple[list[ConnectionSpec], list[ConnectionSpec]]:
    """(the specs, those whose stored location held a password: moved to ``spec.password``)."""
    out: list[ConnectionSpec] = []
    leaked: list[ConnectionSpec] = []
    n = settings.beginReadArray(name)
    try:
        for i in range(n):
            settings.setArrayIndex(i)
            location = str(settings.value("location", "") or "")
            if not location:
                continue
            values = {key: (str(settings.value(key, "") or "") or None) for key in _FIELDS}
            try:
                paths = json.loads(str(settings.value("paths", "[]") or "[]"))
            except ValueError:
                paths = []
            production = settings.value("production", False)
            out.append(
                ConnectionSpec(
                    location=location,
                    schema=values["schema"],
                    app=values["app"],
                    app_class=values["app_class"],
                    projector=values["projector"],
                    snapshots_table=values["snapshots_table"],
                    env_colour=values["env_colour"],
                    mode=values["mode"] or "auto",
                    paths=[str(p) for p in paths] if isinstance(paths, list) else [],
                    profile_name=str(settings.value("name", "") or "") or None,
                    production=str(production).lower() in ("true", "1", "yes"),
                )
            )
            if out[-1].password:
                leaked.append(out[-1])
    finally:
        settings.endArray()
    return out, leaked
