from shared.cli import main
from services.notify.app import build_runtime

main(build_runtime)
