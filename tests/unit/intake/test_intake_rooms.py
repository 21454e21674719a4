"""Intake keeps the rooms of issue #20 (docs/intake.md, "Where things are"): the domain is pure, the domain,
the commands and the store never reach into the HTTP layer, route modules never import each other, and nothing
else sits loose at the top level. Read from the source's import statements, nothing is imported."""

import ast
from pathlib import Path

import services.intake

ROOT = Path(services.intake.__file__).parent
TOP_LEVEL = {"__init__.py", "__main__.py", "app.py", "config.py", "handlers.py", "commands.py", "cli.py",
             "workers.py", "metrics.py"}
ROOMS = {"api", "domain", "store", "migrations", "open311"}
API_HELPERS = {"__init__", "deps", "errors", "models"}


def imports(path: Path) -> set[str]:
    """Every module `path` imports, as written (`from a.b import c` counts as a.b and a.b.c)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def modules(room: str) -> dict[str, set[str]]:
    return {path.stem: imports(path) for path in sorted((ROOT / room).glob("*.py"))}


def reaching(found: set[str], *prefixes: str) -> set[str]:
    return {name for name in found if any(name == p or name.startswith(p + ".") for p in prefixes)}


def test_only_the_rooms_sit_at_the_top_level_of_intake() -> None:
    files = {path.name for path in ROOT.glob("*.py")}
    folders = {path.name for path in ROOT.iterdir()
               if path.is_dir() and path.name != "__pycache__" and not path.name.startswith(".")}
    assert files <= TOP_LEVEL, f"loose modules: {sorted(files - TOP_LEVEL)}"
    assert folders <= ROOMS, f"folders beyond the rooms: {sorted(folders - ROOMS)}"


def test_the_domain_imports_neither_http_nor_the_database_nor_the_store() -> None:
    for name, found in modules("domain").items():
        assert not reaching(found, "fastapi", "starlette", "sqlalchemy", "sqlmodel", "services.intake.api",
                            "services.intake.store", "services.intake.handlers", "services.intake.app"), name


def test_commands_and_the_store_never_import_the_http_layer() -> None:
    for name, found in {"commands": imports(ROOT / "commands.py"), **modules("store")}.items():
        assert not reaching(found, "fastapi", "starlette", "services.intake.api"), name


def test_route_modules_never_import_each_other() -> None:
    routes = {name for name in modules("api") if name not in API_HELPERS}
    assert {"cases", "open311", "personal_data"} <= routes
    for name, found in modules("api").items():
        if name == "__init__":
            continue
        others = {f"services.intake.api.{other}" for other in routes - {name}}
        assert not (found & others), f"api/{name}.py imports {sorted(found & others)}"


def test_the_composition_root_holds_no_sql_and_no_write_path() -> None:
    found = imports(ROOT / "app.py")
    assert not reaching(found, "sqlalchemy", "sqlmodel", "shared.outbox", "shared.bulk_insert"), found
