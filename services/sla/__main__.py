from shared.cli import main
from services.sla.app import build_runtime

main(build_runtime)
