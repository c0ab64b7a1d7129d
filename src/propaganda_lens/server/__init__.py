"""The web app and REST API (`propaganda-lens serve`): FastAPI under uvicorn."""
