"""Server-rendered pages in Chinese (Jinja2), calling the same service functions as the API.

`install_pages(app)` adds the page routes (kept out of the OpenAPI schema), our static files at /static/app
and plotly.js from the installed plotly package at /static/vendor/plotly.min.js.
"""

from __future__ import annotations

from pathlib import Path

import plotly
from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from service.web.pages import audit, auth, campaigns, expert, leader, liaison_planner, official, reports, unit
from service.web.routing import no_such_page

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
PLOTLY_JS = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"

router = APIRouter(include_in_schema=False)
for _module in (auth, unit, expert, official, campaigns, liaison_planner, reports, leader, audit):
    router.include_router(_module.router)


@router.get("/static/vendor/plotly.min.js")
def plotly_js() -> FileResponse:
    """plotly.js as shipped in the installed wheel (no CDN, nothing copied into the repo)."""
    return FileResponse(PLOTLY_JS, media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"})


def install_pages(app: FastAPI) -> None:
    """The pages, our static files and the chart library, on `app`; a mistyped address outside /api answers
    with the 页面不存在 page. (Handlers by status code come before the app's handler of all HTTP refusals.)"""
    app.include_router(router)
    app.mount("/static/app", StaticFiles(directory=STATIC_DIR / "app"), name="app-static")
    for status_code in (404, 405):
        app.add_exception_handler(status_code, no_such_page)
