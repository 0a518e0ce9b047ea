"""The steward workbench: server-rendered pages and a JSON API over the hub store.

    from crmhub.web import WebSettings, create_app
    app = create_app(WebSettings(database_url="sqlite:///crmhub.db", secret_key=SecretStr(key)))

Where things live: ``app`` builds the app and lists the public paths; ``auth``, ``sessions``,
``tokens``, ``csrf``, ``cookies``, ``login_limits``, ``passwords``, ``users`` and ``roles``
are who may do what; ``queue``, ``pairs``, ``customers``, ``records``, ``search`` and
``audit`` read the store for the pages; ``actions`` is what a steward changes (the
integration point with the golden-record engine); ``routes/`` are the pages and /api/v1;
``templates/`` and ``static/`` the HTML, CSS and the keyboard-shortcut script.
"""

from crmhub.web.actions import StewardActions, TableStewardActions
from crmhub.web.app import PUBLIC_PATHS, create_app
from crmhub.web.roles import Permission, Role
from crmhub.web.settings import PasswordHashing, WebSettings

__all__ = [
    "PUBLIC_PATHS",
    "PasswordHashing",
    "Permission",
    "Role",
    "StewardActions",
    "TableStewardActions",
    "WebSettings",
    "create_app",
]
