"""Reading YAML while remembering where every key and value was written.

PyYAML's composer gives each node a start mark (line, column). We build the plain Python value
from the node tree ourselves and record, for every key path (``("connections", "erp", "type")``),
the line of the key and of its value, so that a validation error found later can name the line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crmhub.errors import ConfigInvalid, ConfigProblem

KeyPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Position:
    """A 1-based line and column in a source file."""

    line: int
    column: int


@dataclass(slots=True)
class SourceMap:
    """Where each key path of a YAML document was written."""

    file: str
    keys: dict[KeyPath, Position] = field(default_factory=dict)
    values: dict[KeyPath, Position] = field(default_factory=dict)

    def position(self, path: KeyPath, *, at_key: bool = False) -> Position | None:
        """The position of ``path`` (its key when ``at_key``), else of its nearest written parent.

        A missing key has no position of its own: the parent's key line is the place to add it.
        """
        if at_key and path in self.keys:
            return self.keys[path]
        if path in self.values:
            return self.values[path]
        for end in range(len(path) - 1, -1, -1):
            parent = path[:end]
            found = self.keys.get(parent) or self.values.get(parent)
            if found is not None:
                return found
        return None

    def line(self, path: KeyPath, *, at_key: bool = False) -> int | None:
        """The 1-based line of ``path`` (see ``position``)."""
        found = self.position(path, at_key=at_key)
        return found.line if found else None

    def problem(
        self, path: KeyPath, message: str, *, hint: str | None = None, at_key: bool = False
    ) -> ConfigProblem:
        """A ``ConfigProblem`` located at ``path`` in this file."""
        return ConfigProblem(
            file=self.file,
            line=self.line(path, at_key=at_key),
            path=dotted(path),
            message=message,
            hint=hint,
        )


def dotted(path: KeyPath) -> str:
    """``connections.erp.streams[0]`` for ``("connections", "erp", "streams", 0)``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


@dataclass(slots=True)
class YamlDocument:
    """A parsed YAML document and the map of where its parts were written."""

    data: Any
    source: SourceMap


class _Builder:
    """Turns a composed node tree into Python values, filling a ``SourceMap`` on the way."""

    def __init__(self, loader: yaml.SafeLoader, source: SourceMap) -> None:
        self.loader = loader
        self.source = source
        self.problems: list[ConfigProblem] = []

    def build(self, node: yaml.Node, path: KeyPath) -> Any:
        self.source.values.setdefault(path, _position(node.start_mark))
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, path: KeyPath) -> dict[Any, Any]:
        own_keys = {id(key) for key, _ in node.value if key.tag != "tag:yaml.org,2002:merge"}
        self.loader.flatten_mapping(node)  # applies YAML merge keys (<<: *anchor)
        result: dict[Any, Any] = {}
        merged: set[Any] = (
            set()
        )  # keys that came from a merge; the mapping's own keys override them
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node, deep=True)
            key_position = _position(key_node.start_mark)
            if not isinstance(key, str | int | float | bool) and key is not None:
                self.problems.append(
                    ConfigProblem(
                        self.source.file,
                        key_position.line,
                        dotted(path),
                        "a key must be a plain word, not a list or a mapping",
                        hint="write the key as text, e.g. `name:`",
                    )
                )
                continue
            child = (*path, key) if isinstance(key, str) else (*path, str(key))
            from_merge = id(key_node) not in own_keys
            if key in result and (from_merge or key not in merged):
                if not from_merge:
                    first = self.source.keys[child].line
                    self.problems.append(
                        ConfigProblem(
                            self.source.file,
                            key_position.line,
                            dotted(child),
                            f"duplicate key (first written on line {first})",
                            hint="keep one of the two; YAML would silently use the last",
                        )
                    )
                continue
            merged.discard(key)
            if from_merge:
                merged.add(key)
            self.source.keys[child] = key_position
            self.source.values.pop(child, None)
            result[key] = self.build(value_node, child)
        return result


def _position(mark: yaml.Mark) -> Position:
    return Position(mark.line + 1, mark.column + 1)


def parse_yaml(text: str, file: str) -> YamlDocument:
    """Parse one YAML document; syntax errors and duplicate keys raise ``ConfigInvalid``.

    ``file`` is the name errors show (usually the path relative to the project).
    """
    source = SourceMap(file)
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, source)
        builder = _Builder(loader, source)
        data = builder.build(node, ())
    except yaml.MarkedYAMLError as exc:
        raise ConfigInvalid([_syntax_problem(exc, file)]) from None
    except yaml.YAMLError as exc:
        raise ConfigInvalid([ConfigProblem(file, None, "", f"not valid YAML: {exc}")]) from None
    finally:
        loader.dispose()
    if builder.problems:
        raise ConfigInvalid(builder.problems)
    return YamlDocument(data, source)


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> ConfigProblem:
    mark = exc.problem_mark or exc.context_mark
    what = " ".join(part for part in (exc.context, exc.problem) if part)
    hint = "check the indentation and quoting on that line and the one before it"
    if exc.problem and "found character '\\t'" in exc.problem:
        hint = "YAML does not allow tabs for indentation; use spaces"
    return ConfigProblem(
        file=file,
        line=mark.line + 1 if mark else None,
        column=mark.column + 1 if mark else None,
        path="",
        message=f"YAML syntax error: {what or exc}",
        hint=hint,
    )


def load_yaml_file(path: Path, display: str | None = None) -> YamlDocument:
    """Read and parse ``path``; unreadable files raise ``ConfigInvalid`` naming the file."""
    name = display or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigInvalid([ConfigProblem(name, None, "", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigInvalid(
            [
                ConfigProblem(
                    name,
                    None,
                    "",
                    f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                    hint="save the file as UTF-8",
                )
            ]
        ) from None
    except OSError as exc:
        raise ConfigInvalid(
            [ConfigProblem(name, None, "", f"cannot read: {exc.strerror}")]
        ) from None
    return parse_yaml(text, name)
