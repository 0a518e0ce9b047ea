"""Sessions of the fake org: bearer tokens per user, the SOAP ``login`` call and the OAuth 2.0
client-credentials grant, with the credentials of the integration user and its connected app."""

from __future__ import annotations

import base64
import threading
from urllib.parse import parse_qs
from xml.etree import ElementTree

from connectors.testing.fake_auth import TokenIssuer
from connectors.testing.fake_salesforce.schema import INTEGRATION_USER_ID, ORG_ID
from connectors.testing.fakeserver import FakeRequest, FakeResponse, json_response, text_response


class Sessions:
    """Issues and checks session tokens; answers the two login flows."""

    username = "integration@crmhub.test"
    password = "fake-password"
    security_token = "fakeSecurityToken0"
    client_id = "crmhub-fake-connected-app"
    client_secret = "fake-client-secret"

    def __init__(self, lifetime: float = 3600.0) -> None:
        self.issuer = TokenIssuer(lifetime=lifetime)
        self.token_lifetime: float | None = None  # for new tokens; None: the issuer's, 0: dead
        self.logins = 0
        self._users: dict[str, str] = {}
        self._lock = threading.Lock()

    def issue(self, user_id: str = INTEGRATION_USER_ID) -> str:
        """A new session token for ``user_id``."""
        token = self.issuer.issue(self.token_lifetime)
        with self._lock:
            self._users[token] = user_id
        return token

    def user_of(self, request: FakeRequest) -> str | None:
        """The user whose valid bearer token ``request`` carries, or None."""
        scheme, _, token = (request.header("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not self.issuer.is_valid(token):
            return None
        with self._lock:
            return self._users.get(token)

    def expire_all(self) -> None:
        """Invalidate every token issued so far."""
        self.issuer.revoke_all()

    # -- the login flows ---------------------------------------------------------------------------

    def oauth_token(self, request: FakeRequest, instance_url: str) -> FakeResponse:
        """``POST /services/oauth2/token`` with ``grant_type=client_credentials``; the client
        authenticates with HTTP Basic or with ``client_id``/``client_secret`` form fields."""
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        given = (form.get("client_id"), form.get("client_secret"))
        header = request.header("authorization") or ""
        if header.lower().startswith("basic "):
            given_id, _, given_secret = base64.b64decode(header[6:]).decode().partition(":")
            given = (given_id, given_secret)
        if form.get("grant_type") != "client_credentials":
            return json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "grant type not supported",
                },
                400,
            )
        if given != (self.client_id, self.client_secret):
            return json_response(
                {"error": "invalid_client", "error_description": "invalid client credentials"}, 400
            )
        self._count_login()
        return json_response(
            {
                "access_token": self.issue(INTEGRATION_USER_ID),
                "instance_url": instance_url,
                "id": f"{instance_url}/id/{ORG_ID}/{INTEGRATION_USER_ID}",
                "token_type": "Bearer",
                "signature": "fake-signature",
                "scope": "api",
            }
        )

    def soap_login(self, request: FakeRequest, instance_url: str, version: str) -> FakeResponse:
        """``POST /services/Soap/u/NN.N`` ``login``: the password is followed by the token."""
        try:
            root = ElementTree.fromstring(request.body)
        except ElementTree.ParseError:
            return _soap_fault("INVALID_LOGIN", "the login request is not well-formed XML")
        found = {el.tag.rsplit("}", 1)[-1]: (el.text or "") for el in root.iter()}
        expected = (self.username, self.password + self.security_token)
        if (found.get("username"), found.get("password")) != expected:
            return _soap_fault(
                "INVALID_LOGIN", "Invalid username, password, security token; or user locked out."
            )
        self._count_login()
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
            'xmlns="urn:partner.soap.sforce.com"><soapenv:Body><loginResponse><result>'
            f"<serverUrl>{instance_url}/services/Soap/u/{version}/{ORG_ID}</serverUrl>"
            f"<sessionId>{self.issue(INTEGRATION_USER_ID)}</sessionId>"
            f"<userId>{INTEGRATION_USER_ID}</userId>"
            "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
        )
        return text_response(body, 200, "text/xml; charset=utf-8")

    def _count_login(self) -> None:
        with self._lock:
            self.logins += 1


def _soap_fault(code: str, message: str) -> FakeResponse:
    """A SOAP login fault, answered with HTTP 500 as Salesforce does."""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring><detail>"
        f'<sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{message}</sf:exceptionMessage></sf:LoginFault></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return text_response(body, 500, "text/xml; charset=utf-8")
