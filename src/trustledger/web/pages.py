"""The pages' router: officer console, subject portal, statistics and the static assets."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.staticfiles import StaticFiles

from trustledger.web import console, language, portal, statistics
from trustledger.web.rendering import HERE

router = APIRouter(include_in_schema=False)
for module in (console, portal, statistics, language):
    router.include_router(module.router)
router.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
