"""Resolving a target from crmhub.yaml: the rule of each field, and every mistake reported with
its file, line and key before anything runs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from crmhub.config.models import ConflictPolicy, TargetConfig
from crmhub.errors import ConfigInvalid
from crmhub.mapping.spec import MappingSpec
from crmhub.sync import UnknownTarget, load_target
from crmhub.sync.targets import mapping_read_fields

SALESFORCE = {
    "type": "salesforce",
    "config": {
        "instance_url": "https://acme.my.salesforce.com",
        "auth": {"method": "access_token", "access_token": "${SF_TOKEN}"},
        "objects": {"Contact": {}},
    },
    "streams": {"Contact": {"mapping": "mappings/sf_contact.yaml"}},
}
ERP = {
    "type": "sql",
    "config": {
        "connection_string": "${ERP_ODBC}",
        "streams": {"clienti": {"table": "clienti", "key": ["codice"]}},
    },
}


def target(**spec: Any) -> dict[str, Any]:
    return {"sf": {"connection": "salesforce", "stream": "Contact", **spec}}


def problems(project_for: Any, targets: dict[str, Any]) -> list[str]:
    project = project_for({"salesforce": SALESFORCE, "erp": ERP}, targets)
    with pytest.raises(ConfigInvalid) as caught:
        load_target(project, next(iter(targets)))
    return [str(p) + (f" [{p.hint}]" if p.hint else "") for p in caught.value.problems]


def test_fields_are_configured_by_target_name_or_canonical_path_the_most_specific_winning(
    project_for,
):
    fields = {
        "emails": {"conflict": "manual"},
        "Email": {"conflict": "newest_wins"},
        "person": {"conflict": "hub_wins"},
        "Phone": {"owner": "erp"},
    }
    project = project_for({"salesforce": SALESFORCE, "erp": ERP}, target(fields=fields))

    rules = load_target(project, "sf").fields

    assert rules["Email"].policy is ConflictPolicy.NEWEST_WINS  # by name beats by path
    assert rules["FirstName"].policy is ConflictPolicy.HUB_WINS  # person.given_name is below person
    assert (rules["Phone"].owner, rules["Phone"].value_from) == ("erp", "erp")
    assert rules["LastName"].policy is ConflictPolicy.HUB_WINS
    defaults = load_target(project_for({"salesforce": SALESFORCE}, target()), "sf").fields
    assert {(r.owner, r.policy) for r in defaults.values()} == {("hub", ConflictPolicy.OWNER_WINS)}


def test_the_target_s_own_connection_as_owner_is_the_target(project_for):
    project = project_for(
        {"salesforce": SALESFORCE}, target(fields={"Phone": {"owner": "salesforce"}})
    )

    rule = load_target(project, "sf").fields["Phone"]

    assert (rule.owner, rule.value_from, rule.kind.writes_updates) == ("target", None, False)


def test_every_field_mistake_is_reported_with_its_line(project_for):
    spec = target(fields={"Emial": {"conflict": "manual"}, "Phone": {"owner": "shop"}})
    found = problems(project_for, spec)

    text = (project_for.root / "crmhub.yaml").read_text().splitlines()
    emial = text.index("      Emial:") + 1
    shop = text.index("        owner: shop") + 1
    assert len(found) == 2
    assert f"crmhub.yaml:{emial}: targets.sf.fields.Emial: 'Emial' is neither a field" in found[0]
    assert "did you mean 'Email'?" in found[0]
    assert f"crmhub.yaml:{shop}: targets.sf.fields.Phone.owner: owner 'shop' is neither" in found[1]
    assert "connections: erp, salesforce" in found[1]


def test_a_connector_that_cannot_delete_is_refused_for_delete(project_for):
    (found,) = problems(project_for, target(deletions="delete"))

    assert "targets.sf.deletions: connector 'salesforce' cannot delete records" in found
    assert "mode: deactivate" in found


def test_the_hub_s_id_field_may_not_be_written_by_the_reverse_mapping(project_for):
    (found,) = problems(project_for, target(id_field="Email"))

    assert "targets.sf.id_field: 'Email' is also a field of mappings/sf_contact.yaml" in found


def test_a_target_without_a_mapping_to_write_with(project_for):
    (found,) = problems(project_for, {"sf": {"connection": "salesforce", "stream": "Lead"}})

    assert "targets.sf.stream: connection 'salesforce' reads no stream 'Lead'" in found
    assert "give the target a `mapping:`" in found


def test_a_mapping_without_a_reverse_section_cannot_be_written_with(project_for, tmp_path):
    project = project_for({"salesforce": SALESFORCE}, target(mapping="mappings/read_only.yaml"))
    (project.root / "mappings/read_only.yaml").write_text("version: 1\nkind: {const: person}\n")

    with pytest.raises(ConfigInvalid) as caught:
        load_target(project, "sf")

    assert "has no `reverse:` section" in str(caught.value)


def test_an_unknown_target_suggests_the_closest(project_for):
    project = project_for({"salesforce": SALESFORCE}, target())

    with pytest.raises(UnknownTarget) as caught:
        load_target(project, "sff")

    assert caught.value.hint == "did you mean 'sf'?"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"deletions": {"mode": "deactivate"}}, "mode deactivate needs 'field'"),
        ({"deletions": {"mode": "delete", "field": "X"}}, "'field' applies to mode deactivate"),
        ({"deletions": "erase"}, "'ignore', 'deactivate' or 'delete'"),
        ({"fields": {"Email": {"owner": "Nobody"}}}, "is not an owner"),
        ({"fields": {"E-mail": {}}}, "is neither a target field"),
        ({"fields": {"Email": {"conflict": "loudest_wins"}}}, "'owner_wins', 'newest_wins'"),
        ({"retry": {"backoff_seconds": 10, "backoff_max_seconds": 5}}, "must not be above"),
    ],
)
def test_the_target_section_s_shape_is_checked(spec, message):
    with pytest.raises(ValidationError, match=message):
        TargetConfig.model_validate({"connection": "erp", "stream": "x", **spec})


def test_an_older_target_section_still_loads():
    old = {
        "connection": "erp",
        "stream": "customers",
        "fields": {
            "email": {"owner": "hub", "conflict": "newest_wins"},
            "phone": {"owner": "target", "conflict": "steward"},
        },
    }

    config = TargetConfig.model_validate(old)

    assert config.fields["phone"].conflict is ConflictPolicy.STEWARD


def test_an_echo_check_compares_what_the_mapping_reads_but_not_its_update_stamp():
    spec = MappingSpec.model_validate(
        {
            "kind": {"from": "TIPO", "lookup": {"P": "person"}},
            "fields": {
                "person.given_name": {
                    "from": ["NOME", "NOME2"],
                    "when": {"field": "ATTIVO", "equals": "S"},
                },
                "emails": [{"raw": "EMAIL", "when": {"field": "CONSENSO", "not_empty": True}}],
            },
            "source_updated_at": "MODIFICATO",
        }
    )

    assert mapping_read_fields(spec) == {"TIPO", "NOME", "NOME2", "ATTIVO", "EMAIL", "CONSENSO"}
