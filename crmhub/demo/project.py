"""The demo's project folder: crmhub.yaml with its connections and targets, the mapping files
(shipped in ``crmhub/demo/mappings/``), the spreadsheet and the JSON Schema for editors."""

from __future__ import annotations

import csv
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from crmhub.demo.world import SPREADSHEET_COLUMNS

SPREADSHEET_FILE = "data/contatti.csv"

HEADER = """\
# yaml-language-server: $schema=crmhub.schema.json
#
# The crmhub demo, written by `crmhub demo`: a spreadsheet, an ERP database and a (fake)
# Salesforce org with overlapping, messy customers. To run the whole cycle again, serve the
# fake org in another terminal (`crmhub demo DIR --serve-salesforce`), then
#   export CRMHUB_DEMO_SF_SECRET=fake-client-secret   (the fake connected app's secret)
#   crmhub run
# Check this file with `crmhub config validate`; every command: `crmhub --help`.
"""


def mapping_files() -> dict[str, str]:
    """The demo's mapping files by name, as shipped."""
    folder = files("crmhub.demo") / "mappings"
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


def spreadsheet_connection() -> dict[str, Any]:
    return {
        "type": "file",
        "description": "Trade-fair and web-form contacts, kept in a spreadsheet (CSV)",
        "config": {
            "delimiter": ";",
            "encoding": "auto",
            "streams": {"contatti": {"path": SPREADSHEET_FILE, "key": ["ID"]}},
        },
        "streams": {"contatti": {"mapping": "mappings/spreadsheet_contacts.yaml"}},
    }


def targets(with_erp: bool) -> dict[str, Any]:
    """The targets: the ERP's import table (every golden record) and Salesforce (contacts
    with an e-mail, companies), each upserted by the hub's stable id."""
    found: dict[str, Any] = {}
    if with_erp:
        found["erp_clienti_hub"] = {
            "connection": "erp",
            "stream": "clienti_hub",
            "mapping": "mappings/erp_clienti_hub.yaml",
            "id_field": "crmhub_id",
        }
    found["salesforce_contacts"] = {
        "connection": "salesforce",
        "stream": "Contact",
        "id_field": "Crmhub_Id__c",
        "filter": {"kind": "person", "has": ["emails"]},
        "fields": {"Phone": {"owner": "hub", "conflict": "newest_wins"}},
    }
    found["salesforce_accounts"] = {
        "connection": "salesforce",
        "stream": "Account",
        "id_field": "Crmhub_Id__c",
        "filter": {"kind": "organization"},
    }
    return found


def project_document(connections: dict[str, Any], with_erp: bool) -> dict[str, Any]:
    """crmhub.yaml's content."""
    trusted = ["erp", "spreadsheet", "salesforce"] if with_erp else ["spreadsheet", "salesforce"]
    names = {"rule": "source_priority"}  # the ERP spells names and legal forms properly
    return {
        "version": 1,
        "project": "crmhub-demo",
        "connections": connections,
        "matching": {
            "thresholds": {"upper": 0.92, "lower": 0.7},
            "blocking": [
                "email",
                "phone",
                "tax_code",
                "vat_number",
                "name_postal_code",
                "company_name_city",
            ],
        },
        "survivorship": {
            "default_rule": "most_recent",
            "source_priority": trusted,
            "fields": {
                "person.given_name": names,
                "person.family_name": names,
                "organization.legal_name": names,
                "emails": {"rule": "most_frequent"},  # two systems agree: not the odd one out
            },
        },
        "targets": targets(with_erp),
    }


def write_spreadsheet(path: Path, rows: list[dict[str, str]]) -> None:
    """The spreadsheet export: semicolons, a header row, UTF-8 with a BOM (as Excel saves)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.DictWriter(handle, SPREADSHEET_COLUMNS, delimiter=";")
        writer.writeheader()
        writer.writerows(rows)


def write_project(root: Path, connections: dict[str, Any], with_erp: bool) -> list[Path]:
    """crmhub.yaml, the mappings and crmhub.schema.json in ``root``; the files written."""
    from crmhub.config.project import SCHEMA_FILE
    from crmhub.config.schema import project_schema

    written = []
    for name, text in mapping_files().items():
        if name.startswith("erp_") and not with_erp:
            continue
        path = root / "mappings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    document = project_document(connections, with_erp)
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    (root / "crmhub.yaml").write_text(HEADER + body, encoding="utf-8")
    schema = json.dumps(project_schema(), indent=2, ensure_ascii=False) + "\n"
    (root / SCHEMA_FILE).write_text(schema, encoding="utf-8")
    return [root / "crmhub.yaml", *written, root / SCHEMA_FILE]
