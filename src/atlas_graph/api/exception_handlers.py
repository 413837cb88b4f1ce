"""Domain errors become HTTP answers here, and only here, all in the shape of models/errors.py."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from atlas_graph import errors
from atlas_graph.models.errors import ErrorDetail, ErrorOut, ProblemOut
from atlas_graph.taxii.errors import TAXII_PATH_PREFIX, TaxiiError, error_resource
from atlas_graph.taxii.media import TAXII_MEDIA_TYPE

logger = logging.getLogger(__name__)

STATUS_AND_CODE: dict[type[errors.AtlasGraphError], tuple[int, str]] = {
    errors.AuthenticationFailed: (401, "unauthenticated"),
    errors.PermissionDenied: (403, "forbidden"),
    errors.NotFound: (404, "not_found"),
    errors.Conflict: (409, "conflict"),
    errors.PayloadTooLarge: (413, "payload_too_large"),
    errors.RateLimited: (429, "rate_limited"),
    errors.InvalidInput: (422, "invalid_input"),
    errors.StoreUnavailable: (503, "store_unavailable"),
    errors.ConfigurationError: (500, "configuration_error"),
    errors.LocalNeo4jError: (503, "store_unavailable"),
}


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    problems: list[ProblemOut] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    if request.url.path.startswith(TAXII_PATH_PREFIX):
        return taxii_error_response(request, status, message, problems, headers)
    body = ErrorOut(
        error=ErrorDetail(code=code, message=message, problems=problems or []),
        request_id=getattr(request.state, "request_id", None),
    )
    headers = {**(headers or {}), **({"WWW-Authenticate": "Bearer"} if status == 401 else {})}
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers or None)


def taxii_error_response(
    request: Request,
    status: int,
    message: str,
    problems: list[ProblemOut] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """Under /taxii2/, every error is TAXII's error resource, in TAXII's media type (docs/taxii.md)."""
    details = {"problems": [problem.model_dump(mode="json") for problem in problems]} if problems else None
    body = error_resource(status, message, request_id=getattr(request.state, "request_id", None), details=details)
    challenge = {"WWW-Authenticate": 'Basic realm="atlas-graph TAXII", Bearer'} if status == 401 else {}
    return JSONResponse(body, status_code=status, headers={**(headers or {}), **challenge}, media_type=TAXII_MEDIA_TYPE)


async def handle_domain_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, errors.AtlasGraphError)
    if isinstance(error, TaxiiError):
        return taxii_error_response(request, error.http_status, error.description)
    status, code = next(
        (mapping for kind, mapping in STATUS_AND_CODE.items() if isinstance(error, kind)),
        (500, "internal_error"),
    )
    if status >= 500:
        logger.warning("%s: %s", code, error)
    problems = (
        [ProblemOut(location=list(p.location), message=p.message) for p in error.problems]
        if isinstance(error, errors.InvalidInput)
        else None
    )
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, errors.RateLimited) else None
    return error_response(request, status, code, str(error), problems, headers)


async def handle_request_validation(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [ProblemOut(location=[part for part in issue["loc"]], message=issue["msg"]) for issue in error.errors()]
    return error_response(request, 422, "invalid_input", f"{len(problems)} problem(s) in the request", problems)


async def handle_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}.get(error.status_code, "http_error")
    return error_response(request, error.status_code, code, str(error.detail))


def register_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.AtlasGraphError, handle_domain_error)
    app.add_exception_handler(RequestValidationError, handle_request_validation)
    app.add_exception_handler(StarletteHTTPException, handle_http_exception)
