"""A faithful fake of the parts of Salesforce crmhub uses, on loopback, for tests and the demo.

It behaves as the vendor documents (``api-notes.md``, Salesforce section):

* an in-memory org with ``Account``, ``Contact`` and ``Lead``: 18-character Ids, a
  ``SystemModstamp`` with one-second precision, ``LastModifiedById``, ``IsDeleted``, the unique
  external id field ``Crmhub_Id__c`` and the non-unique external id field ``Legacy_Id__c``
  (``schema``, ``org``);
* bearer sessions: a bad or expired token is answered 401
  ``[{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]``; sessions
  come from ``fake.token``, the SOAP ``login`` call or the OAuth 2.0 client-credentials grant
  (``sessions``);
* ``query`` / ``queryAll`` for the strict SOQL subset the connector emits, anything else
  400 MALFORMED_QUERY (``soql``); answers of up to 2,000 records with ``nextRecordsUrl``,
  ``totalSize``, ``done``;
* upsert by external id: one record (``PATCH /sobjects/{o}/{field}/{value}``: 201 created,
  204 updated, 300 several matches, 400 if the field is in the body) and up to 200
  (``PATCH /composite/sobjects/{o}/{field}``, ``allOrNone``, results in input order);
* the Bulk API 2.0 ingest life cycle, with result sets in an order that is NOT the upload's
  (``bulk``);
* ``Sforce-Limit-Info: api-usage=N/M`` on every answer and 403 REQUEST_LIMIT_EXCEEDED past the
  daily limit; ``throttle_next`` / ``unavailable_next`` script throttling storms and 503s;
* every write is logged with its ``Sforce-Call-Options`` client (``fake.writes``) and stamps
  ``LastModifiedById`` with the session's user (the integration user for ``fake.token``).

Use::

    with FakeSalesforce() as fake:
        ids = fake.seed("Contact", 10)            # each in a new second
        fake.touch("Contact", ids[:3])            # one new SystemModstamp second for the three
        fake.delete("Contact", ids[3:4])          # IsDeleted, seen by queryAll only
        fake.throttle_next(5)                     # the next 5 calls: 403 REQUEST_LIMIT_EXCEEDED
        config = {"instance_url": fake.url,
                  "auth": {"method": "access_token", "access_token": fake.token}}
"""

from connectors.testing.fake_salesforce.errors import ApiError, RecordError
from connectors.testing.fake_salesforce.schema import (
    FIRST_SECOND,
    INTEGRATION_USER_ID,
    OTHER_USER_ID,
    STANDARD_OBJECTS,
    format_datetime,
    salesforce_id,
)
from connectors.testing.fake_salesforce.server import FakeSalesforce, WriteCall
from connectors.testing.fake_salesforce.soql import parse_soql

__all__ = [
    "FIRST_SECOND",
    "INTEGRATION_USER_ID",
    "OTHER_USER_ID",
    "STANDARD_OBJECTS",
    "ApiError",
    "FakeSalesforce",
    "RecordError",
    "WriteCall",
    "format_datetime",
    "parse_soql",
    "salesforce_id",
]
