"""The shape of ``crmhub.yaml``: pydantic models with defaults a new project can live with.

Only the shape is checked here. What needs the outside world (a connector's own configuration,
mapping files on disk, secret references, names that refer to other sections) is checked by
``crmhub.config.validate``, which also turns every error into a line of the file.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

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
    partitions: int = Field(
        1,
        ge=1,
        le=1024,
        description="Partitions of the blocking keys a partitioned run (Airflow) scores in parallel.",
    )
    refit_when_records_grow: float | None = Field(
        2.0,
        ge=1.0,
        description="Refit the stored match model in a normal run once the live records are at "
        "least this multiple of those it was fitted on (null: only `crmhub match --full` "
        "refits). A record kind the model has never seen always refits it.",
    )

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


def _check_survivorship_field(value: str) -> str:
    """A field path that takes a survivorship rule ("email" stands for "emails"); the key is
    kept as written so that later errors still point at its line."""
    # Imported here: crmhub.golden compiles these models and imports this module.
    from crmhub.golden.errors import UnknownField
    from crmhub.golden.fields import ruled_field_path

    try:
        ruled_field_path(value)
    except UnknownField as exc:
        raise ValueError(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    return value


SurvivorshipField = Annotated[FieldPath, AfterValidator(_check_survivorship_field)]


class SurvivorshipConfig(Section):
    """Which value wins in a golden record; a steward's override always wins."""

    default_rule: SurvivorshipRule = SurvivorshipRule.MOST_RECENT
    source_priority: list[Name] = Field(
        default_factory=list, description="Connections from most to least trusted."
    )
    fields: dict[SurvivorshipField, FieldSurvivorship] = Field(
        default_factory=dict,
        description="Per canonical field path (person.birth_date, emails, organization.vat_id): "
        "its own rule and source priority.",
    )


class FieldOwner(enum.StrEnum):
    """Who may change a field in a target. Besides these two, an owner can be a connection
    (a system of record): the field then carries that system's value, not the golden one."""

    HUB = "hub"  # the hub writes the golden value whenever it changes
    TARGET = "target"  # the target's own: the hub sets it only when it creates the record


class ConflictPolicy(enum.StrEnum):
    """What decides a field that both the hub and the target changed since the last sync."""

    OWNER_WINS = "owner_wins"  # the field's owner (the target, or the hub / a system of record)
    NEWEST_WINS = "newest_wins"  # the side changed last (a tie goes to the hub)
    MANUAL = "manual"  # nothing written: the conflict waits for a data steward
    HUB_WINS = "hub_wins"
    TARGET_WINS = "target_wins"
    STEWARD = "steward"  # the same as manual (the older name)


def _check_owner(value: str) -> str:
    if value in (FieldOwner.HUB, FieldOwner.TARGET):
        return value
    try:
        return _check_name(value)
    except ValueError:
        raise ValueError(
            f"{value!r} is not an owner: use 'hub', 'target' or the name of a connection "
            "(the field's system of record)"
        ) from None


_TARGET_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _check_target_field(value: str) -> str:
    if not _TARGET_FIELD.match(value):
        raise ValueError(
            f"{value!r} is neither a target field (Email, CRMHUB_ID) nor a canonical field path "
            "(emails, organization.legal_name)"
        )
    return value


Owner = Annotated[
    str,
    AfterValidator(_check_owner),
    Field(description="'hub', 'target', or a connection that is the field's system of record."),
]
TargetFieldKey = Annotated[str, AfterValidator(_check_target_field)]


class TargetField(Section):
    """Who owns one field in a target system, and what happens when both sides changed it."""

    owner: Owner = FieldOwner.HUB.value
    conflict: ConflictPolicy = ConflictPolicy.OWNER_WINS


# The values of canonical's PartyKind and Consent* enums, spelled out so that loading a project
# does not import the canonical model; tests/sync/test_filters.py checks that they agree.
PartyKindName = Literal["person", "organization"]
ConsentChannelName = Literal["email", "sms", "phone", "post", "whatsapp", "push", "any"]
ConsentPurposeName = Literal[
    "marketing", "newsletter", "profiling", "third_party", "service", "research"
]
ConsentStatusName = Literal["opt_in", "opt_out", "pending"]


def _one_or_many(value: Any) -> Any:
    """Let a list-valued key take a single item too (``has_source: erp``)."""
    return [value] if isinstance(value, (str, dict)) else value


class ConsentFilter(Section):
    """The golden record's standing consent for ``channel`` and ``purpose`` is ``status``
    (an ``any``-channel decision counts for every channel; the latest decision stands)."""

    channel: ConsentChannelName
    purpose: ConsentPurposeName
    status: ConsentStatusName = "opt_in"


class TargetFilter(Section):
    """Which golden records belong in a target: every condition given must hold."""

    kind: PartyKindName | None = Field(None, description="Only persons, or only organizations.")
    has_source: Annotated[list[Name], BeforeValidator(_one_or_many)] = Field(
        default_factory=list,
        description="Only golden records with a live source record from one of these connections.",
    )
    consent: Annotated[list[ConsentFilter], BeforeValidator(_one_or_many)] = Field(
        default_factory=list, description="Consents the golden record must hold (all of them)."
    )
    has: Annotated[list[FieldPath], BeforeValidator(_one_or_many)] = Field(
        default_factory=list,
        description="Canonical fields that must not be empty (emails, organization.vat_id).",
    )


class DeletionMode(enum.StrEnum):
    """What happens in a target to a record whose golden record is gone (retired, merged away)
    or no longer passes the target's filter."""

    IGNORE = "ignore"  # leave it as it is
    DEACTIVATE = "deactivate"  # write ``value`` into ``field`` (Active__c: false)
    DELETE = "delete"  # delete it (only through connectors that can delete)


class DeletionPolicy(Section):
    """How deletions propagate: ``ignore``, ``delete`` or ``{mode: deactivate, field, value}``."""

    mode: DeletionMode = DeletionMode.IGNORE
    field: str | None = Field(None, description="The target field a deactivation writes.")
    value: Any = Field(False, description="The value a deactivation writes into ``field``.")

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return {"mode": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _field_for_deactivate(self) -> DeletionPolicy:
        if self.mode is DeletionMode.DEACTIVATE and not self.field:
            raise ValueError("mode deactivate needs 'field' (and 'value', default false)")
        if self.mode is not DeletionMode.DEACTIVATE and self.field:
            raise ValueError(f"'field' applies to mode deactivate, not {self.mode.value}")
        return self


class RetryPolicy(Section):
    """Retries of a record whose write failed with a retryable error, with doubling backoff."""

    max_attempts: int = Field(5, ge=1, le=100, description="Then the record goes to `dead`.")
    backoff_seconds: float = Field(60.0, ge=0, description="Wait after the first failure.")
    backoff_max_seconds: float = Field(3600.0, ge=0, description="The longest wait.")

    @model_validator(mode="after")
    def _ordered(self) -> RetryPolicy:
        if self.backoff_seconds > self.backoff_max_seconds:
            raise ValueError("backoff_seconds must not be above backoff_max_seconds")
        return self


class TargetConfig(Section):
    """A system the golden records are written back to (see crmhub/sync/README.md)."""

    connection: Name = Field(description="The connection to write through.")
    stream: str = Field(description="The connector's writable stream.")
    enabled: bool = True
    schedule: Schedule = None
    mapping: str | None = Field(
        None,
        description="Mapping file whose `reverse:` section makes the target's fields "
        "(default: the mapping of the stream under the connection's streams).",
    )
    id_field: str | None = Field(
        None,
        description="The target field holding the hub's stable id (Crmhub_Id__c, CRMHUB_ID); "
        "lets the hub recognise its records among those it reads from the target.",
    )
    filter: TargetFilter = Field(default_factory=TargetFilter)
    create_missing: bool = Field(True, description="Create golden records the target lacks.")
    deletions: DeletionPolicy = Field(default_factory=DeletionPolicy)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    batch_size: int = Field(200, ge=1, le=100_000, description="Records per write call.")
    fields: dict[TargetFieldKey, TargetField] = Field(
        default_factory=dict,
        description="Per target field (Email) or canonical path (emails): owner and conflict "
        "policy. Fields not listed: owner hub, conflict owner_wins.",
    )


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
