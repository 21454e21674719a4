from shared.cli import main
from services.audit.app import build_runtime

main(build_runtime)
