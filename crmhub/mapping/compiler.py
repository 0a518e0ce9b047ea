"""Turns a ``MappingSpec`` into plain functions, checked once, run millions of times.

Everything that can be wrong in a mapping (an unknown canonical field, a transform typo, a lookup
that does not exist, a source field the stream does not have) is found here, at load time, and
reported with the mapping key it sits under.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from crmhub.mapping.paths import PathError, field_type, parse_path, read_path
from crmhub.mapping.spec import Condition, ItemRule, MappingSpec, ValueRule
from crmhub.mapping.transforms import TransformError, TransformOptionsError, build_transform

Getter = Callable[[dict[str, Any]], Any]
RuleFn = Callable[[dict[str, Any]], Any]

SKIP = object()  # a rule whose ``when`` does not hold sets nothing


class RecordMappingError(ValueError):
    """A source record the mapping cannot turn into a canonical record; ``problems`` says why."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class SpecProblem:
    """A mistake in a mapping file: ``where`` is the key path inside the file."""

    where: KeyPath
    message: str


class MappingSpecError(ValueError):
    def __init__(self, problems: list[SpecProblem]) -> None:
        super().__init__("; ".join(f"{_label(p.where)}: {p.message}" for p in problems))
        self.problems = problems


def _label(where: KeyPath) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _is_empty(value: Any) -> bool:
    return value is None or (value.__class__ is str and (not value or value.isspace()))


def source_getter(fields: list[str], join: str | None) -> Getter:
    """Read one source field, join several, or take the first non-empty of several."""
    if len(fields) == 1:
        (name,) = fields

        def one(raw: dict[str, Any]) -> Any:
            value = raw.get(name)
            return None if _is_empty(value) else value

        return one
    if join is not None:

        def joined(raw: dict[str, Any]) -> Any:
            parts = [str(raw[f]).strip() for f in fields if not _is_empty(raw.get(f))]
            return join.join(parts) or None

        return joined

    def first(raw: dict[str, Any]) -> Any:
        for f in fields:
            if not _is_empty(raw.get(f)):
                return raw[f]
        return None

    return first


def path_getter(paths: list[str], join: str | None) -> Getter:
    """Like ``source_getter`` but reading canonical paths (the reverse direction)."""
    parsed = [parse_path(p) for p in paths]
    getters = [(lambda rec, segs=segs: read_path(rec, segs)) for segs in parsed]
    if len(getters) == 1:
        return getters[0]

    def combined(record: dict[str, Any]) -> Any:
        values = [g(record) for g in getters]
        present = [v for v in values if not _is_empty(v)]
        if join is not None:
            return join.join(str(v) for v in present) or None
        return present[0] if present else None

    return combined


def _condition(cond: Condition) -> Callable[[dict[str, Any]], bool]:
    name = cond.field
    if cond.empty is not None:
        return lambda raw: _is_empty(raw.get(name)) == cond.empty
    if cond.not_empty is not None:
        return lambda raw: (not _is_empty(raw.get(name))) == cond.not_empty
    if cond.in_ is not None:
        allowed = {_lookup_key(v) for v in cond.in_}
        return _folded_test(name, lambda key: key in allowed)
    wanted = _lookup_key(cond.equals)
    return _folded_test(name, lambda key: key == wanted)


def _lookup_key(value: Any) -> str:
    return "" if value is None else str(value).strip().casefold()


_REMEMBERED_ANSWERS = 1024  # per condition: a field tested by ``when`` has few distinct values


def _folded_test(name: str, test: Callable[[str], bool]) -> Callable[[dict[str, Any]], bool]:
    """``test(_lookup_key(raw[name]))``, remembering the answer for each text seen.

    A mapping often gates many rules on one field ("TIPO" equals "azienda"), so every record
    asks the same few questions several times; the answer depends only on the text.
    """
    answers: dict[str, bool] = {}

    def holds(raw: dict[str, Any]) -> bool:
        value = raw.get(name)
        if value.__class__ is str:
            answer = answers.get(value)
            if answer is None:
                answer = test(_lookup_key(value))
                if len(answers) < _REMEMBERED_ANSWERS:
                    answers[value] = answer
            return answer
        return test(_lookup_key(value))

    return holds


def _lookup(table: dict[str, Any], default: Any, strict: bool) -> Callable[[Any], Any]:
    folded = {_lookup_key(k): v for k, v in table.items()}

    def look(value: Any) -> Any:
        if value is None:
            return None
        key = _lookup_key(value)
        if key in folded:
            return folded[key]
        if strict:
            raise TransformError(f"{value!r} is not in the lookup table (known: {', '.join(table)})")
        return default if default is not None else value

    return look


def compile_rule(
    rule: ValueRule, label: str, lookups: dict[str, dict[str, Any]], make_getter: Callable[..., Getter]
) -> RuleFn:
    """One rule as one function of the record. Raises ``TransformOptionsError``/``KeyError`` early."""
    getter: Getter
    if rule.const is not None:
        const = rule.const
        getter = lambda raw: const
    elif rule.from_ is not None:
        getter = make_getter(rule.source_fields(), rule.join)
    else:
        getter = lambda raw: None
    steps = [build_transform(step) for step in rule.transform]
    if rule.lookup is not None:
        table = lookups[rule.lookup] if isinstance(rule.lookup, str) else rule.lookup
        steps.append(("lookup", _lookup(table, rule.lookup_default, rule.strict_lookup)))
    gate = _condition(rule.when) if rule.when else None
    default, required = rule.default, rule.required
    if gate is None and not steps and default is None and not required:
        return getter  # the common case, `field: COLUMN`, costs one dict lookup per record

    def apply(raw: dict[str, Any]) -> Any:
        if gate is not None and not gate(raw):
            return SKIP
        value = getter(raw)
        for name, fn in steps:
            if value is None:
                break
            try:
                value = fn(value)
            except TransformError as exc:
                raise TransformError(f"{label}: {exc}") from None
        if _is_empty(value):
            value = default
        if value is None and required:
            raise TransformError(f"{label}: is required but empty")
        return value

    return apply


@dataclass(slots=True)
class _ItemPart:
    path: tuple[str, ...]
    fn: RuleFn
    from_source: bool  # False for constants such as ``purpose: work``


@dataclass(slots=True)
class _ListRule:
    name: str
    gate: Callable[[dict[str, Any]], bool] | None
    parts: list[_ItemPart]


@dataclass(slots=True)
class CompiledMapping:
    """A mapping ready to run: ``apply(raw)`` gives the canonical record as a dict."""

    spec: MappingSpec
    kind: RuleFn
    scalars: list[tuple[tuple[str, ...], RuleFn]]
    lists: list[_ListRule]
    updated_at: RuleFn | None
    reverse: list[tuple[str, RuleFn]] = field(default_factory=list)
    fingerprint: str = ""

    def apply(self, raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        """(canonical record as a dict, source_updated_at ISO string or None).

        Raises ``RecordMappingError`` listing every field that failed, not only the first.
        """
        try:
            return self._apply_fast(raw)
        except TransformError:
            return self._apply_collecting(raw)  # raises with every problem of the record

    def _apply_fast(self, raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        # The path every good record takes: no problem bookkeeping, no per-rule try.
        out: dict[str, Any] = {"kind": self.kind(raw)}
        for path, fn in self.scalars:
            value = fn(raw)
            if value is not None and value is not SKIP:
                _set(out, path, value)
        for rule in self.lists:
            if rule.gate is not None and not rule.gate(raw):
                continue
            item: dict[str, Any] = {}
            has_source_value = False
            for part in rule.parts:
                value = part.fn(raw)
                if value is not None and value is not SKIP:
                    _set(item, part.path, value)
                    has_source_value = has_source_value or part.from_source
            if has_source_value:
                out.setdefault(rule.name, []).append(item)
        updated = self.updated_at(raw) if self.updated_at else None
        return out, (None if updated is SKIP else updated)

    def _apply_collecting(self, raw: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        problems: list[str] = []
        out: dict[str, Any] = {}
        kind = _run(self.kind, raw, problems)
        out["kind"] = kind
        for path, fn in self.scalars:
            value = _run(fn, raw, problems)
            if value is not None and value is not SKIP:
                _set(out, path, value)
        for rule in self.lists:
            items = _build_items(rule, raw, problems)
            if items:
                out.setdefault(rule.name, []).extend(items)
        updated = _run(self.updated_at, raw, problems) if self.updated_at else None
        if problems:
            raise RecordMappingError(problems)
        return out, (None if updated is SKIP else updated)

    def export(self, golden: dict[str, Any]) -> dict[str, Any]:
        """The reverse direction: a writable system's fields from a canonical record."""
        problems: list[str] = []
        out = {}
        for target, fn in self.reverse:
            value = _run(fn, golden, problems)
            if value is not SKIP:
                out[target] = value
        if problems:
            raise RecordMappingError(problems)
        return out


def _run(fn: RuleFn, raw: dict[str, Any], problems: list[str]) -> Any:
    try:
        return fn(raw)
    except TransformError as exc:
        problems.append(str(exc))
        return None


def _set(out: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    if len(path) == 1:
        out[path[0]] = value
        return
    node = out
    for name in path[:-1]:
        node = node.setdefault(name, {})
    node[path[-1]] = value


def _build_items(rule: _ListRule, raw: dict[str, Any], problems: list[str]) -> list[dict[str, Any]]:
    """The list element a rule makes, or none when its source values are all empty."""
    if rule.gate is not None and not rule.gate(raw):
        return []
    item: dict[str, Any] = {}
    has_source_value = False
    for part in rule.parts:
        value = _run(part.fn, raw, problems)
        if value is None or value is SKIP:
            continue
        _set(item, part.path, value)
        has_source_value = has_source_value or part.from_source
    return [item] if has_source_value else []


# -- compiling ---------------------------------------------------------------------------------


def _check_sources(rule: ValueRule, where: KeyPath, known: set[str] | None, problems: list[SpecProblem]) -> None:
    if known is None:
        return
    import difflib

    for name in rule.source_fields():
        if name not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(SpecProblem(where, f"the stream has no field {name!r}{hint}"))
    if rule.when is not None and rule.when.field not in known:
        problems.append(SpecProblem((*where, "when"), f"the stream has no field {rule.when.field!r}"))


def _compile_value(
    rule: ValueRule,
    where: KeyPath,
    spec: MappingSpec,
    known: set[str] | None,
    problems: list[SpecProblem],
) -> RuleFn | None:
    _check_sources(rule, where, known, problems)
    if isinstance(rule.lookup, str) and rule.lookup not in spec.lookups:
        problems.append(SpecProblem((*where, "lookup"), f"no lookup table named {rule.lookup!r} in 'lookups'"))
        return None
    label = _label(where[1:] if where[0] == "fields" else where)
    sources = rule.source_fields()
    if sources:
        label += f" (from {', '.join(sources)})"
    try:
        return compile_rule(rule, label, spec.lookups, source_getter)
    except TransformOptionsError as exc:
        problems.append(SpecProblem((*where, "transform"), str(exc)))
        return None


def _compile_items(
    name: str, items: list[ItemRule], spec: MappingSpec, model: type[BaseModel],
    known: set[str] | None, problems: list[SpecProblem],
) -> list[_ListRule]:
    try:
        item_type, is_list = field_type(model, name)
    except PathError as exc:
        problems.append(SpecProblem(("fields", name), str(exc)))
        return []
    if not is_list:
        problems.append(SpecProblem(("fields", name), "is a single value: give one rule, not a list"))
        return []
    compiled = []
    for index, item in enumerate(items):
        where: KeyPath = ("fields", name, index)
        parts = []
        for sub, raw_rule in (item.model_extra or {}).items():
            try:
                rule = ValueRule.model_validate(raw_rule)
                field_type(item_type, sub)
            except (PathError, ValueError) as exc:
                problems.append(SpecProblem((*where, sub), _first_line(exc)))
                continue
            fn = _compile_value(rule, (*where, sub), spec, known, problems)
            if fn is not None:
                parts.append(_ItemPart(tuple(s.name for s in parse_path(sub)), fn, rule.from_ is not None))
        if item.when is not None and known is not None and item.when.field not in known:
            problems.append(SpecProblem((*where, "when"), f"the stream has no field {item.when.field!r}"))
        compiled.append(_ListRule(name, _condition(item.when) if item.when else None, parts))
    return compiled


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def compile_mapping(
    spec: MappingSpec,
    model: type[BaseModel],
    stream_fields: Iterable[str] | None = None,
    fingerprint: str = "",
) -> CompiledMapping:
    """Check ``spec`` against the canonical ``model`` (and the stream's fields when known) and
    compile it; ``MappingSpecError`` lists every problem found, with where it is."""
    known = set(stream_fields) if stream_fields is not None else None
    problems: list[SpecProblem] = []
    kind = _compile_value(spec.kind, ("kind",), spec, known, problems)
    scalars: list[tuple[tuple[str, ...], RuleFn]] = []
    lists: list[_ListRule] = []
    for target, rule in spec.fields.items():
        if isinstance(rule, list):
            lists.extend(_compile_items(target, rule, spec, model, known, problems))
            continue
        try:
            _, is_list = field_type(model, target)
        except PathError as exc:
            problems.append(SpecProblem(("fields", target), str(exc)))
            continue
        if is_list:
            problems.append(SpecProblem(("fields", target), "is a list: give a list of elements (- value: ...)"))
            continue
        fn = _compile_value(rule, ("fields", target), spec, known, problems)
        if fn is not None:
            scalars.append((tuple(s.name for s in parse_path(target)), fn))
    updated = (
        _compile_value(spec.source_updated_at, ("source_updated_at",), spec, known, problems)
        if spec.source_updated_at
        else None
    )
    reverse = _compile_reverse(spec, model, problems)
    for index, path in enumerate(spec.reject_invalid):
        try:
            field_type(model, path)
        except PathError as exc:
            problems.append(SpecProblem(("reject_invalid", index), str(exc)))
    if problems:
        raise MappingSpecError(problems)
    assert kind is not None
    return CompiledMapping(spec, kind, scalars, lists, updated, reverse, fingerprint)


def _compile_reverse(
    spec: MappingSpec, model: type[BaseModel], problems: list[SpecProblem]
) -> list[tuple[str, RuleFn]]:
    compiled = []
    for target, raw_rule in spec.reverse.items():
        rule = ValueRule.model_validate(raw_rule)
        where: KeyPath = ("reverse", target)
        for path in rule.source_fields():
            try:
                field_type(model, ".".join(s.name for s in parse_path(path)))
            except PathError as exc:
                problems.append(SpecProblem(where, str(exc)))
        try:
            compiled.append((target, compile_rule(rule, f"reverse {target}", spec.lookups, path_getter)))
        except (TransformOptionsError, KeyError) as exc:
            problems.append(SpecProblem(where, _first_line(exc)))
    return compiled
