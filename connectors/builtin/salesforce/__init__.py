"""The built-in ``salesforce`` connector, on simple-salesforce 1.12.

Configuration (``type: salesforce`` in crmhub.yaml)::

    instance_url: https://acme.my.salesforce.com
    auth:                                   # one of three methods
      method: client_credentials            # OAuth 2.0 client credentials of a connected app
      client_id: 3MVG9...
      client_secret: ${SF_CLIENT_SECRET}
    # auth: {method: password, username: crm@acme.com, password: ${SF_PASSWORD},
    #        security_token: ${SF_TOKEN}}
    # auth: {method: access_token, access_token: ${SF_ACCESS_TOKEN}}
    api_version: "62.0"
    objects:                                # streams, named after the sObjects
      Contact: {}                           # the default fields
      Lead: {fields: [FirstName, LastName, Company, Email]}
    external_id_field: Crmhub_Id__c         # an External ID, Unique field: the hub's stable id
    lookback_seconds: 300
    bulk_threshold: 2000                    # writes of more records go through Bulk API 2.0

Reads: SOQL through ``queryAll`` in (SystemModstamp, Id) keyset pages, a checkpoint after each
page, deletions as tombstones. Writes: upserts by external id (single record, sObject
collections of 200, or Bulk 2.0 jobs), one result per record. Every call carries
``Sforce-Call-Options: client=crmhub``, waits out throttling (403 REQUEST_LIMIT_EXCEEDED) and
5xx answers with backoff, logs in again once on a 401, and slows down, then stops, near the
org's daily API allowance.

Modules: ``config`` (the settings), ``fields`` (what is read, record schema), ``policy``
(answers -> actions), ``session`` (the requests session: retries, auth, rate budget), ``auth``
(session tokens), ``errors`` (simple-salesforce's errors -> the SDK's), ``api`` (the org's
calls), ``soql`` (the keyset query), ``reader``, ``record_errors`` (record-level errors ->
reason, retryable), ``bulk`` (Bulk 2.0 ingest jobs), ``writer``, ``connector``.
"""

from connectors.builtin.salesforce.config import (
    AccessTokenAuth,
    ClientCredentialsAuth,
    ObjectConfig,
    PasswordAuth,
    SalesforceConfig,
)
from connectors.builtin.salesforce.connector import SalesforceConnector

__all__ = [
    "AccessTokenAuth",
    "ClientCredentialsAuth",
    "ObjectConfig",
    "PasswordAuth",
    "SalesforceConfig",
    "SalesforceConnector",
]
