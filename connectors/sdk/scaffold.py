"""Scaffold a connector plugin package: ``crmhub-connector-<name>``.

The package works out of the box: a typed config, a connector with one example stream kept in a
JSON file, the ``crmhub.connectors`` entry point, and tests inheriting the plugin test kit that
pass as generated. ``python -m connectors.sdk.scaffold acme_erp ./plugins`` from a shell.
"""

from __future__ import annotations

import argparse
import keyword
import re
import string
from dataclasses import dataclass
from pathlib import Path

from connectors.sdk.errors import ConnectorError
from connectors.sdk.registry import available

TEMPLATE_ROOT = Path(__file__).with_name("scaffold_template")
MAX_NAME_LENGTH = 40
_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")

# Template file (under TEMPLATE_ROOT) -> file in the generated project; ``$package`` is expanded.
TEMPLATE_FILES: dict[str, str] = {
    "pyproject.toml.tmpl": "pyproject.toml",
    "README.md.tmpl": "README.md",
    "package/__init__.py.tmpl": "$package/__init__.py",
    "package/connector.py.tmpl": "$package/connector.py",
    "tests/test_connector.py.tmpl": "tests/test_connector.py",
}


class ScaffoldError(ConnectorError):
    """The plugin cannot be scaffolded as asked (a bad name, an occupied folder)."""


@dataclass(frozen=True, slots=True)
class PluginNames:
    """Every spelling of a plugin's name the templates need."""

    name: str  # the connector kind: acme_erp
    dist_name: str  # the distribution: crmhub-connector-acme-erp
    package: str  # the import package: crmhub_connector_acme_erp
    class_prefix: str  # AcmeErp (AcmeErpConnector, AcmeErpConfig)
    title: str  # Acme Erp
    upper_name: str  # ACME_ERP

    def as_template_values(self) -> dict[str, str]:
        """The values ``string.Template`` substitutes."""
        return {field: getattr(self, field) for field in self.__dataclass_fields__}


def plugin_names(name: str) -> PluginNames:
    """Validate ``name`` (the connector kind) and derive the other spellings from it."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ScaffoldError(
            f"connector name {name!r} is not a lower-case identifier",
            hint="letters, digits and single underscores, starting with a letter: acme_erp",
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ScaffoldError(f"connector name {name!r} is longer than {MAX_NAME_LENGTH} characters")
    if keyword.iskeyword(name):
        raise ScaffoldError(
            f"connector name {name!r} is a Python keyword", hint="pick another name"
        )
    words = name.split("_")
    return PluginNames(
        name=name,
        dist_name="crmhub-connector-" + "-".join(words),
        package="crmhub_connector_" + name,
        class_prefix="".join(w.capitalize() for w in words),
        title=" ".join(w.capitalize() for w in words),
        upper_name=name.upper(),
    )


def scaffold_plugin(name: str, dest: Path) -> Path:
    """Write the plugin project for connector ``name`` into ``dest``; the project's folder.

    Refuses a name already registered by an installed connector and a non-empty target folder.
    """
    names = plugin_names(name)
    if name in available():
        raise ScaffoldError(
            f"a connector of type {name!r} is already installed",
            hint="pick another name: two connectors cannot share a type",
        )
    project = Path(dest) / names.dist_name
    if project.exists() and any(project.iterdir()):
        raise ScaffoldError(
            f"{project} exists and is not empty", hint="remove it or choose another dest"
        )
    values = names.as_template_values()
    for template_name, target in TEMPLATE_FILES.items():
        template = string.Template((TEMPLATE_ROOT / template_name).read_text(encoding="utf-8"))
        path = project / string.Template(target).substitute(values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.substitute(values), encoding="utf-8")
    return project


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m connectors.sdk.scaffold NAME [DEST]``."""
    parser = argparse.ArgumentParser(description="Scaffold a crmhub connector plugin package.")
    parser.add_argument("name", help="the connector type, a lower-case identifier (acme_erp)")
    parser.add_argument(
        "dest", nargs="?", default=".", type=Path, help="where to create the project"
    )
    args = parser.parse_args(argv)
    try:
        project = scaffold_plugin(args.name, args.dest)
    except ScaffoldError as exc:
        parser.exit(2, f"error: {exc}\n")
    print(f"created {project}: cd there, `pip install -e '.[dev]'`, then `pytest`")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
