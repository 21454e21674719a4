from services.console.app import build_runtime
from shared.cli import main

main(build_runtime)
