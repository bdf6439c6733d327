"""Reviewing an uploaded file (multipart): .docx, PDF with a text layer, WeChat-article HTML, images (OCR), and
plain text in UTF-8, UTF-16 with a BOM or GB18030. The report is the contract's; its offsets are into the
extracted text, which `meta.input.text` carries, and each finding's `source` says where in the file it is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from review.errors import InputError
from review.inputs import InputLimits, extract, review_extracted
from service import openapi
from service.bodies import RequestError, json_bytes, parse_json
from service.keys import Access, request_key
from service.routes.deps import Service, ServiceDep

router = APIRouter(tags=["review"])

# A file's extraction and OCR together; its sections are reviewed within the service's batch deadline. The file
# itself is bounded by the body limit (REVIEW_MAX_BODY_BYTES) before it gets here.
UPLOAD_LIMITS = InputLimits(seconds=30.0, max_images=20)
UPLOAD_FORM = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": ".docx, .pdf (text layer), .html (WeChat article), image (OCR), or text"},
        "post": {"type": "string", "description": "JSON: the contract's post without `text` (id, title, account, "
                                                  "published_at, checked_at)"},
    },
}


def _post_fields(value: Any) -> dict:
    """The `post` form field: a JSON object of the contract's other fields (or nothing)."""
    if value is None or value == "":
        return {}
    if not isinstance(value, str):
        raise RequestError(400, "invalid_form", "post 字段应为 JSON 文本 / the post field must be JSON text")
    post = parse_json(value)
    if not isinstance(post, dict):
        raise InputError("invalid_post", "post 字段应为 JSON 对象 / the post field must be a JSON object", "post")
    post.pop("text", None)
    return post


def review_upload(service: Service, data: bytes, name: str | None, post: dict, access: Access) -> tuple[bytes, int]:
    """Extract the file, review it with the post's account settings, and return the report's JSON bytes and its
    number of findings; bad input raises InputError."""
    options, meta = service.options_for(post, access)
    extracted = extract(data, name, UPLOAD_LIMITS)  # no folder: an uploaded HTML page's images are not read
    batch_deadline = service.batch_deadline()
    report = review_extracted(service.reviewer, extracted, post, options,
                              deadline=lambda: service.deadline(batch_deadline)).to_dict()
    report["meta"].update(meta)
    service.metrics.observe_report(report)
    return json_bytes(report), len(report["findings"])


@router.post("/v1/review/file", responses=openapi.errors(400, 413, 422),
             openapi_extra={"requestBody": {"required": True,
                                            "content": {"multipart/form-data": {"schema": UPLOAD_FORM}}}})
async def review_file(request: Request, service: ServiceDep) -> JSONResponse:
    """A file (multipart field `file`) and optionally `post` (JSON: id, title, account, dates) in, the contract's
    report out, with `meta.input` (format, extracted text, title, author, time, images) and `source` on findings."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "multipart/form-data":
        raise RequestError(400, "invalid_form", "请以 multipart/form-data 上传文件（字段 file）/ upload the file as "
                                                "multipart/form-data (field `file`)")
    try:
        form = await request.form(max_files=1, max_fields=10)
    except (MultiPartException, HTTPException, ValueError) as error:
        detail = getattr(error, "detail", None) or getattr(error, "message", None) or str(error)
        raise RequestError(400, "invalid_form", f"表单无效 / invalid form: {detail}") from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InputError("missing_file", "缺少上传文件（字段 file）/ the file field is required", "file")
        post = _post_fields(form.get("post"))
        data = await upload.read()
        name = upload.filename or None
    finally:
        await form.close()
    if not data:
        raise InputError("empty_file", "上传的文件为空 / the uploaded file is empty", "file")
    access = service.access(request_key(request))
    body, findings = await service.run_file(review_upload, service, data, name, post, access)
    request.state.log_extra = {"posts": 1, "findings": findings}
    return Response(body, media_type="application/json")
