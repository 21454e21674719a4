import uvicorn

from shared.dev.hotline12345.app import create_app
from shared.dev.hotline12345.config import get_settings

settings = get_settings()
uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level="warning")
