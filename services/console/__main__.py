from shared.cli import main
from services.console.app import build_runtime

main(build_runtime)
