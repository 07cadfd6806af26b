"""The HTTP API: FastAPI app, API-key auth with roles, problem+json errors."""
