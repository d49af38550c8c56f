"""The HTTP API and the web pages: `create_app(queries)` builds the FastAPI app."""

from busbrain.api.app import create_app

__all__ = ["create_app"]
