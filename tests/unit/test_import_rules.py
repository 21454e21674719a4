"""The import rules of docs/architecture.md, read from the code with `ast`: a service imports no other service,
and shared/ imports no service, neither with an import statement nor through an importer given its name.

A service is a package services/<name>/; services/asyncapi.py, which builds every service's runtime for the
AsyncAPI document, is none and no service may import it either: a service imports `services.<its name>` only.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT

SERVICES_DIR = REPO_ROOT / "services"
SERVICES = sorted(path.parent.name for path in SERVICES_DIR.glob("*/__init__.py"))
# Calls that import the module a string names. A string naming a module elsewhere (a `python -m services.x`
# command line, a docstring) starts a process or tells a reader: no import in this process.
IMPORTERS = {"import_module", "__import__", "find_spec", "resolve_name", "import_string"}


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(source: str, module: str, *, is_package: bool = False) -> Iterator[tuple[int, str]]:
    """(line, module) for every module `source` imports, relative imports resolved, and every module
    named by a string (or an f-string's leading text) given to an importer."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and _callee(node.func) in IMPORTERS and node.args:
            named = _leading_text(node.args[0])
            if named is not None:
                yield node.lineno, named


def _callee(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _leading_text(argument: ast.expr) -> str | None:
    """A string constant, or an f-string's text before its first placeholder ("services." of
    f"services.{name}.app"): enough to tell which package it names."""
    if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
        return argument.value
    if isinstance(argument, ast.JoinedStr) and argument.values:
        first = argument.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def names_a_service(imported: str) -> str | None:
    """The service package `imported` lies in ("" for the services package itself or an f-string's
    "services." whose service is a placeholder), None outside services."""
    parts = imported.split(".")
    if parts[0] != "services":
        return None
    return parts[1] if len(parts) > 1 else ""


def violations(root: Path, allowed: str | None) -> list[str]:
    """Every import under `root` of a service other than `allowed` (None: of any service)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        module = module_name(path)
        for line, imported in imported_modules(path.read_text(encoding="utf-8"), module,
                                               is_package=path.name == "__init__.py"):
            service = names_a_service(imported)
            if service is not None and service != allowed and not (allowed and imported == "services"):
                found.append(f"{path.relative_to(REPO_ROOT)}:{line} imports {imported}")
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another_service(service: str) -> None:
    assert violations(SERVICES_DIR / service, allowed=service) == []


def test_shared_imports_no_service_statically_or_dynamically() -> None:
    assert violations(REPO_ROOT / "shared", allowed=None) == []


@pytest.mark.parametrize(("source", "imported"), [
    ("import services.routing.store", "services.routing.store"),
    ("from services.routing import store", "services.routing.store"),
    ("from services import routing", "services.routing"),
    ("from ...routing import store", "services.routing.store"),
    ("from ... import routing", "services.routing"),
    ("from .. import store", "services.intake.store"),
    ("import importlib\nimportlib.import_module('services.routing.app')", "services.routing.app"),
    ("from importlib import import_module\nimport_module(f'services.{name}.app')", "services."),
    ("__import__('services.routing')", "services.routing"),
])
def test_every_way_of_importing_a_module_is_seen(source: str, imported: str) -> None:
    found = [name for _line, name in imported_modules(source, "services.intake.domain.lifecycle")]
    assert imported in found


def test_a_command_line_naming_a_service_is_not_an_import() -> None:
    source = "import subprocess, sys\nsubprocess.Popen([sys.executable, '-m', f'services.{name}'])"
    assert [name for _line, name in imported_modules(source, "shared.dev.stack")] == ["subprocess", "sys"]


def test_a_service_importing_its_own_modules_and_shared_is_within_the_rules() -> None:
    source = "from services.intake import store\nfrom . import config\nfrom shared.db import new_row"
    found = [name for _line, name in imported_modules(source, "services.intake.app")]
    assert {names_a_service(name) for name in found} == {"intake", None}
