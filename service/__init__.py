"""Zhiqiao platform: FastAPI app, pages, CLI, persistence and workflows."""
