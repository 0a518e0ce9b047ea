"""What crmhub's tasks retry (infrastructure faults, with doubling delays) and what they do not
(mistakes a retry cannot cure), as Airflow's task runner asks the policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from airflow.sdk import RetryAction

from connectors.sdk.errors import AuthError, ConfigError, SourceUnavailable
from crmhub.errors import ConfigInvalid, ConfigProblem, ProjectNotFound
from crmhub.orchestration.retries import NOT_RETRIED, RetrySettings
from crmhub.orchestration.retry_policy import CrmhubRetryPolicy, _resolve
from crmhub.store.errors import LockBusy, StoreOutOfDate, StoreUnavailable


def decide(exc: BaseException) -> RetryAction:
    return CrmhubRetryPolicy(NOT_RETRIED).evaluate(exc, try_number=1, max_tries=5).action


def test_every_error_named_as_not_retried_exists():
    assert all(_resolve(path) is not None for path in NOT_RETRIED)


@pytest.mark.parametrize(
    "error",
    [
        ConfigInvalid([ConfigProblem("crmhub.yaml", 3, "connections.erp", "wrong")]),
        ProjectNotFound("no crmhub.yaml in /srv/crm"),
        StoreOutOfDate("the store is at revision 0003"),
        AuthError("INVALID_LOGIN"),
        ConfigError("stream 'x': no such table"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_mistakes_fail_at_once(error):
    assert decide(error) is RetryAction.FAIL


@pytest.mark.parametrize(
    "error",
    [
        SourceUnavailable("HTTP 503"),
        StoreUnavailable("connection refused"),
        LockBusy("another sync holds the lock", holder="pid 12"),
        OSError("network unreachable"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_infrastructure_faults_get_the_tasks_retries(error):
    assert decide(error) is RetryAction.DEFAULT


def test_the_policy_survives_serialization():
    policy = CrmhubRetryPolicy(NOT_RETRIED)
    again = CrmhubRetryPolicy.deserialize(policy.serialize())
    assert again.not_retried == NOT_RETRIED


def test_retry_settings_come_from_the_environment():
    settings = RetrySettings.from_env(
        {"CRMHUB_AIRFLOW_RETRIES": "2", "CRMHUB_AIRFLOW_RETRY_DELAY_SECONDS": "10"}
    )
    arguments = settings.task_arguments()
    assert arguments["retries"] == 2
    assert arguments["retry_delay"] == timedelta(seconds=10)
    assert arguments["max_retry_delay"] == timedelta(minutes=15)  # the default
    assert arguments["retry_exponential_backoff"] == 2.0
    assert RetrySettings.from_env({}) == RetrySettings()


@pytest.mark.parametrize("value", ["soon", "-1"])
def test_a_wrong_retry_setting_names_the_variable(value):
    with pytest.raises(ValueError, match="CRMHUB_AIRFLOW_RETRIES"):
        RetrySettings.from_env({"CRMHUB_AIRFLOW_RETRIES": value})
