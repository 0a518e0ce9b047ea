"""The canonical party's fields as the golden record sees them: how each one survives.

Every field path of ``canonical.party.Party`` has one entry in :data:`FIELDS` saying what
kind of survivorship it gets, and the *fold key* that says when two sources hold the same
value ("Mario.Rossi@Example.it" and "mario.rossi@example.it" are one e-mail):

``scalar``       one value is chosen by the field's rule (``person.given_name``, ``organization.vat_id``)
``union``        every source's values are united, equal values folded into one, ranked by the
                 rule (``emails``, ``phones``, ``addresses``, ``web``, ``identifiers``)
``consents``     the latest decision per (channel, purpose) under the consent policy
``history``      events united, duplicates dropped, newest first (``orders``, ``credit``, ...)
``source_only``  about one source record, not the customer: not kept (``provenance``, ``issues``)

The paths are the canonical JSON paths (``person.given_name``); the nested ``person`` and
``organization`` objects are containers, filled according to the golden record's ``kind``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from crmhub.golden.errors import UnknownField


class FieldKind(StrEnum):
    """How a field survives (see the module docstring)."""

    SCALAR = "scalar"
    UNION = "union"
    CONSENTS = "consents"
    HISTORY = "history"
    SOURCE_ONLY = "source_only"


FoldKey = Callable[[Any], str]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of the catalogue.

    Attributes:
        path: the canonical JSON path ("person.given_name", "emails").
        kind: how it survives.
        fold: the key under which two values count as the same value.
        time_key: for history fields, the entry's timestamp key (newest first).
    """

    path: str
    kind: FieldKind
    fold: FoldKey
    time_key: str | None = None


def text_key(text: str) -> str:
    """Text compared without case and with whitespace runs collapsed."""
    return " ".join(text.split()).casefold()


def json_key(value: Any) -> str:
    """Any JSON value as a canonical string (sorted keys), for values without a better key."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def scalar_key(value: Any) -> str:
    """Plain values: text without case or extra blanks; anything else by its JSON."""
    return text_key(value) if isinstance(value, str) else json_key(value)


def _written(entry: dict[str, Any]) -> str:
    """A contact point's normalised value, else what the source wrote."""
    return str(entry.get("value") or entry.get("raw") or " ".join(entry.get("lines", ())))


def email_key(entry: dict[str, Any]) -> str:
    """E-mails fold on their match key (provider rules applied), else their lower-cased text."""
    return str(entry.get("match_key") or text_key(_written(entry)))


def phone_key(entry: dict[str, Any]) -> str:
    """Phones fold on the E.164 number plus extension; an invalid one on its digits."""
    number = entry.get("value") or "".join(ch for ch in str(entry.get("raw", "")) if ch.isdigit())
    extension = entry.get("extension")
    return f"{number};ext={extension}" if extension else str(number)


def address_key(entry: dict[str, Any]) -> str:
    """Addresses fold on country, postcode (else city), street, house number and unit, so that
    a province or region given by one source only does not make two addresses; an address
    without street and place folds on its one-line form (without case)."""
    place = entry.get("postcode") or entry.get("city")
    if entry.get("street") and place:
        parts = (
            entry.get("country"),
            place,
            entry["street"],
            entry.get("house_number"),
            entry.get("unit"),
        )
        return "|".join(text_key(str(p)) if p else "" for p in parts)
    return text_key(_written(entry))


def web_key(entry: dict[str, Any]) -> str:
    """Web handles fold on their canonical URL (without case)."""
    return text_key(_written(entry))


def identifier_key(entry: dict[str, Any]) -> str:
    """Identifiers fold on scheme (and system, for SYSTEM keys) plus the value without blanks."""
    number = "".join(str(entry.get("value") or entry.get("raw", "")).split()).upper()
    system = entry.get("system") if entry.get("scheme") == "SYSTEM" else None
    return (
        f"{entry.get('scheme')}:{system}:{number}" if system else f"{entry.get('scheme')}:{number}"
    )


def legal_form_key(entry: dict[str, Any]) -> str:
    """A legal form is its code ("SRL"); forms outside the table by their label."""
    code = entry.get("code")
    return f"{code}:{text_key(str(entry.get('label', '')))}" if code == "OTHER" else str(code)


def credit_key(entry: dict[str, Any]) -> str:
    """One bureau report: the bureau's report id, else the bureau and the assessment time."""
    return json_key([entry.get("bureau"), entry.get("report_id") or entry.get("assessed_at")])


def interaction_key(entry: dict[str, Any]) -> str:
    """One interaction: its id in its channel, else its kind, time and subject."""
    if entry.get("external_id"):
        return json_key(["id", entry.get("channel"), entry["external_id"]])
    return json_key(["at", entry.get("kind"), entry.get("occurred_at"), entry.get("subject")])


def order_key(entry: dict[str, Any]) -> str:
    """One order: its external id."""
    return str(entry.get("external_id"))


def relationship_key(entry: dict[str, Any]) -> str:
    """One relationship: its kind and the other party."""
    return json_key([entry.get("kind"), entry.get("other_key"), entry.get("other_golden_id")])


def _fields(*specs: FieldSpec) -> dict[str, FieldSpec]:
    return {spec.path: spec for spec in specs}


def _scalar(path: str, fold: FoldKey = scalar_key) -> FieldSpec:
    return FieldSpec(path, FieldKind.SCALAR, fold)


FIELDS: dict[str, FieldSpec] = _fields(
    _scalar("kind"),
    _scalar("display_name"),
    _scalar("status"),
    _scalar("person.given_name"),
    _scalar("person.family_name"),
    _scalar("person.middle_names"),
    _scalar("person.birth_date"),
    _scalar("person.gender"),
    _scalar("person.language"),
    _scalar("person.codice_fiscale", identifier_key),
    _scalar("organization.legal_name"),
    _scalar("organization.trade_name"),
    _scalar("organization.legal_form", legal_form_key),
    _scalar("organization.vat_id", identifier_key),
    _scalar("organization.tax_code", identifier_key),
    _scalar("organization.sdi_code"),
    _scalar("organization.pec", email_key),
    _scalar("organization.industry"),
    _scalar("organization.size"),
    _scalar("organization.employees"),
    FieldSpec("emails", FieldKind.UNION, email_key),
    FieldSpec("phones", FieldKind.UNION, phone_key),
    FieldSpec("addresses", FieldKind.UNION, address_key),
    FieldSpec("web", FieldKind.UNION, web_key),
    FieldSpec("identifiers", FieldKind.UNION, identifier_key),
    FieldSpec("consents", FieldKind.CONSENTS, json_key),
    FieldSpec("credit", FieldKind.HISTORY, credit_key, time_key="assessed_at"),
    FieldSpec("interactions", FieldKind.HISTORY, interaction_key, time_key="occurred_at"),
    FieldSpec("orders", FieldKind.HISTORY, order_key, time_key="ordered_at"),
    FieldSpec("relationships", FieldKind.HISTORY, relationship_key),
    FieldSpec("provenance", FieldKind.SOURCE_ONLY, json_key),
    FieldSpec("issues", FieldKind.SOURCE_ONLY, json_key),
)

# The nested objects, by the party kind that has them.
SUBTREES: dict[str, str] = {"person": "person", "organization": "organization"}

# What people naturally write in crmhub.yaml for the multi-valued fields.
ALIASES: dict[str, str] = {
    "email": "emails",
    "phone": "phones",
    "address": "addresses",
    "website": "web",
    "identifier": "identifiers",
    "consent": "consents",
}

# Fields whose survivorship a rule in crmhub.yaml can choose.
RULED_KINDS: frozenset[FieldKind] = frozenset({FieldKind.SCALAR, FieldKind.UNION})


def spec_for(path: str, value: Any) -> FieldSpec:
    """The catalogue entry for ``path``; a path the catalogue does not know (a field added to
    the canonical model later) is kept rather than lost: a list is united, anything else chosen."""
    spec = FIELDS.get(path)
    if spec is not None:
        return spec
    if isinstance(value, list):
        return FieldSpec(path, FieldKind.HISTORY, json_key)
    return FieldSpec(path, FieldKind.SCALAR, scalar_key)


def resolve_field_path(path: str) -> str:
    """The catalogue path for ``path`` (aliases such as ``email`` -> ``emails`` resolved).

    Raises :class:`UnknownField` naming the path, with the closest known one as a hint.
    """
    resolved = ALIASES.get(path, path)
    if resolved in FIELDS:
        return resolved
    known = sorted(set(FIELDS) | set(ALIASES))
    close = difflib.get_close_matches(path, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else "known fields: " + ", ".join(sorted(FIELDS))
    raise UnknownField(f"{path!r} is not a field of the canonical party", hint=hint)


def ruled_field_path(path: str) -> str:
    """Like :func:`resolve_field_path`, for a field a survivorship rule may be set on."""
    resolved = resolve_field_path(path)
    kind = FIELDS[resolved].kind
    if kind not in RULED_KINDS:
        reasons = {
            FieldKind.CONSENTS: "consents follow the consent policy (latest decision per channel "
            "and purpose, a withdrawal is lifted only by a newer explicit consent)",
            FieldKind.HISTORY: f"{resolved} are united from every source, newest first",
            FieldKind.SOURCE_ONLY: f"{resolved} describes one source record and is not kept",
        }
        raise UnknownField(
            f"field {path!r} takes no survivorship rule: {reasons[kind]}",
            hint=f"remove the entry for {path!r}",
        )
    return resolved
