"""Every failure of an /api/v1 route as JSON `{"error": {"code": "...", "message": "..."}}`, documented in the schema.

The routes raise ApiError; request validation and the framework's own refusals (an unreadable body, a method
the address does not take) are turned into the same shape here, so a client parses one kind of error.
"""
from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from nicegui import app
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.routing import Match

from services.core import i18n
from services.core.errors import UserError
from services.core.i18n import N_

# The framework's refusals that reach an API route, each with a stable code and a message for people.
FRAMEWORK_REFUSALS = {
    400: ('unreadable_body', N_('The request body could not be read. Send JSON, or form data for an upload.')),
    405: ('method_not_allowed', N_('This address does not accept %(method)s requests.')),
}
OTHER_REFUSAL = ('refused', N_('The request was refused.'))
NO_SUCH_ADDRESS = N_('There is no such address in the API. Its reference is at /docs.')
ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


def errors(*statuses: int) -> dict[int | str, dict]:
    """The `responses=` of a route that can fail with these statuses, all in the JSON error shape."""
    return {status: {'model': ErrorOut} for status in statuses}


def language(request: Request) -> str:
    return i18n.language_from_header(request.headers.get('accept-language'))


def refusal(request: Request, status: int, code: str, error: UserError) -> ApiError:
    """An ApiError carrying a service's UserError, translated into the client's language."""
    return ApiError(status, code, error.text(language(request)),
                    {'WWW-Authenticate': 'Bearer'} if status == 401 else None)


def _body(code: str, message: str) -> dict:
    return {'error': {'code': code, 'message': message}}


async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
    return JSONResponse(_body(error.code, error.message), status_code=error.status, headers=error.headers)


async def _invalid_request(_request: Request, error: RequestValidationError) -> JSONResponse:
    problems = '; '.join(f'{".".join(str(part) for part in e["loc"])}: {e["msg"]}' for e in error.errors())
    return JSONResponse(_body('invalid_request', problems), status_code=422)


async def _framework_refusal(router: APIRouter, request: Request, error: HTTPException) -> Response:
    if not request.url.path.startswith(router.prefix + '/'):
        return await http_exception_handler(request, error)  # pages keep FastAPI's own answer
    code, message = FRAMEWORK_REFUSALS.get(error.status_code, OTHER_REFUSAL)
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers['Allow'] = _allowed(router, request)
    text = i18n.translate(language(request), message, method=request.method)
    return JSONResponse(_body(code, text), status_code=error.status_code, headers=headers)


def _allowed(router: APIRouter, request: Request) -> str:
    """Every method the requested address takes (Starlette names only the first route that matched the path)."""
    matching = [route for route in router.routes
                if route.matches(request.scope)[0] != Match.NONE and route.methods != set(ALL_METHODS)]
    return ', '.join(sorted(set().union(*(route.methods for route in matching))))


def install(router: APIRouter) -> None:
    """Answer every failure of `router`'s routes in the JSON error shape, an unknown address under it included
    (NiceGUI would answer that with its HTML page); call it after the routes are declared."""

    async def unknown_address(request: Request) -> None:
        allowed = _allowed(router, request)
        if allowed:  # the address exists, the method does not
            raise ApiError(405, 'method_not_allowed', i18n.translate(language(request), FRAMEWORK_REFUSALS[405][1],
                                                                     method=request.method), {'Allow': allowed})
        raise ApiError(404, 'not_found', i18n.translate(language(request), NO_SUCH_ADDRESS))

    router.add_api_route('/{address:path}', unknown_address, methods=ALL_METHODS, include_in_schema=False)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, partial(_framework_refusal, router))
