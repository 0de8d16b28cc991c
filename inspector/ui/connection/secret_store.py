"""Passwords and cipher keys in the OS keyring (``keyring``), never in a settings file.

When no usable backend exists (``keyring.backends.fail``, the null backend, a chainer with no
backends, or a backend that errors) nothing is stored, :attr:`SecretStore.available` is False and
:attr:`SecretStore.status` says why, so the dialog can tell the user they will be asked each time.
"""

from __future__ import annotations

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

SERVICE = "event-inspector"
KINDS = ("password", "cipher_key")


def backend_problem(backend: KeyringBackend) -> str | None:
    """Why ``backend`` cannot keep secrets, or None when it can."""
    from keyring.backends import chainer, fail

    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if isinstance(backend, fail.Keyring):
        return f"no keyring backend is available ({name})"
    if isinstance(backend, chainer.ChainerBackend) and not backend.backends:
        return f"no keyring backend is available ({name} with no backends)"
    try:
        priority = float(backend.priority)  # type: ignore[arg-type]
    except Exception:  # noqa: BLE001 - a backend that cannot say is not usable
        return f"the keyring backend {name} is not usable"
    if priority <= 0:
        return f"the keyring backend {name} does not store secrets"
    return None


class SecretStore:
    """Secrets per connection identity: ``get/set/delete(kind, identity)``."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend
        self._error: str | None = None

    @property
    def backend(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    @property
    def available(self) -> bool:
        return self.status is None

    @property
    def status(self) -> str | None:
        """None when secrets are kept; otherwise one line saying why not."""
        return self._error or backend_problem(self.backend)

    def get(self, kind: str, identity: str) -> str | None:
        if not self.available:
            return None
        try:
            return self.backend.get_password(SERVICE, f"{kind}/{identity}")
        except Exception as exc:  # noqa: BLE001 - a broken keyring must not break the dialog
            self._error = f"the keyring failed: {exc or type(exc).__name__}"
            return None

    def set(self, kind: str, identity: str, secret: str | None) -> bool:
        """Store ``secret`` (delete when empty). False when it could not be kept."""
        if not secret:
            self.delete(kind, identity)
            return True
        if not self.available:
            return False
        try:
            self.backend.set_password(SERVICE, f"{kind}/{identity}", secret)
        except Exception as exc:  # noqa: BLE001 - a broken keyring must not break the dialog
            self._error = f"the keyring failed: {exc or type(exc).__name__}"
            return False
        return True

    def delete(self, kind: str, identity: str) -> None:
        if not self.available:
            return
        try:
            self.backend.delete_password(SERVICE, f"{kind}/{identity}")
        except PasswordDeleteError:
            pass
        except Exception as exc:  # noqa: BLE001 - a broken keyring must not break the dialog
            self._error = f"the keyring failed: {exc or type(exc).__name__}"

    def forget(self, identity: str) -> None:
        for kind in KINDS:
            self.delete(kind, identity)
