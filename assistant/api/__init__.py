"""The web service: FastAPI app, routers for the JSON API and the HTML pages."""
