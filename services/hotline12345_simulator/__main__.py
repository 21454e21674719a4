import uvicorn

from services.hotline12345_simulator.app import create_app
from services.hotline12345_simulator.config import get_settings

settings = get_settings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
