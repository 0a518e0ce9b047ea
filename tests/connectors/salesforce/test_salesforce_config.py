"""The connection's configuration: defaults, and clear refusals of what would go wrong later."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from connectors.builtin.salesforce import SalesforceConfig, SalesforceConnector

TOKEN_AUTH = {"method": "access_token", "access_token": "00D!secret-token"}


def config(**overrides: Any) -> SalesforceConfig:
    raw = {"instance_url": "https://acme.my.salesforce.com", "auth": TOKEN_AUTH, **overrides}
    return SalesforceConfig.model_validate(raw)


def refusal(**overrides: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        config(**overrides)
    return str(caught.value)


def test_defaults_sync_accounts_contacts_and_leads_by_the_hub_id() -> None:
    settings = config()
    assert list(settings.objects) == ["Account", "Contact", "Lead"]
    assert settings.external_id_field == "Crmhub_Id__c"
    assert (settings.api_version, settings.lookback_seconds, settings.bulk_threshold) == (
        "62.0",
        300,
        2000,
    )
    assert settings.origin == "https://acme.my.salesforce.com"
    assert settings.login_origin == settings.origin
    streams = [s.name for s in SalesforceConnector(settings).discover()]
    assert streams == ["Account", "Contact", "Lead"]


def test_an_object_may_upsert_by_its_own_external_id_field() -> None:
    settings = config(objects={"Contact": {"external_id_field": "Legacy_Id__c"}, "Lead": {}})
    assert settings.external_id_of("Contact") == "Legacy_Id__c"
    assert settings.external_id_of("Lead") == "Crmhub_Id__c"


def test_the_origin_drops_paths_and_default_ports() -> None:
    settings = config(
        instance_url="https://acme.my.salesforce.com:443/services/data/",
        login_url="https://test.salesforce.com",
    )
    assert settings.origin == "https://acme.my.salesforce.com"
    assert settings.login_origin == "https://test.salesforce.com"
    assert config(instance_url="http://127.0.0.1:8099").origin == "http://127.0.0.1:8099"


@pytest.mark.parametrize("url", ["http://acme.my.salesforce.com", "http://10.0.0.5:8080"])
def test_plain_http_is_refused_off_loopback(url: str) -> None:
    message = refusal(instance_url=url)
    assert "instance_url" in message and "https" in message


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:7000"]
)
def test_plain_http_is_accepted_on_loopback(url: str) -> None:
    assert config(instance_url=url).origin.startswith("http://")


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"objects": {"Contact; DELETE": {}}}, "object"),
        ({"objects": {"Contact": {"fields": ["LastName", "Name FROM User"]}}}, "Name FROM User"),
        ({"objects": {"Opportunity": {}}}, "Opportunity"),
        ({"objects": {}}, "objects"),
        ({"external_id_field": "Crmhub Id"}, "external_id_field"),
        ({"auth": {"method": "oauth_magic"}}, "method"),
        ({"auth": {"method": "password", "username": "u"}}, "password"),
        ({"page_size": 0}, "page_size"),
        ({"composite_batch_size": 201}, "composite_batch_size"),
        ({"api_version": "v62"}, "api_version"),
        ({"api_usage_pause_at": 0.99, "api_usage_stop_at": 0.9}, "api_usage_pause_at"),
        ({"sandbox": True}, "sandbox"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(overrides: dict[str, Any], named: str) -> None:
    assert named in refusal(**overrides)


def test_secrets_stay_out_of_reprs() -> None:
    settings = config(
        auth={
            "method": "password",
            "username": "u@acme.com",
            "password": "pw-1",
            "security_token": "st-2",
        }
    )
    shown = repr(settings) + str(settings.model_dump())
    assert "pw-1" not in shown and "st-2" not in shown
    assert "secret-token" not in repr(config())
