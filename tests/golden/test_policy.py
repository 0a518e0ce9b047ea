"""The survivorship section of crmhub.yaml compiles into a policy, with clear errors."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from crmhub.config.models import SurvivorshipConfig, SurvivorshipRule
from crmhub.config.project import load_project
from crmhub.errors import ConfigInvalid
from crmhub.golden.errors import UnknownField
from crmhub.golden.policy import SurvivorshipPolicy
from crmhub.golden.rules import RULES, by_recency, by_source_priority


def test_every_configurable_rule_has_a_function():
    assert {rule.value for rule in SurvivorshipRule} == set(RULES)


def test_fields_get_their_rule_and_sources_else_the_defaults():
    config = SurvivorshipConfig.model_validate(
        {
            "default_rule": "most_recent",
            "source_priority": ["erp", "salesforce", "shop"],
            "fields": {
                "person.birth_date": {"rule": "source_priority", "sources": ["salesforce"]},
                "email": {"rule": "most_frequent"},
            },
        }
    )
    policy = SurvivorshipPolicy.from_config(config)

    birth = policy.for_field("person.birth_date")
    assert (birth.rule_name, birth.rule, dict(birth.priority)) == (
        "source_priority",
        by_source_priority,
        {"salesforce": 0},
    )
    assert policy.for_field("emails").rule_name == "most_frequent"  # the alias was resolved
    name = policy.for_field("person.given_name")
    assert (name.rule, dict(name.priority)) == (by_recency, {"erp": 0, "salesforce": 1, "shop": 2})


def test_an_unknown_field_in_crmhub_yaml_is_reported_at_its_line_with_a_suggestion(tmp_path):
    (tmp_path / "crmhub.yaml").write_text(
        "version: 1\nproject: demo\nsurvivorship:\n  fields:\n"
        "    email: {rule: most_frequent}\n    person.birthdate: {rule: most_recent}\n"
    )
    with pytest.raises(ConfigInvalid) as caught:
        load_project(tmp_path)
    (problem,) = caught.value.problems
    assert problem.line == 6
    assert "'person.birthdate' is not a field of the canonical party" in problem.message
    assert "did you mean 'person.birth_date'?" in str(problem)


def test_a_policy_built_from_an_unchecked_config_still_refuses_an_unknown_field():
    config = SurvivorshipConfig.model_construct(fields={"person.birthdate": None})
    with pytest.raises(UnknownField) as caught:
        SurvivorshipPolicy.from_config(config)
    assert str(caught.value).startswith("survivorship.fields: 'person.birthdate' is not a field")
    assert caught.value.hint == "did you mean 'person.birth_date'?"


def test_a_rule_on_consents_is_refused_with_the_reason():
    with pytest.raises(ValidationError, match="consents follow the consent policy"):
        SurvivorshipConfig.model_validate({"fields": {"consents": {"rule": "most_recent"}}})
