"""The runtime library and the services never import the dev tooling (shared/dev/): what runs in production
does not depend on the dev broker, the dev stack or the 12345 simulator, and the service image leaves them out."""

from pathlib import Path

from shared.settings import REPO_ROOT
from tests.unit.test_import_rules import imported_modules, module_name

DEV_PACKAGE = "shared.dev"


def runtime_modules() -> list[Path]:
    dev = REPO_ROOT / "shared" / "dev"
    return [path for folder in ("shared", "services") for path in sorted((REPO_ROOT / folder).rglob("*.py"))
            if not path.is_relative_to(dev) and "node_modules" not in path.parts]


def imports_dev_tooling(path: Path, module: str) -> list[str]:
    found = {name for _line, name in imported_modules(path.read_text(encoding="utf-8"), module)}
    return sorted(name for name in found if name == DEV_PACKAGE or name.startswith(f"{DEV_PACKAGE}."))


def test_runtime_library_and_services_do_not_import_the_dev_tooling() -> None:
    offenders = {str(path.relative_to(REPO_ROOT)): found for path in runtime_modules()
                 if (found := imports_dev_tooling(path, module_name(path)))}
    assert offenders == {}


def test_an_import_of_the_dev_tooling_is_found(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("from shared import dev\nfrom shared.dev.broker import free_port\nimport shared.settings\n")
    assert imports_dev_tooling(module, "shared.module") == [
        "shared.dev", "shared.dev.broker", "shared.dev.broker.free_port"]


def test_the_service_image_leaves_the_dev_tooling_out() -> None:
    ignored = (REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert "shared/dev" in ignored
