"""LanguageTool's HTTP API (`/v2/check`, `/v2/languages`), for editors with a LanguageTool plug-in."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from service import languagetool, openapi
from service.bodies import json_bytes, read_params
from service.keys import request_key
from service.routes.deps import ServiceDep

router = APIRouter(tags=["languagetool"])


@router.get("/v2/check", include_in_schema=False)  # LanguageTool also takes query parameters
@router.post(
    "/v2/check", openapi_extra=openapi.form_body(openapi.LANGUAGETOOL_FORM), responses=openapi.errors(400, 413, 422)
)
async def languagetool_check(request: Request, service: ServiceDep) -> JSONResponse:
    """LanguageTool's check: form fields `text` or `data`, and `language` (zh-CN or auto)."""
    params = await read_params(request)
    access = service.access(request_key(request, params))
    answer = await service.run(service.check_languagetool, params, access, service.deadline())
    request.state.log_extra = {"posts": 1, "findings": len(answer["matches"])}
    return Response(json_bytes(answer), media_type="application/json")


@router.get("/v2/languages")
async def languagetool_languages() -> list[dict]:
    """The languages this server checks (LanguageTool format)."""
    return languagetool.LANGUAGES
