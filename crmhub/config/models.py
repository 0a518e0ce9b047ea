"""The shape of ``crmhub.yaml``: pydantic models with defaults a new project can live with.

Only the shape is checked here. What needs the outside world (a connector's own configuration,
mapping files on disk, secret references, names that refer to other sections) is checked by
``crmhub.config.validate``, which also turns every error into a line of the file.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from crmhub.config.schedule import schedule_problem

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_FIELD = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*$")


def _check_name(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(
            f"{value!r} is not a valid name: use lower-case letters, digits and _, starting with a "
            "letter (it becomes part of Airflow DAG and pool names)"
        )
    return value


def _check_field(value: str) -> str:
    if not _FIELD.match(value):
        raise ValueError(f"{value!r} is not a canonical field path like 'email' or 'address.city'")
    return value


def _check_schedule(value: str | None) -> str | None:
    if value is not None:
        problem = schedule_problem(value)
        if problem:
            raise ValueError(problem)
    return value


Name = Annotated[str, AfterValidator(_check_name)]
FieldPath = Annotated[str, AfterValidator(_check_field)]
Schedule = Annotated[
    str | None,
    AfterValidator(_check_schedule),
    Field(
        description="When Airflow runs it: a cron expression ('*/15 * * * *') or a preset "
        "('@hourly', '@daily'); empty for manual runs only."
    ),
]


class Section(BaseModel):
    """Base of every section: unknown keys are errors (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class StreamConfig(Section):
    """One stream read from a connection and the mapping that turns it into canonical records."""

    mapping: str = Field(description="Mapping file, relative to the project directory.")
    enabled: bool = Field(True, description="Set to false to stop reading the stream.")


class ConnectionConfig(Section):
    """A system crmhub reads from or writes to, through one connector."""

    type: str = Field(description="Connector kind (see `crmhub connectors list`).")
    config: dict[str, Any] = Field(
        default_factory=dict,
        description="The connector's own settings (see `crmhub connectors spec KIND`); "
        "secrets as ${ENV_VAR} or ${airflow:CONN_ID.password} references.",
    )
    schedule: Schedule = None
    max_parallel: int = Field(1, ge=1, le=64, description="Concurrent tasks (Airflow pool size).")
    streams: dict[str, StreamConfig] = Field(default_factory=dict, description="Streams to read.")
    description: str = ""


class Thresholds(Section):
    """Match scores (0..1): above ``upper`` records merge, between the two a steward decides."""

    upper: float = Field(0.92, ge=0.0, le=1.0)
    lower: float = Field(0.70, ge=0.0, le=1.0)

    @model_validator(mode="after")
    def _upper_above_lower(self) -> Thresholds:
        if self.upper <= self.lower:
            raise ValueError(
                f"upper ({self.upper}) must be greater than lower ({self.lower}); "
                "scores between the two go to a steward"
            )
        return self


class BlockingFamily(enum.StrEnum):
    """Ways of finding candidate pairs without comparing every record with every other."""

    EMAIL = "email"
    PHONE = "phone"
    TAX_CODE = "tax_code"  # codice fiscale
    VAT_NUMBER = "vat_number"
    NAME_POSTAL_CODE = "name_postal_code"
    NAME_BIRTH_DATE = "name_birth_date"
    COMPANY_NAME_CITY = "company_name_city"


class MatchingConfig(Section):
    """How records describing the same customer are found."""

    thresholds: Thresholds = Field(default_factory=Thresholds)
    blocking: list[BlockingFamily] = Field(
        default_factory=lambda: list(BlockingFamily),
        min_length=1,
        description="Blocking key families used to find candidate pairs.",
    )
    max_block_size: int = Field(
        500, ge=2, description="Blocks larger than this are too common to compare (e.g. 'Rossi')."
    )
    term_frequency: bool = Field(True, description="Weigh rare values more than common ones.")

    @model_validator(mode="after")
    def _no_repeated_family(self) -> MatchingConfig:
        repeated = sorted({f.value for f in self.blocking if self.blocking.count(f) > 1})
        if repeated:
            raise ValueError(f"blocking lists {', '.join(repeated)} more than once")
        return self


class SurvivorshipRule(enum.StrEnum):
    """How a golden record picks a field's value among its sources."""

    SOURCE_PRIORITY = "source_priority"
    MOST_RECENT = "most_recent"
    MOST_COMPLETE = "most_complete"
    MOST_FREQUENT = "most_frequent"
    VALIDATED_FIRST = "validated_first"


class FieldSurvivorship(Section):
    """The rule for one canonical field."""

    rule: SurvivorshipRule
    sources: list[Name] = Field(
        default_factory=list,
        description="Connections in priority order, for source_priority (default: the global list).",
    )


class SurvivorshipConfig(Section):
    """Which value wins in a golden record; a steward's override always wins."""

    default_rule: SurvivorshipRule = SurvivorshipRule.MOST_RECENT
    source_priority: list[Name] = Field(
        default_factory=list, description="Connections from most to least trusted."
    )
    fields: dict[FieldPath, FieldSurvivorship] = Field(default_factory=dict)


class FieldOwner(enum.StrEnum):
    HUB = "hub"
    TARGET = "target"


class ConflictPolicy(enum.StrEnum):
    HUB_WINS = "hub_wins"
    TARGET_WINS = "target_wins"
    NEWEST_WINS = "newest_wins"
    STEWARD = "steward"


class TargetField(Section):
    """Who owns one field in a target system, and what happens when both sides changed it."""

    owner: FieldOwner = FieldOwner.HUB
    conflict: ConflictPolicy = ConflictPolicy.HUB_WINS


class TargetConfig(Section):
    """A system the golden records are written back to."""

    connection: Name = Field(description="The connection to write through.")
    stream: str = Field(description="The connector's writable stream.")
    enabled: bool = True
    schedule: Schedule = None
    fields: dict[FieldPath, TargetField] = Field(default_factory=dict)


class ProjectConfig(Section):
    """A crmhub project: its connections and how their customers become golden records."""

    version: Literal[1] = Field(1, description="Format version of this file.")
    project: str = Field(min_length=1, description="The project's name.")
    database_url: str | None = Field(
        None,
        description="The hub store: a ${ENV_VAR} reference or a URL without a password "
        "(default: sqlite:///<project>/crmhub.db).",
    )
    connections: dict[Name, ConnectionConfig] = Field(default_factory=dict)
    matching: MatchingConfig = Field(default_factory=MatchingConfig)
    survivorship: SurvivorshipConfig = Field(default_factory=SurvivorshipConfig)
    targets: dict[Name, TargetConfig] = Field(default_factory=dict)
