from shared.cli import main
from services.routing.app import build_runtime

main(build_runtime)
