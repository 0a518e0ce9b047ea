"""What a record-level Salesforce error means for the hub: a reason a steward can read, and
whether trying the same record again may succeed. A table, not a thicket of ifs."""

from __future__ import annotations

from dataclasses import dataclass

from connectors.sdk import WriteOutcome, WriteResult

MULTIPLE_MATCHES = "external id matches several records"


@dataclass(frozen=True, slots=True)
class RecordErrorRule:
    """The meaning of one Salesforce status code for a record that failed to save."""

    summary: str
    retryable: bool


RECORD_ERRORS: dict[str, RecordErrorRule] = {
    # the record cannot be written as it is: a person (steward, admin) must act
    "DUPLICATE_EXTERNAL_ID": RecordErrorRule(MULTIPLE_MATCHES, retryable=False),
    "DUPLICATE_VALUE": RecordErrorRule("a unique field's value is used by another record", False),
    "REQUIRED_FIELD_MISSING": RecordErrorRule("a required field is missing", False),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": RecordErrorRule("a validation rule refused it", False),
    "INVALID_EMAIL_ADDRESS": RecordErrorRule("an e-mail address was refused", False),
    "STRING_TOO_LONG": RecordErrorRule("a value is too long for its field", False),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": RecordErrorRule(
        "a picklist value is not allowed", False
    ),
    "INVALID_FIELD_FOR_INSERT_UPDATE": RecordErrorRule("a field may not be written", False),
    "INVALID_FIELD": RecordErrorRule("a field does not exist or is not accessible", False),
    "INVALID_CROSS_REFERENCE_KEY": RecordErrorRule("a lookup points at a missing record", False),
    "ENTITY_IS_DELETED": RecordErrorRule("the record is in the recycle bin", False),
    "MISSING_ARGUMENT": RecordErrorRule("the external id value is missing", False),
    "INSUFFICIENT_ACCESS_OR_READONLY": RecordErrorRule(
        "the integration user may not edit it", False
    ),
    # the org was busy: the same record may well save on the next try
    "UNABLE_TO_LOCK_ROW": RecordErrorRule("the record was locked by another update", True),
    "ALL_OR_NONE_OPERATION_ROLLED_BACK": RecordErrorRule("rolled back with its batch", True),
    "REQUEST_LIMIT_EXCEEDED": RecordErrorRule("Salesforce throttled the write", True),
    "SERVER_UNAVAILABLE": RecordErrorRule("Salesforce was unavailable", True),
    "UNKNOWN_EXCEPTION": RecordErrorRule("Salesforce failed with an internal error", True),
}
_UNLISTED = RecordErrorRule("Salesforce refused the record", retryable=False)


def record_failure(key: str, code: str, message: str) -> WriteResult:
    """The FAILED result of a record Salesforce refused with ``code`` and ``message``."""
    rule = RECORD_ERRORS.get(code, _UNLISTED)
    return WriteResult(
        key,
        WriteOutcome.FAILED,
        reason=f"{rule.summary}: {code}: {message}",
        retryable=rule.retryable,
    )


def failure(key: str, reason: str, *, retryable: bool) -> WriteResult:
    """A FAILED result with a reason of the connector's own."""
    return WriteResult(key, WriteOutcome.FAILED, reason=reason, retryable=retryable)


def parse_bulk_error(text: str) -> tuple[str, str]:
    """``(code, message)`` from a Bulk 2.0 ``sf__Error`` (``CODE:message:fields --``)."""
    code, _, rest = text.partition(":")
    message = rest.rsplit(":", 1)[0] if rest.count(":") else rest
    return code.strip() or "UNKNOWN_EXCEPTION", message.strip(" -") or text
