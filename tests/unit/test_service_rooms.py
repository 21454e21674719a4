"""Every service keeps the rooms of issue #20 (docs/architecture.md, "The shape of a service"): nothing loose at
the top level beyond the composition root, settings, handlers, commands and the few named helpers; a pure domain;
domain, commands and store that never reach into the HTTP layer; route modules that never import each other; a
composition root without SQL or a write path. Read from the source's import statements, nothing is imported."""

import ast
from pathlib import Path

import pytest

from shared.settings import REPO_ROOT

SERVICES = sorted(path.parent.name for path in (REPO_ROOT / "services").glob("*/__init__.py"))
TOP_LEVEL = {"__init__.py", "__main__.py", "app.py", "config.py", "handlers.py", "commands.py", "cli.py",
             "workers.py", "metrics.py"}
ROOMS = {"api", "domain", "store", "migrations", "workers"}
# Beyond the rooms, by name: data files a service ships, the console's web app, intake's Open311 formats.
OWN_FOLDERS = {"identity": {"data"}, "notify": {"data"}, "console": {"web"}, "intake": {"open311"}}


def imports(path: Path) -> set[str]:
    """Every module `path` imports, as written (`from a.b import c` counts as a.b and a.b.c)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def route_modules(service: str) -> set[str]:
    """The api/ modules that declare routes (an APIRouter); the others are the routes' helpers."""
    folder = REPO_ROOT / "services" / service / "api"
    return {str(path.relative_to(folder).with_suffix("")) for path in folder.rglob("*.py")
            if "APIRouter(" in path.read_text(encoding="utf-8") and path.stem != "__init__"}


def modules(service: str, room: str) -> dict[str, set[str]]:
    folder = REPO_ROOT / "services" / service / room
    return {str(path.relative_to(folder).with_suffix("")): imports(path) for path in sorted(folder.rglob("*.py"))}


def reaching(found: set[str], *prefixes: str) -> set[str]:
    return {name for name in found if any(name == p or name.startswith(p + ".") for p in prefixes)}


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_rooms_sit_at_the_top_level_of_a_service(service: str) -> None:
    root = REPO_ROOT / "services" / service
    files = {path.name for path in root.glob("*.py")}
    folders = {path.name for path in root.iterdir()
               if path.is_dir() and path.name != "__pycache__" and not path.name.startswith(".")}
    assert files <= TOP_LEVEL, f"loose modules: {sorted(files - TOP_LEVEL)}"
    assert folders <= ROOMS | OWN_FOLDERS.get(service, set()), f"folders beyond the rooms: {sorted(folders - ROOMS)}"
    assert {"app.py", "config.py"} <= files and "api" in folders


@pytest.mark.parametrize("service", SERVICES)
def test_the_domain_imports_neither_http_nor_the_database_nor_the_store(service: str) -> None:
    """The store's table classes may be read as data (identity's login rules and authlib's models take its rows);
    its queries, sessions and write machinery may not."""
    own = f"services.{service}"
    for name, found in modules(service, "domain").items():
        found = {module for module in found if not reaching({module}, f"{own}.store.tables")}
        assert not reaching(found, "fastapi", "starlette", "sqlalchemy", "sqlmodel", f"{own}.api", f"{own}.store",
                            f"{own}.handlers", f"{own}.app"), f"{service}/domain/{name}"


@pytest.mark.parametrize("service", SERVICES)
def test_commands_and_the_store_never_import_the_http_layer(service: str) -> None:
    root = REPO_ROOT / "services" / service
    found = modules(service, "store")
    if (root / "commands.py").exists():
        found["commands"] = imports(root / "commands.py")
    for name, imported in found.items():
        assert not reaching(imported, "fastapi", "starlette", f"services.{service}.api"), f"{service}: {name}"


@pytest.mark.parametrize("service", SERVICES)
def test_route_modules_never_import_each_other(service: str) -> None:
    routes = route_modules(service)
    assert routes, f"{service} has no route module"
    for name, found in modules(service, "api").items():
        if name == "__init__":
            continue
        others = {f"services.{service}.api.{other}" for other in routes - {name}}
        assert not (found & others), f"{service}/api/{name}.py imports {sorted(found & others)}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_composition_root_holds_no_sql_and_no_write_path(service: str) -> None:
    found = imports(REPO_ROOT / "services" / service / "app.py")
    assert not reaching(found, "sqlalchemy", "sqlmodel", "shared.outbox", "shared.bulk_insert"), found
