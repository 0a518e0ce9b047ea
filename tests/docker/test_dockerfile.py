"""docker/Dockerfile agrees with the project: the Airflow it builds on is the one crmhub pins, it
installs crmhub with the README's command, and it copies every package pyproject.toml ships."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from tests.docker.compose import DOCKER_DIR
from tests.docker.markdown import fenced_block

ROOT = DOCKER_DIR.parent
DOCKERFILE = DOCKER_DIR / "Dockerfile"
DOCKERIGNORE = DOCKER_DIR / "Dockerfile.dockerignore"
README = ROOT / "README.md"
CI_PACKAGES = ROOT / ".ci" / "install-system-packages.sh"
README_MARKER = "<!-- docker:install -->"
_FROM = re.compile(r"^apache/airflow:(?P<airflow>[\d.]+)-python(?P<python>\d+\.\d+)$")


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    found, pending = [], ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = " ".join((pending + line).split())
        pending = ""
        keyword, _, arguments = whole.partition(" ")
        found.append((keyword.upper(), arguments))
    return found


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _pip_installs(lines: list[str]) -> list[str]:
    return [" ".join(line.split()) for line in lines if shlex.split(line)[:2] == ["pip", "install"]]


def test_base_image_is_the_airflow_and_python_crmhub_pins() -> None:
    images = [args for keyword, args in instructions() if keyword == "FROM"]
    assert len(images) == 1, images
    tag = _FROM.match(images[0])
    assert tag, f"FROM {images[0]}: expected apache/airflow:<version>-python<X.Y>"
    project = _pyproject()["project"]
    pins = [Requirement(r) for r in project["optional-dependencies"]["airflow"]]
    airflow = next(r for r in pins if r.name == "apache-airflow")
    assert str(airflow.specifier) == f"=={tag['airflow']}", "bump the image and the pin together"
    assert tag["python"] + ".0" in SpecifierSet(project["requires-python"])


def test_install_line_is_the_production_install_the_readme_gives() -> None:
    readme = _pip_installs(fenced_block(README, README_MARKER))
    assert readme, (
        f"README.md needs the production install: a ```bash block after {README_MARKER} "
        "(section 'Deploy with Docker')"
    )
    dockerfile = _pip_installs([args for keyword, args in instructions() if keyword == "RUN"])
    assert dockerfile == readme


def test_the_installed_extra_exists() -> None:
    extras = set(_pyproject()["project"]["optional-dependencies"])
    for line in _pip_installs([args for keyword, args in instructions() if keyword == "RUN"]):
        for target in shlex.split(line)[2:]:
            requested = re.findall(r"\[([^\]]+)\]", target)
            assert all(extra in extras for group in requested for extra in group.split(","))


def _copied() -> set[str]:
    sources = set()
    for keyword, args in instructions():
        if keyword == "COPY":
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            sources |= {w.rstrip("/") for w in words[:-1]}
    return sources


def test_copies_every_package_and_file_the_build_needs() -> None:
    setuptools = _pyproject()["tool"]["setuptools"]["packages"]["find"]
    packages = {pattern.rstrip("*") for pattern in setuptools["include"]}
    needed = packages | {"pyproject.toml", _pyproject()["project"]["readme"]}
    assert needed <= _copied(), f"COPY these too: {needed - _copied()}"
    for source in _copied():
        assert (ROOT / source).exists(), f"COPY {source}: not in the repository"


def test_dockerignore_lets_through_only_what_is_copied() -> None:
    lines = [
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "**", "ignore everything first, so .venv, .git and local .env stay out"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed == _copied()


def test_odbc_drivers_are_the_ones_ci_tests_with() -> None:
    ci = re.search(r"^PACKAGES=\((?P<names>[^)]*)\)", CI_PACKAGES.read_text(), re.MULTILINE)
    assert ci, "PACKAGES=(...) not found in .ci/install-system-packages.sh"
    drivers = {name for name in ci["names"].split() if name.startswith("odbc-")}
    installs = [args for keyword, args in instructions() if keyword == "RUN" and "apt-get" in args]
    in_image = {word for args in installs for word in shlex.split(args) if word.startswith("odbc-")}
    assert drivers and in_image == drivers
