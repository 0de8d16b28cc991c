"""Opening a store: the connection dialog, connection specs, profiles and recents.

``ConnectionDialog`` (Qt), ``ConnectionSpec`` (a dataclass), ``ProfileStore`` (QSettings for the
fields, the OS keyring for passwords and cipher keys), ``app_settings()`` (the inspector's
QSettings, honouring ``XDG_CONFIG_HOME``) and ``ENVIRONMENTS`` (environment name -> colour).
"""

from inspector.ui.connection.dialog import ConnectionDialog
from inspector.ui.connection.profiles import ProfileStore
from inspector.ui.connection.secret_store import SecretStore
from inspector.ui.connection.settings import app_settings
from inspector.ui.connection.spec import ENVIRONMENTS, ConnectionSpec

__all__ = [
    "ENVIRONMENTS",
    "ConnectionDialog",
    "ConnectionSpec",
    "ProfileStore",
    "SecretStore",
    "app_settings",
]
