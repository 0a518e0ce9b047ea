"""Session tokens: given once, or obtained (and obtained again after a 401) by logging in.

``SalesforceSession`` asks its ``TokenSource`` for the token before every attempt and calls
``refresh`` once when Salesforce answers 401 INVALID_SESSION_ID. A given access token cannot be
renewed; a password login (SOAP ``login``, through simple-salesforce) and the OAuth 2.0 client-
credentials flow (simple-salesforce's ``token_login``) can. Logins go to ``login_url`` (default:
the instance, which with My Domain accepts both).
"""

from __future__ import annotations

import base64
import threading
from abc import ABC, abstractmethod

import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin, token_login

from connectors.builtin.salesforce.config import (
    AccessTokenAuth,
    AuthConfig,
    ClientCredentialsAuth,
    PasswordAuth,
)
from connectors.sdk import AuthError


class GivenToken:
    """An access token from the configuration: used as it is, never renewed."""

    def __init__(self, config: AccessTokenAuth) -> None:
        self._token = config.access_token

    def token(self) -> str:
        """The configured token."""
        return self._token.get_secret_value()

    def refresh(self, refused: str) -> bool:
        """A given token cannot be renewed: always False."""
        return False


class LoginTokens(ABC):
    """Logs in on first use and again (once per refusal) when the session is refused."""

    def __init__(self, login_origin: str, api_version: str, session: requests.Session) -> None:
        self.login_origin = login_origin
        self.api_version = api_version
        self.session = session
        self.logins = 0
        self._token: str | None = None
        self._lock = threading.Lock()

    def token(self) -> str:
        """The current token, logging in when there is none yet."""
        with self._lock:
            if self._token is None:
                self._token = self._login_once()
            return self._token

    def refresh(self, refused: str) -> bool:
        """Log in again, unless another caller already replaced the refused token."""
        with self._lock:
            if self._token == refused or self._token is None:
                self._token = self._login_once()
            return True

    def _login_once(self) -> str:
        self.logins += 1
        try:
            return self._login()
        except SalesforceAuthenticationFailed as failed:
            raise AuthError(
                f"Salesforce login at {self.login_origin} as {self.who} failed: "
                f"{failed.code}: {failed.content.decode(errors='replace')}",
                hint=self.hint,
            ) from None

    @property
    @abstractmethod
    def who(self) -> str:
        """The identity logging in, for messages (never a secret)."""

    @property
    @abstractmethod
    def hint(self) -> str:
        """What to check when the login is refused."""

    @abstractmethod
    def _login(self) -> str:
        """One login; the new session token."""


class PasswordLogin(LoginTokens):
    """The SOAP ``login`` call (username, password followed by the security token)."""

    def __init__(
        self, config: PasswordAuth, login_origin: str, api_version: str, session: requests.Session
    ) -> None:
        super().__init__(login_origin, api_version, session)
        self.config = config

    @property
    def who(self) -> str:
        return f"user {self.config.username!r}"

    @property
    def hint(self) -> str:
        return (
            "check username, password and security_token (reset it in Salesforce: Settings > "
            "Reset My Security Token), and that login_url is the org's My Domain or login URL"
        )

    def _login(self) -> str:
        session_id, _instance = SalesforceLogin(
            username=self.config.username,
            password=self.config.password.get_secret_value(),
            security_token=self.config.security_token.get_secret_value(),
            sf_version=self.api_version,
            session=self.session,
            client_id="crmhub",
            scratch_url=self.login_origin,
        )
        return session_id


class ClientCredentialsLogin(LoginTokens):
    """The OAuth 2.0 client-credentials grant at ``/services/oauth2/token`` (My Domain)."""

    def __init__(
        self,
        config: ClientCredentialsAuth,
        login_origin: str,
        api_version: str,
        session: requests.Session,
    ) -> None:
        super().__init__(login_origin, api_version, session)
        self.config = config

    @property
    def who(self) -> str:
        return f"connected app {self.config.client_id!r}"

    @property
    def hint(self) -> str:
        return (
            "check client_id and client_secret, that the connected app enables the client "
            "credentials flow with a 'Run As' user, and that login_url is the org's My Domain"
        )

    def _login(self) -> str:
        pair = f"{self.config.client_id}:{self.config.client_secret.get_secret_value()}"
        token, _instance = token_login(
            f"{self.login_origin}/services/oauth2/token",
            {"grant_type": "client_credentials"},
            "",
            self.config.client_id,
            {"Authorization": f"Basic {base64.b64encode(pair.encode()).decode()}"},
            None,
            self.session,
        )
        return str(token)


def token_source(
    config: AuthConfig, login_origin: str, api_version: str, login_session: requests.Session
) -> GivenToken | LoginTokens:
    """The token source for an ``auth`` block."""
    if isinstance(config, AccessTokenAuth):
        return GivenToken(config)
    if isinstance(config, PasswordAuth):
        return PasswordLogin(config, login_origin, api_version, login_session)
    return ClientCredentialsLogin(config, login_origin, api_version, login_session)
