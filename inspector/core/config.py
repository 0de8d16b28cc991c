"""Where the store is and how to read it: from arguments or the eventsourcing environment."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass

from inspector.core.codec import KEY_ENV_VARS
from inspector.core.errors import InspectorError


@dataclass(slots=True)
class StoreSpec:
    location: str
    schema: str | None = None
    app: str | None = None
    cipher_key: str | None = None
    compressor: str | None = None
    password: str | None = None  # moved out of ``location`` by :func:`without_password`

    def without_password(self) -> StoreSpec:
        """Move a password out of ``location`` (so the location may be shown and kept)."""
        from inspector.core.redact import strip_password

        loc, pw = strip_password(self.location)
        self.location = loc
        self.password = self.password or pw
        return self


def _get(env: Mapping[str, str], key: str, app: str | None) -> str | None:
    """The library's lookup: ``<APP>_KEY`` first, then ``KEY``."""
    if app:
        v = env.get(f"{app.upper()}_{key}")
        if v:
            return v
    v = env.get(key)
    return v or None


def sqlite_dbname_path(dbname: str) -> str:
    if dbname.startswith("file:"):
        return urllib.parse.unquote(urllib.parse.urlsplit(dbname).path)
    if dbname == ":memory:":
        raise InspectorError("SQLITE_DBNAME is ':memory:': there is no store on disk to inspect")
    return dbname


def spec_from_env(env: Mapping[str, str] | None = None, app: str | None = None) -> StoreSpec:
    """A store spec from the eventsourcing environment variables (as the user's app sees them)."""
    e = os.environ if env is None else env
    module = (
        _get(e, "PERSISTENCE_MODULE", app)
        or _get(e, "INFRASTRUCTURE_FACTORY", app)
        or _get(e, "FACTORY_TOPIC", app)
    )
    key = next((e[k] for k in KEY_ENV_VARS[:1] if e.get(k)), None) or _get(e, "CIPHER_KEY", app)
    compressor = _get(e, "COMPRESSOR_TOPIC", app)
    if not module:
        if _get(e, "SQLALCHEMY_URL", app):
            module = "eventsourcing_sqlalchemy"
        elif _get(e, "SQLITE_DBNAME", app):
            module = "eventsourcing.sqlite"
        elif _get(e, "POSTGRES_DBNAME", app):
            module = "eventsourcing.postgres"
        else:
            raise InspectorError(
                "no STORE given and no eventsourcing environment "
                "(PERSISTENCE_MODULE, SQLITE_DBNAME, POSTGRES_*, SQLALCHEMY_URL)"
            )
    mod = module.split(":", 1)[0]
    if mod.startswith("eventsourcing.sqlite"):
        dbname = _get(e, "SQLITE_DBNAME", app)
        if not dbname:
            raise InspectorError(
                "PERSISTENCE_MODULE is eventsourcing.sqlite but SQLITE_DBNAME is unset"
            )
        return StoreSpec(sqlite_dbname_path(dbname), None, app, key, compressor)
    if mod.startswith("eventsourcing.postgres"):
        dbname = _get(e, "POSTGRES_DBNAME", app)
        if not dbname:
            raise InspectorError(
                "PERSISTENCE_MODULE is eventsourcing.postgres but POSTGRES_DBNAME is unset"
            )
        host = _get(e, "POSTGRES_HOST", app) or "localhost"
        port = _get(e, "POSTGRES_PORT", app) or "5432"
        user = _get(e, "POSTGRES_USER", app) or ""
        password = _get(e, "POSTGRES_PASSWORD", app)
        auth = urllib.parse.quote(user, safe="")
        if password:
            auth += ":" + urllib.parse.quote(password, safe="")
        url = f"postgresql://{auth + '@' if auth else ''}{host}:{port}/{dbname}"
        # The library uses "public" when POSTGRES_SCHEMA is empty (it never searches).
        schema = _get(e, "POSTGRES_SCHEMA", app) or "public"
        return StoreSpec(url, schema, app, key, compressor)
    if mod.startswith("eventsourcing_sqlalchemy"):
        url = _get(e, "SQLALCHEMY_URL", app)
        if not url:
            raise InspectorError(
                "PERSISTENCE_MODULE is eventsourcing_sqlalchemy but SQLALCHEMY_URL is unset"
            )
        schema = _get(e, "SQLALCHEMY_SCHEMA", app)
        if not schema and url.lower().startswith("postgres"):
            schema = "public"  # where the library's tables go without SQLALCHEMY_SCHEMA
        return StoreSpec(url, schema, app, key, compressor)
    raise InspectorError(f"PERSISTENCE_MODULE {module!r} keeps nothing on disk to inspect")
