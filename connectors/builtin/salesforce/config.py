"""The configuration of a ``type: salesforce`` connection, checked before any call is made.

Object and field names end up inside SOQL and URLs, so they must be plain API names
(``Contact``, ``Crmhub_Id__c``): letters, digits and underscores, starting with a letter.
"""

from __future__ import annotations

import re
from ipaddress import ip_address
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    SecretStr,
    field_validator,
    model_validator,
)

from connectors.builtin.salesforce.fields import DEFAULT_FIELDS
from connectors.sdk import ConnectorConfig

_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_LOOPBACK_NAMES = frozenset({"localhost"})


def check_api_name(name: str, what: str = "name") -> str:
    """``name`` when it is a Salesforce API name; a ValueError naming the rule otherwise."""
    if not _API_NAME.fullmatch(name):
        raise ValueError(
            f"{what} {name!r} is not a Salesforce API name (letters, digits and '_', "
            "starting with a letter, e.g. Contact or Crmhub_Id__c)"
        )
    return name


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_origin(url: HttpUrl) -> str:
    """``scheme://host[:port]`` of ``url``, the port left out when it is the scheme's default."""
    default_port = {"https": 443, "http": 80}.get(url.scheme)
    port = "" if url.port in (None, default_port) else f":{url.port}"
    return f"{url.scheme}://{url.host}{port}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AccessTokenAuth(_Strict):
    """A session id or OAuth access token obtained elsewhere; it cannot be renewed by us."""

    method: Literal["access_token"]
    access_token: SecretStr


class PasswordAuth(_Strict):
    """The SOAP ``login`` call with username, password and the user's security token."""

    method: Literal["password"]
    username: str = Field(min_length=1)
    password: SecretStr
    security_token: SecretStr = SecretStr("")


class ClientCredentialsAuth(_Strict):
    """The OAuth 2.0 client-credentials flow of a connected app (run as its integration user)."""

    method: Literal["client_credentials"]
    client_id: str = Field(min_length=1)
    client_secret: SecretStr


AuthConfig = Annotated[
    AccessTokenAuth | PasswordAuth | ClientCredentialsAuth, Field(discriminator="method")
]


class ObjectConfig(_Strict):
    """One sObject to read and write: its fields (default: the built-in list for Account, Contact
    and Lead) and, when it differs from the connection's, its external id field."""

    fields: list[str] | None = None
    external_id_field: str | None = None

    @field_validator("fields")
    @classmethod
    def _fields(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("fields may not be empty: leave it out to read the default fields")
        return [check_api_name(name, "field") for name in value]

    @field_validator("external_id_field")
    @classmethod
    def _external_id(cls, value: str | None) -> str | None:
        return None if value is None else check_api_name(value, "external_id_field")


def _default_objects() -> dict[str, ObjectConfig]:
    return {name: ObjectConfig() for name in ("Account", "Contact", "Lead")}


class SalesforceConfig(ConnectorConfig):
    """The ``type: salesforce`` connection: one org, read incrementally and upserted into."""

    instance_url: HttpUrl = Field(
        description="the org's My Domain URL, https://acme.my.salesforce.com"
    )
    login_url: HttpUrl | None = Field(
        default=None,
        description="where to log in (password / client credentials); default: instance_url",
    )
    auth: AuthConfig
    api_version: str = Field(default="62.0", pattern=r"^\d{2}\.\d$")
    objects: dict[str, ObjectConfig] = Field(default_factory=_default_objects)
    external_id_field: str = "Crmhub_Id__c"
    lookback_seconds: int = Field(
        default=300, ge=0, description="re-read this much before the saved cursor"
    )
    page_size: int = Field(
        default=2000, ge=1, le=50_000, description="records per SOQL query (LIMIT)"
    )
    composite_batch_size: int = Field(default=200, ge=1, le=200)
    bulk_threshold: int = Field(
        default=2000, ge=0, description="writes of more records use Bulk 2.0"
    )
    bulk_job_size: int = Field(default=50_000, ge=1, description="records per Bulk 2.0 ingest job")
    bulk_poll_seconds: float = Field(default=2.0, gt=0, description="first wait between job polls")
    bulk_poll_max_seconds: float = Field(default=30.0, gt=0)
    bulk_timeout_seconds: float = Field(
        default=3600.0, gt=0, description="give up on a job after this"
    )
    connect_timeout_seconds: float = Field(default=10.0, gt=0)
    read_timeout_seconds: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=5, ge=1, description="attempts on 5xx and network errors")
    backoff_seconds: float = Field(
        default=1.0, gt=0, description="first backoff; doubles each time"
    )
    backoff_max_seconds: float = Field(default=60.0, gt=0)
    max_wait_seconds: float = Field(
        default=900.0, gt=0, description="the most one call may spend waiting out throttling"
    )
    api_usage_pause_at: float = Field(
        default=0.9, gt=0, le=1, description="slow down past this share"
    )
    api_usage_stop_at: float = Field(default=0.98, gt=0, le=1, description="stop past this share")
    api_usage_pause_seconds: float = Field(default=1.0, ge=0)
    client_name: str = Field(
        default="crmhub",
        pattern=r"^[A-Za-z0-9_./-]+$",
        description="sent as Sforce-Call-Options: client=...",
    )

    @field_validator("objects")
    @classmethod
    def _objects(cls, value: dict[str, ObjectConfig]) -> dict[str, ObjectConfig]:
        if not value:
            raise ValueError("objects may not be empty: name at least one sObject to sync")
        for name, chosen in value.items():
            check_api_name(name, "object")
            if chosen.fields is None and name not in DEFAULT_FIELDS:
                raise ValueError(
                    f"object {name!r} has no default field list: give its fields, "
                    f"e.g. objects: {{{name}: {{fields: [Name]}}}}"
                )
        return value

    @field_validator("external_id_field")
    @classmethod
    def _external_id(cls, value: str) -> str:
        return check_api_name(value, "external_id_field")

    @field_validator("instance_url", "login_url")
    @classmethod
    def _https(cls, value: HttpUrl | None) -> HttpUrl | None:
        if value is not None and value.scheme != "https" and not is_loopback(value.host):
            raise ValueError(
                f"{value} must use https: session tokens may not travel in clear text "
                "(plain http is accepted on loopback only, for tests and the demo)"
            )
        return value

    @model_validator(mode="after")
    def _consistent(self) -> SalesforceConfig:
        if self.api_usage_pause_at > self.api_usage_stop_at:
            raise ValueError("api_usage_pause_at must not be above api_usage_stop_at")
        if self.bulk_poll_seconds > self.bulk_poll_max_seconds:
            raise ValueError("bulk_poll_seconds must not be above bulk_poll_max_seconds")
        if self.backoff_seconds > self.backoff_max_seconds:
            raise ValueError("backoff_seconds must not be above backoff_max_seconds")
        return self

    # -- derived values -------------------------------------------------------------------------

    @property
    def origin(self) -> str:
        """``scheme://host[:port]`` of the instance (any path in ``instance_url`` dropped)."""
        return url_origin(self.instance_url)

    @property
    def login_origin(self) -> str:
        """Where logins go: the origin of ``login_url``, or the instance's."""
        return url_origin(self.login_url) if self.login_url else self.origin

    def external_id_of(self, sobject: str) -> str:
        """The external id field the hub's keys are upserted by, for ``sobject``."""
        configured = self.objects.get(sobject)
        return (configured.external_id_field if configured else None) or self.external_id_field
