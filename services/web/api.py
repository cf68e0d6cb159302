"""REST API for automation under /api/v1: the same services, role checks and messages as the pages.

Authentication is a bearer token from POST /api/v1/token (the same 30-minute JWT as the pages). Errors are
JSON `{"error": {"code": "...", "message": "..."}}` with a stable code and a message in the client's language.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Path, Query, Request, UploadFile
from fastapi.openapi.utils import get_openapi
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from nicegui import app, run
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from services.connections import channels as channel_book
from services.core import i18n
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Delivery, DeliveryStatus, MediaAsset, Post, PostStatus, User
from services.media import library
from services.platforms import registry
from services.posts import actions, editing
from services.posts.editing import PostFilter, PostInput, PostLocked, PostRefused, SaveAction
from services.posts.recurrence import Recurrence
from services.posts.versions import Version
from services.queue import queue
from services.team import auth, permissions, users
from services.team.auth import AuthError, SessionInvalid
from services.web import api_errors
from services.web.api_errors import ApiError, errors, language, refusal

router = APIRouter(prefix='/api/v1', tags=['api'])
bearer = HTTPBearer(auto_error=False, description='The access_token from POST /api/v1/token')
UPLOAD_CHUNK = 256 * 1024
MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER: no row has a larger id, and the drivers fail on one instead of finding none
NO_NUL = r'^[^\x00]*$'  # PostgreSQL cannot store or compare text holding NUL characters
PostId = Annotated[int, Path(ge=1, le=MAX_ID)]
MediaId = Annotated[int, Field(ge=1, le=MAX_ID)]
POST_GONE = N_('This post no longer exists.')
NAIVE_TIME = N_('scheduled_at needs a time zone offset, e.g. 2026-12-01T09:00:00+01:00')
UNKNOWN_ZONE = N_('%(zone)s is not a time zone this app knows.')
VERSION_UNCHOSEN = N_('versions name channels the post does not go to: %(channels)s. Add them to channels.')
ChannelId = Annotated[int, Field(ge=1, le=MAX_ID)]
ChannelKey = Annotated[str, Field(pattern=r'^[1-9][0-9]{0,9}$')]


def _registered(name: str) -> str:
    if registry.find(name) is None:
        raise ValueError(f'unknown platform {name!r}; the platforms are {", ".join(registry.names())}')
    return name


def _platform_names(schema: dict) -> None:
    schema['enum'] = registry.names()  # read when /openapi.json is first built: every platform registered by then


PlatformName = Annotated[str, AfterValidator(_registered), Field(json_schema_extra=_platform_names)]


def _post_examples(schema: dict) -> None:
    """Examples that name a platform taking text alone, as the registry has it."""
    text_only = next((spec.name for spec in registry.all() if not any(
        rule.check('Hello', (), {}) for rule in spec.rules)), registry.names()[0])
    schema['examples'] = [
        {'text': 'Doors open at nine.', 'platforms': [text_only], 'action': 'schedule',
         'scheduled_at': '2026-12-01T09:00:00+01:00'},
        {'text': 'We are live!', 'platforms': [text_only], 'action': 'publish'},
        {'text': 'We are live!', 'channels': [1, 2], 'versions': {'2': {'text': 'نحن على الهواء!'}},
         'action': 'publish'}]


def _iso_text_only(value: object) -> object:
    """Pydantic would read a number as seconds since 1970: a script sending one has made a mistake."""
    if value is not None and not isinstance(value, str):
        raise ValueError('expected an ISO 8601 date and time as text')
    return value


class Credentials(BaseModel):
    username: str = Field(max_length=64, pattern=NO_NUL)
    password: str = Field(max_length=200, pattern=NO_NUL)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal['bearer'] = 'bearer'
    expires_in: int


class ChannelOut(BaseModel):
    id: int
    platform: str
    name: str
    status: Literal['connected', 'needs_reconnect', 'disconnected']


class VersionIn(BaseModel):
    """What one channel gets of its own; a key left out takes the post's."""
    text: str | None = Field(default=None, max_length=editing.MAX_TEXT, pattern=NO_NUL)
    media_ids: list[MediaId] | None = Field(default=None, max_length=20)
    options: dict[str, str | int | bool] | None = None


class DeliveryOut(BaseModel):
    id: int
    platform: str
    channel_id: int
    channel_name: str
    status: DeliveryStatus
    attempt_count: int
    remote_url: str | None
    last_error: str | None


class RecurrenceIn(BaseModel):
    """How a scheduled post repeats (RFC 5545, in `time_zone`'s wall-clock time); 'never' ends a series."""
    frequency: Literal['never', 'daily', 'weekly', 'monthly']
    interval: int = Field(default=1, ge=1, le=365)
    weekdays: list[Annotated[int, Field(ge=0, le=6, strict=True)]] = Field(default_factory=list, max_length=7,
                                                                           description='0 = Monday … 6 = Sunday')
    until: date | None = Field(default=None, description='The last day (included), in time_zone')
    count: int | None = Field(default=None, ge=1, le=500, description='How many posts in all, the first included')
    time_zone: str = Field(default='UTC', max_length=64, pattern=NO_NUL)


class PostOut(BaseModel):
    id: int
    text: str
    status: PostStatus
    scheduled_at: datetime | None
    created_at: datetime
    deliveries: list[DeliveryOut]
    queue_channel_id: int | None = Field(default=None, description='The channel whose posting queue holds it')
    recurrence: str | None = Field(default=None, description='RFC 5545 DTSTART (wall-clock) and RRULE')
    series_id: int | None = Field(default=None, description='The first post of its recurring series')
    review_round: int = Field(default=0, description='Which submission of the post is in review: approve, request '
                              'changes or reject name it, so that a decision on an edited post is refused')
    also_queued: list[PostOut] = Field(default_factory=list, description='After "action": "queue" to several '
                                       'channels: the posts of the other channels (one post per channel)')


class PostIn(BaseModel):
    model_config = ConfigDict(json_schema_extra=_post_examples)

    text: str = Field(default='', max_length=editing.MAX_TEXT, pattern=NO_NUL)
    media_ids: list[MediaId] = Field(default_factory=list, max_length=20)
    channels: list[ChannelId] = Field(default_factory=list, max_length=100)
    versions: dict[ChannelKey, VersionIn] = Field(default_factory=dict, max_length=100)
    platforms: list[PlatformName] = Field(default_factory=list, description='Each platform named must have exactly '
                                          'one connected channel; name channels instead where there are several')
    options: dict[PlatformName, dict[str, str | int | bool]] = Field(default_factory=dict)
    action: Literal['draft', 'schedule', 'publish', 'queue', 'submit'] = Field(
        default='draft', description='queue: one post per channel, each at its channel\'s next free posting time; '
        'submit: for review, with scheduled_at as the time wanted')
    scheduled_at: Annotated[datetime | None, BeforeValidator(_iso_text_only)] = Field(
        default=None, description='ISO 8601 with a time zone offset')
    recurrence: RecurrenceIn | None = Field(default=None, description='Left out: as it was (a new post does not '
                                            'repeat); each occurrence is its own post')
    applies_to: Literal['this', 'later'] = Field(
        default='later', description='Updating an occurrence of a recurring post: "this" one only (it leaves the '
        'series, which goes on without it) or "later": this one and all later ones (the rule too)')


class MediaOut(BaseModel):
    id: int
    original_name: str
    mime_type: str
    size_bytes: int
    width: int | None
    height: int | None
    duration_s: float | None
    video_codec: str | None = None
    audio_codec: str | None = None
    frame_rate: float | None = None
    bit_rate: int | None = None


def api_user(request: Request,
             credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> User:
    try:
        return auth.check_session(credentials.credentials if credentials else None, get_settings().secret_key).user
    except SessionInvalid as refused:
        raise refusal(request, 401, 'unauthorized', refused) from None


def _require(request: Request, user: User, action: permissions.Action) -> None:
    try:
        permissions.require(user, action, ip=request.client.host if request.client else '')
    except permissions.Forbidden as refused:
        raise refusal(request, 403, 'forbidden', refused) from None


@router.post('/token', response_model=TokenOut, responses=errors(400, 401, 422, 429))
async def sign_in(request: Request, credentials: Credentials) -> TokenOut:
    try:
        _user, token = await run.io_bound(auth.sign_in, credentials.username, credentials.password,
                                          ip=request.client.host if request.client else '',
                                          secret_key=get_settings().secret_key)
    except AuthError as refused:
        code = 'locked' if refused.plural else 'wrong_credentials'
        raise refusal(request, 429 if refused.plural else 401, code, refused) from None
    return TokenOut(access_token=token, expires_in=int(auth.TOKEN_LIFETIME.total_seconds()))


@router.get('/channels', response_model=list[ChannelOut], responses=errors(401, 403))
def list_channels(request: Request, user: Annotated[User, Depends(api_user)]) -> list[ChannelOut]:
    """Every channel, disconnected ones too (their posts keep them): the ids `channels` and `versions` take."""
    _require(request, user, permissions.Action.READ)
    return [ChannelOut(id=c.id, platform=c.platform, name=channel_book.title(c), status=c.status)
            for c in channel_book.list_channels()]


@router.get('/posts', response_model=list[PostOut], responses=errors(401, 403, 422))
def list_posts(request: Request, user: Annotated[User, Depends(api_user)],
               status: PostStatus | None = None, platform: PlatformName | None = None,
               channel: int | None = Query(default=None, ge=1, le=MAX_ID),
               before: int | None = Query(default=None, ge=1, le=MAX_ID),
               limit: int = Query(default=25, ge=1, le=100)) -> list[PostOut]:
    _require(request, user, permissions.Action.READ)
    found = editing.list_posts(PostFilter(status=status, platform=platform,
                                          channel_ids=(channel,) if channel else None), before_id=before,
                               limit=limit)
    return [_post_out(d.post, d.deliveries) for d in found]


@router.get('/posts/{post_id}', response_model=PostOut, responses=errors(401, 403, 404, 422))
def get_post(request: Request, post_id: PostId, user: Annotated[User, Depends(api_user)]) -> PostOut:
    _require(request, user, permissions.Action.READ)
    details = editing.get_post(post_id)
    if details is None:
        raise ApiError(404, 'not_found', i18n.translate(language(request), POST_GONE))
    return _post_out(details.post, details.deliveries)


@router.post('/posts', response_model=PostOut, status_code=201, responses=errors(400, 401, 403, 422))
async def create_post(request: Request, body: PostIn, user: Annotated[User, Depends(api_user)]) -> PostOut:
    return await run.io_bound(_save, request, user, body, None)


@router.put('/posts/{post_id}', response_model=PostOut, responses=errors(400, 401, 403, 404, 409, 422))
async def update_post(request: Request, post_id: PostId, body: PostIn,
                      user: Annotated[User, Depends(api_user)]) -> PostOut:
    return await run.io_bound(_save, request, user, body, post_id)


@router.post('/posts/{post_id}/cancel', response_model=PostOut, responses=errors(401, 403, 404, 409, 422))
def cancel_post(request: Request, post_id: PostId, user: Annotated[User, Depends(api_user)]) -> PostOut:
    _require(request, user, permissions.Action.WRITE_POSTS)
    if editing.get_post(post_id) is None:
        raise ApiError(404, 'not_found', i18n.translate(language(request), POST_GONE))
    try:
        actions.cancel(post_id, actor=user, ip=request.client.host if request.client else '')
    except UserError as refused:
        raise refusal(request, 409, 'not_cancellable', refused) from None
    return get_post(request, post_id, user)


@router.post('/media', response_model=MediaOut, status_code=201, responses=errors(400, 401, 403, 413, 422))
async def upload_media(request: Request, user: Annotated[User, Depends(api_user)],
                       file: Annotated[UploadFile, File()]) -> MediaOut:
    _require(request, user, permissions.Action.DRAFT_POSTS)

    async def chunks():
        while chunk := await file.read(UPLOAD_CHUNK):
            yield chunk

    try:
        asset = await library.store_upload(chunks(), file.filename or 'upload', uploaded_by=user.id)
    except UserError as refused:
        raise refusal(request, 422, 'media_refused', refused) from None
    return media_out(asset)


def media_out(asset: MediaAsset) -> MediaOut:
    return MediaOut(id=asset.id, original_name=asset.original_name, mime_type=asset.mime_type,
                    size_bytes=asset.size_bytes, width=asset.width, height=asset.height, duration_s=asset.duration_s,
                    video_codec=asset.video_codec, audio_codec=asset.audio_codec, frame_rate=asset.frame_rate,
                    bit_rate=asset.bit_rate)


def _save(request: Request, user: User, body: PostIn, post_id: int | None) -> PostOut:
    action = SaveAction.SCHEDULE if body.action == 'queue' else SaveAction(body.action)
    _require(request, user, {SaveAction.PUBLISH: permissions.Action.PUBLISH, SaveAction.SCHEDULE:
                             permissions.Action.WRITE_POSTS}.get(action, permissions.Action.DRAFT_POSTS))
    if post_id is not None and editing.get_post(post_id) is None:
        raise ApiError(404, 'not_found', i18n.translate(language(request), POST_GONE))
    if body.scheduled_at is not None and body.scheduled_at.tzinfo is None:
        raise ApiError(422, 'naive_time', i18n.translate(language(request), NAIVE_TIME))
    try:
        chosen = list(dict.fromkeys([*body.channels, *channel_book.resolve_platforms(body.platforms)]))
    except channel_book.AmbiguousPlatform as refused:
        raise refusal(request, 422, 'choose_channels', refused) from None
    data = PostInput(text=body.text, media_ids=body.media_ids, channels=chosen,
                     options={str(k): dict(v) for k, v in body.options.items()}, scheduled_at=body.scheduled_at,
                     versions={int(key): Version(v.text, list(v.media_ids) if v.media_ids is not None else None,
                                                 dict(v.options) if v.options else None)
                               for key, v in body.versions.items()}, applies_to=body.applies_to)
    if body.recurrence is not None:
        if body.recurrence.time_zone not in users.time_zones():
            raise ApiError(422, 'post_invalid', i18n.translate(language(request), UNKNOWN_ZONE,
                                                               zone=body.recurrence.time_zone))
        data.recurrence = Recurrence(body.recurrence.frequency, body.recurrence.time_zone, body.recurrence.interval,
                                     tuple(body.recurrence.weekdays), body.recurrence.until, body.recurrence.count)
    unknown = [key for key in data.versions if key not in chosen]
    if unknown:
        raise ApiError(422, 'post_invalid', i18n.translate(language(request), VERSION_UNCHOSEN,
                                                           channels=', '.join(map(str, unknown))))
    try:
        if body.action == 'queue':
            queued = queue.add_to_queue(user.id, data, post_id=post_id, actor=user,
                                        ip=request.client.host if request.client else '')
            first = get_post(request, queued[0].id, user)
            first.also_queued = [get_post(request, post.id, user) for post in queued[1:]]
            return first
        saved = actions.save(user.id, data, action, post_id=post_id, actor=user,
                             ip=request.client.host if request.client else '')
    except permissions.Forbidden as refused:  # another's post
        raise refusal(request, 403, 'forbidden', refused) from None
    except PostRefused as refused:
        reasons = [i18n.translate(language(request), p.message, **p.params) for p in refused.problems]
        raise ApiError(422, 'post_refused', ' '.join(reasons)) from None
    except PostLocked as refused:
        raise refusal(request, 409, 'post_locked', refused) from None
    except UserError as refused:
        raise refusal(request, 422, 'post_invalid', refused) from None
    return get_post(request, saved.id, user)


def _post_out(post: Post, deliveries: list[Delivery]) -> PostOut:
    names = {channel_id: channel_book.title(channel)
             for channel_id, channel in channel_book.channels_by_id([d.channel_id for d in deliveries]).items()}
    return PostOut(id=post.id, text=post.text, status=post.status, scheduled_at=post.scheduled_at,
                   created_at=post.created_at, queue_channel_id=post.queue_channel_id, recurrence=post.recurrence,
                   series_id=post.series_id, review_round=post.review_round,
                   deliveries=[DeliveryOut(id=d.id, platform=d.platform, channel_id=d.channel_id,
                                           channel_name=names.get(d.channel_id, ''), status=d.status,
                                           attempt_count=d.attempt_count, remote_url=d.remote_url,
                                           last_error=d.last_error) for d in deliveries])


def install() -> None:
    from services.web import api_media, api_queue, api_review  # noqa: F401  (their routes join this router)

    api_errors.install(router)
    app.include_router(router)
    app.openapi = _api_schema


def _api_schema() -> dict:
    """/openapi.json and /docs describe the API only: the pages, the sign-in form and the fonts are not part of it."""
    if app.openapi_schema is None:
        app.openapi_schema = get_openapi(title='Anonymous Creations API', version='1', description=__doc__,
                                         routes=router.routes)
    return app.openapi_schema
