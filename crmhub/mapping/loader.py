"""Loading a mapping file: YAML with line numbers, the spec's own validation, then compilation
against the canonical model (and the stream's fields when the connector can tell them).

Every problem comes back as a ``ConfigProblem`` naming the file, the line and the key, all of
them at once, exactly as ``crmhub.yaml`` problems do.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import BaseModel, ValidationError

from crmhub.config.diagnostics import validation_problems
from crmhub.config.source import load_yaml_file
from crmhub.errors import ConfigInvalid, ConfigProblem
from crmhub.ingest.hashing import text_fingerprint
from crmhub.mapping.compiler import CompiledMapping, MappingSpecError, compile_mapping
from crmhub.mapping.spec import MappingSpec


def canonical_model() -> type[BaseModel]:
    from canonical import Party

    return Party


def model_fingerprint() -> str:
    """Changes whenever the canonical model's shape changes, so records get mapped again."""
    import json

    return text_fingerprint(json.dumps(canonical_model().model_json_schema(), sort_keys=True))


def load_mapping(
    path: Path,
    *,
    display: str | None = None,
    stream_fields: Iterable[str] | None = None,
    model: type[BaseModel] | None = None,
) -> CompiledMapping:
    """Load, validate and compile the mapping file at ``path``; ``ConfigInvalid`` lists problems."""
    name = display or str(path)
    document = load_yaml_file(path, name)
    if not isinstance(document.data, dict):
        raise ConfigInvalid([ConfigProblem(name, 1, "", "a mapping file is a YAML mapping with kind: and fields:")])
    try:
        spec = MappingSpec.model_validate(document.data)
    except ValidationError as exc:
        raise ConfigInvalid(validation_problems(exc, MappingSpec, document.source)) from None
    text = path.read_text(encoding="utf-8")
    fingerprint = text_fingerprint(text + "\x00" + model_fingerprint())
    try:
        return compile_mapping(spec, model or canonical_model(), stream_fields, fingerprint)
    except MappingSpecError as exc:
        raise ConfigInvalid(
            [document.source.problem(p.where, p.message) for p in exc.problems]
        ) from None
