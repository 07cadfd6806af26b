"""The baseline for bench/check.py: a bare Starlette endpoint returning a constant JSON answer."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


async def constant(request: Request) -> Response:
    return Response(b'{"allowed":true}', media_type="application/json")


app = Starlette(routes=[Route("/v1/check", constant, methods=["GET", "POST"])])
