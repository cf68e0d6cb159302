"""REST API for automation under /api/v1: the same services, role checks and messages as the pages.

Authentication is a bearer token from POST /api/v1/token (the same 30-minute JWT as the pages). Errors are
JSON `{"error": {"code": "...", "message": "..."}}` with a stable code and a message in the client's language.
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Header, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from nicegui import app, run
from pydantic import BaseModel, Field

from services import auth, i18n, media, permissions, posts
from services.auth import AuthError, SessionInvalid
from services.config import get_settings
from services.engine import get_engine
from services.errors import UserError
from services.models import Delivery, Post, User
from services.posts import PostFilter, PostInput, PostLocked, PostRefused, SaveAction

router = APIRouter(prefix='/api/v1', tags=['api'])
UPLOAD_CHUNK = 256 * 1024


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorBody


class Credentials(BaseModel):
    username: str = Field(max_length=64)
    password: str = Field(max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal['bearer'] = 'bearer'
    expires_in: int


class DeliveryOut(BaseModel):
    id: int
    platform: str
    status: str
    attempt_count: int
    remote_url: str | None
    last_error: str | None


class PostOut(BaseModel):
    id: int
    text: str
    status: str
    scheduled_at: datetime | None
    created_at: datetime
    deliveries: list[DeliveryOut]


class PostIn(BaseModel):
    text: str = Field(default='', max_length=posts.MAX_TEXT)
    media_ids: list[int] = Field(default_factory=list, max_length=20)
    platforms: list[Literal['telegram', 'instagram', 'youtube', 'tiktok']] = Field(default_factory=list)
    options: dict[str, dict[str, str | int | bool]] = Field(default_factory=dict)
    action: Literal['draft', 'schedule', 'publish'] = 'draft'
    scheduled_at: datetime | None = Field(default=None, description='ISO 8601 with a time zone offset')


class MediaOut(BaseModel):
    id: int
    original_name: str
    mime_type: str
    size_bytes: int
    width: int | None
    height: int | None
    duration_s: float | None


ERRORS = {status: {'model': ErrorOut} for status in (400, 401, 403, 404, 409, 422, 429)}


def _language(request: Request) -> str:
    return i18n.language_from_header(request.headers.get('accept-language'))


def _refusal(request: Request, status: int, code: str, error: UserError) -> ApiError:
    language = _language(request)
    if error.plural is not None and error.n is not None:
        text = i18n.translate_plural(language, error.message, error.plural, error.n, **error.params)
    else:
        text = i18n.translate(language, error.message, **error.params)
    return ApiError(status, code, text)


def api_user(request: Request, authorization: Annotated[str | None, Header()] = None) -> User:
    scheme, _, token = (authorization or '').partition(' ')
    try:
        return auth.check_session(token if scheme.lower() == 'bearer' else None, get_settings().secret_key).user
    except SessionInvalid as refusal:
        raise _refusal(request, 401, 'unauthorized', refusal) from None


def _require(request: Request, user: User, action: permissions.Action) -> None:
    try:
        permissions.require(user, action, ip=request.client.host if request.client else '')
    except permissions.Forbidden as refusal:
        raise _refusal(request, 403, 'forbidden', refusal) from None


@router.post('/token', response_model=TokenOut, responses=ERRORS)
async def sign_in(request: Request, credentials: Credentials) -> TokenOut:
    try:
        _user, token = await run.io_bound(auth.sign_in, credentials.username, credentials.password,
                                          ip=request.client.host if request.client else '',
                                          secret_key=get_settings().secret_key)
    except AuthError as refusal:
        code = 'locked' if refusal.plural else 'wrong_credentials'
        raise _refusal(request, 429 if refusal.plural else 401, code, refusal) from None
    return TokenOut(access_token=token, expires_in=int(auth.TOKEN_LIFETIME.total_seconds()))


@router.get('/posts', response_model=list[PostOut], responses=ERRORS)
def list_posts(request: Request, user: Annotated[User, Depends(api_user)],
               status: str | None = Query(default=None, max_length=20),
               platform: str | None = Query(default=None, max_length=20),
               before: int | None = Query(default=None, ge=1),
               limit: int = Query(default=25, ge=1, le=100)) -> list[PostOut]:
    _require(request, user, permissions.Action.READ)
    found = posts.list_posts(PostFilter(status=status, platform=platform), before_id=before, limit=limit)
    return [_post_out(d.post, d.deliveries) for d in found]


@router.get('/posts/{post_id}', response_model=PostOut, responses=ERRORS)
def get_post(request: Request, post_id: int, user: Annotated[User, Depends(api_user)]) -> PostOut:
    _require(request, user, permissions.Action.READ)
    details = posts.get_post(post_id)
    if details is None:
        raise ApiError(404, 'not_found', i18n.translate(_language(request), 'This post no longer exists.'))
    return _post_out(details.post, details.deliveries)


@router.post('/posts', response_model=PostOut, status_code=201, responses=ERRORS)
def create_post(request: Request, body: PostIn, user: Annotated[User, Depends(api_user)]) -> PostOut:
    return _save(request, user, body, None)


@router.put('/posts/{post_id}', response_model=PostOut, responses=ERRORS)
def update_post(request: Request, post_id: int, body: PostIn, user: Annotated[User, Depends(api_user)]) -> PostOut:
    return _save(request, user, body, post_id)


@router.post('/posts/{post_id}/cancel', response_model=PostOut, responses=ERRORS)
def cancel_post(request: Request, post_id: int, user: Annotated[User, Depends(api_user)]) -> PostOut:
    from services import scheduling

    _require(request, user, permissions.Action.WRITE_POSTS)
    try:
        scheduling.cancel(post_id, actor=user, ip=request.client.host if request.client else '')
    except UserError as refusal:
        raise _refusal(request, 409, 'not_cancellable', refusal) from None
    return get_post(request, post_id, user)


@router.post('/media', response_model=MediaOut, status_code=201, responses=ERRORS)
async def upload_media(request: Request, user: Annotated[User, Depends(api_user)],
                       file: Annotated[UploadFile, File()]) -> MediaOut:
    _require(request, user, permissions.Action.WRITE_POSTS)

    async def chunks():
        while chunk := await file.read(UPLOAD_CHUNK):
            yield chunk

    try:
        asset = await media.store_upload(chunks(), file.filename or 'upload', uploaded_by=user.id)
    except UserError as refusal:
        raise _refusal(request, 422, 'media_refused', refusal) from None
    return MediaOut(id=asset.id, original_name=asset.original_name, mime_type=asset.mime_type,
                    size_bytes=asset.size_bytes, width=asset.width, height=asset.height, duration_s=asset.duration_s)


def _save(request: Request, user: User, body: PostIn, post_id: int | None) -> PostOut:
    action = SaveAction(body.action)
    _require(request, user, permissions.Action.PUBLISH if action == SaveAction.PUBLISH
             else permissions.Action.WRITE_POSTS)
    if post_id is not None and posts.get_post(post_id) is None:
        raise ApiError(404, 'not_found', i18n.translate(_language(request), 'This post no longer exists.'))
    data = PostInput(text=body.text, media_ids=body.media_ids, platforms=list(body.platforms),
                     options={k: dict(v) for k, v in body.options.items()}, scheduled_at=body.scheduled_at)
    if data.scheduled_at is not None and data.scheduled_at.tzinfo is None:
        raise ApiError(422, 'naive_time', 'scheduled_at needs a time zone offset, e.g. 2026-12-01T09:00:00+01:00')
    try:
        saved = posts.save_post(user.id, data, action, post_id=post_id, actor=user,
                                ip=request.client.host if request.client else '')
    except PostRefused as refused:
        language = _language(request)
        reasons = [i18n.translate(language, p.message, **p.params) for p in refused.problems]
        raise ApiError(422, 'post_refused', ' '.join(reasons)) from None
    except PostLocked as refusal:
        raise _refusal(request, 409, 'post_locked', refusal) from None
    except UserError as refusal:
        raise _refusal(request, 422, 'post_invalid', refusal) from None
    if action == SaveAction.PUBLISH:
        get_engine().start(saved.id)
    return get_post(request, saved.id, user)


def _post_out(post: Post, deliveries: list[Delivery]) -> PostOut:
    return PostOut(id=post.id, text=post.text, status=post.status, scheduled_at=post.scheduled_at,
                   created_at=post.created_at,
                   deliveries=[DeliveryOut(id=d.id, platform=d.platform, status=d.status,
                                           attempt_count=d.attempt_count, remote_url=d.remote_url,
                                           last_error=d.last_error) for d in deliveries])


async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
    return JSONResponse({'error': {'code': error.code, 'message': error.message}}, status_code=error.status)


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    problems = '; '.join(f'{".".join(str(part) for part in e["loc"])}: {e["msg"]}' for e in error.errors())
    return JSONResponse({'error': {'code': 'invalid_request', 'message': problems}}, status_code=422)


def install() -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.include_router(router)
