"""The service's own endpoints: liveness, Prometheus metrics, and the editor page."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse

from review import __version__
from service.metrics import CONTENT_TYPE
from service.routes.deps import ServiceDep

STATIC_DIR = Path(__file__).parent.parent / "static"

router = APIRouter(tags=["service"])


@router.get("/healthz")
async def healthz(service: ServiceDep) -> dict:
    """Liveness: the engine version and the checks loaded."""
    return {"status": "ok", "engine": __version__, "checks": list(service.reviewer.default_checks)}


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics_page(service: ServiceDep) -> PlainTextResponse:
    """Prometheus text format: request counts, latency histogram, posts by verdict, findings by category."""
    return PlainTextResponse(service.metrics.render(), media_type=CONTENT_TYPE)


@router.get("/", include_in_schema=False)
async def editor_page() -> FileResponse:
    """The editor page (service/static/index.html)."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8")
