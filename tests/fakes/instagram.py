"""A fake Instagram Graph API (Instagram Login, graph.instagram.com) on 127.0.0.1, with a file server it pulls from.

    with FakeInstagram(quota_total=25) as fake:
        url = fake.serve_file(jpeg_path)            # a "public" address the fake downloads, as Meta cURLs media
        fake.inject(Fault.transient())              # the next call gets code 2
        fake.inject(Fault.dropped_after(), on='publish')  # media_publish goes through, its answer is lost
        await InstagramClient(fake.base_url, poll_interval=0.01).publish(PostContent('Hello', media), account)
        assert fake.published[0].caption == 'Hello'

Containers step IN_PROGRESS (for `polls_to_finish` status polls) → FINISHED | ERROR | EXPIRED, and PUBLISHED after
media_publish. Error envelopes and codes follow the spec sheet; the wording of messages is the fake's own.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse

from tests import fakes
from tests.fakes import FakeServer, FaultQueue, drop_connection, read_params, wait_unless_client_leaves
from tests.fakes.files import FileServer
from tests.fakes.graph_api import VERSION, GraphError, edge_page, select_fields

DEFAULT_TOKEN = 'IGAAFakeLongLivedTokenForTestsOnly0123456789'
DEFAULT_USER_ID = '17841400000000001'
CAROUSEL_SIZES = range(2, 11)
IMAGE_LIMIT = 8 * 1024 * 1024
CAPTION_LIMIT = 2200
TOKEN_LIFETIME_S = 60 * 24 * 3600
QUOTA_WINDOW = timedelta(hours=24)
LINK_VERSION = 'v25.0'  # in `paging.next`; the fake takes any version
EDGE_KINDS = {('GET', 'content_publishing_limit'): 'quota', ('POST', 'media'): 'container',
              ('POST', 'media_publish'): 'publish', ('GET', 'media'): 'media_list'}
KINDS = ('me', 'refresh', 'object', *EDGE_KINDS.values())  # what `inject(on=...)` can aim at
SUBCODE_WORDS = {2207001: 'Instagram server error', 2207004: 'The image is too large (over 8 MB)',
                 2207005: 'The image format is not supported (JPEG only)',
                 2207026: 'The video format is not supported', 2207052: 'The media could not be fetched from the URI'}


@dataclass(frozen=True)
class FakeIgUser:
    """One professional account and its token (each user of the fake has its own)."""
    token: str = DEFAULT_TOKEN
    user_id: str = DEFAULT_USER_ID
    username: str = 'fake_creator'
    name: str = 'Fake Creator'
    profile_picture_url: str = ''  # '' : an address of the fake CDN named after the username

    def profile(self) -> dict[str, Any]:
        """The IG User node's fields the fake knows (`GET /me` or `GET /{ig-user-id}`)."""
        picture = self.profile_picture_url or f'https://scontent.fake-cdn.invalid/v/{self.username}.jpg'
        return {'id': self.user_id, 'user_id': self.user_id, 'username': self.username, 'name': self.name,
                'account_type': 'BUSINESS', 'profile_picture_url': picture}


class Fault(fakes.Fault):
    """Instagram's failures, as `FakeInstagram.inject` takes them (`details`: the Graph error's code, subcode,
    message and is_transient; `plain` for a plain-text body instead of the error object, as a proxy's page)."""

    @classmethod
    def error(cls, name: str, status: int, code: int, message: str, subcode: int | None = None, *,
              transient: bool = False, plain: bool = False, after: bool = False) -> Fault:
        details = {'code': code, 'subcode': subcode, 'message': message, 'is_transient': transient, 'plain': plain}
        return cls(name, status, details, after=after)

    @classmethod
    def server_error(cls, status: int = 503) -> Fault:
        return cls.error(f'server_error_{status}', status, 0, 'Service Unavailable', plain=True)

    @classmethod
    def transient(cls) -> Fault:
        return cls.error('transient', 500, 2, 'An unexpected error has occurred. Please retry your request later.',
                         transient=True)

    @classmethod
    def expired_token(cls) -> Fault:
        return cls.error('expired_token', 400, 190, 'Error validating access token: Session has expired.', 463)

    @classmethod
    def throttled(cls) -> Fault:
        return cls.error('throttled', 400, 4, 'Application request limit reached', transient=True)

    @classmethod
    def server_error_after(cls, status: int = 502) -> Fault:
        return cls.error(f'server_error_after_{status}', status, 0, 'Bad Gateway', plain=True, after=True)


@dataclass
class Container:
    id: str
    user_id: str
    media_type: str  # 'IMAGE', 'VIDEO' (carousel items only), 'REELS', 'STORIES' or 'CAROUSEL'
    params: dict[str, Any]
    outcome: tuple[str, str]  # (status_code, status) once processing ends
    polls_left: int
    children: list[str] = field(default_factory=list)
    status_code: str = 'IN_PROGRESS'
    status: str = 'In Progress'


@dataclass(frozen=True)
class PublishedMedia:
    id: str
    container_id: str
    media_type: str
    caption: str | None
    media_urls: list[str]  # the image_url / video_url of the container, or of each carousel child in order
    permalink: str
    timestamp: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True)
class Pull:
    """One download the fake made of a container's media."""
    url: str
    status: int  # 0: nothing answered
    size: int


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # without the version prefix, e.g. '/17841400000000001/media'
    version: str | None
    token: str
    params: dict[str, Any]  # query and form fields, except the token
    status: int  # 0: the fake dropped the connection; -1: the client hung up during a delay
    fault: str | None


class FakeInstagram(FakeServer):
    """The fake Graph API. Use as a context manager; `base_url` replaces https://graph.instagram.com."""

    def __init__(self, users: list[FakeIgUser] | None = None, *, quota_total: int = 50, quota_usage: int = 0,
                 polls_to_finish: int = 1, finish_as: str = 'FINISHED', error_subcode: int = 2207001,
                 latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.users = {user.token: user for user in users or [FakeIgUser()]}
        # quota_usage: posts published in the last 24 hours before the fake started (by another app, say)
        self.quota_total, self.earlier_usage = quota_total, quota_usage
        self.polls_to_finish = polls_to_finish  # status polls that still answer IN_PROGRESS
        self.finish_as, self.error_subcode = finish_as, error_subcode  # how processing ends for good media
        self.not_ready_publishes = 0  # media_publish calls answered 9007 even for a FINISHED container
        self.containers: dict[str, Container] = {}
        self.published: list[PublishedMedia] = []
        self.pulls: list[Pull] = []
        self.calls: list[Call] = []
        self.files = FileServer()
        self._faults = FaultQueue(KINDS)
        self._ids = itertools.count(18_000_000_000_000_001)

    def serve_file(self, path: Path) -> str:
        """A URL on the fake's file server that answers with the bytes of `path`."""
        return self.files.serve(path)

    def inject(self, fault: fakes.Fault, times: int = 1, *, on: str | None = None, skip: int = 0) -> None:
        """Make the next `times` calls of kind `on` (any call when None; see KINDS) meet `fault`, after letting
        `skip` such calls through and after the faults already queued."""
        self._faults.add(fault, times, on=on, skip=skip)

    def usage_of(self, user_id: str) -> int:
        """What `content_publishing_limit` counts, as Instagram does: the user's posts published through the API in
        the last 24 hours (those before the fake started included)."""
        since = datetime.now(UTC) - QUOTA_WINDOW
        return self.earlier_usage + sum(1 for media in self.published if media.timestamp > since
                                        and self.containers[media.container_id].user_id == user_id)

    @property
    def quota_usage(self) -> int:
        """The default user's `usage_of`."""
        return self.usage_of(next(iter(self.users.values())).user_id)

    def start(self) -> None:
        self.files.start()
        super().start()

    def stop(self) -> None:
        super().stop()
        self.files.stop()

    # --- HTTP ----------------------------------------------------------------------------------------------------

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        token = request.query_params.get('access_token', '')  # the token only counts in the query string
        version = VERSION.match(scope['path'])
        path = scope['path'][version.end():] if version else scope['path']
        try:
            params, _ = await read_params(request)
            fault = self._faults.next_for(_kind(request.method, path.strip('/').split('/')))
        except ValueError as error:
            params, fault = {}, Fault.error('unparsable', 400, 100, f'Invalid request: {error}')
        params.pop('access_token', None)
        status, body = await self._answer(fault, request.method, path, token, params, receive)
        self.calls.append(Call(request.method, path, version.group()[1:] if version else None, token, params, status,
                               fault.name if fault else None))
        if status == 0:
            await drop_connection(send, receive)
        elif fault and fault.details.get('plain') and status == fault.status:
            await PlainTextResponse(fault.details['message'], status_code=status)(scope, receive, send)
        elif status > 0:
            await JSONResponse(body, status_code=status)(scope, receive, send)

    async def _answer(self, fault: fakes.Fault | None, method: str, path: str, token: str, params: dict[str, Any],
                      receive: Any) -> tuple[int, dict[str, Any]]:
        """(status, body); status 0 means drop the connection, -1 that the client left while waiting."""
        if fault and fault.delay and await wait_unless_client_leaves(receive, fault.delay):
            return -1, {}
        if fault and not fault.after and (fault.drop or fault.status):
            return _failure(fault)
        try:
            answer = 200, await self._dispatch(method, path.strip('/').split('/'), token, params)
        except GraphError as error:
            answer = error.status, error.envelope()
        return _failure(fault) if fault and fault.after else answer

    async def _dispatch(self, method: str, parts: list[str], token: str, params: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(token)
        if user is None:
            raise GraphError(190, 'Invalid OAuth access token - Cannot parse access token')
        match method, parts:
            case 'GET', [user_id] if user_id in (user.user_id, 'me'):
                return select_fields(user.profile(), params)
            case 'GET', ['refresh_access_token']:
                return self._refresh(user, params)
            case 'GET', [user_id, 'content_publishing_limit'] if user_id in (user.user_id, 'me'):
                return {'data': [{'quota_usage': self.usage_of(user.user_id),
                                  'config': {'quota_total': self.quota_total, 'quota_duration': 86400}}]}
            case 'POST', [user_id, 'media'] if user_id in (user.user_id, 'me'):
                return {'id': (await self._create_container(user, params)).id}
            case 'POST', [user_id, 'media_publish'] if user_id in (user.user_id, 'me'):
                return {'id': self._publish(user, str(params.get('creation_id') or ''))}
            case 'GET', [user_id, 'media'] if user_id in (user.user_id, 'me'):
                return self._media_list(user, token, params)
            case 'GET', [object_id]:
                return select_fields(self._object(user, object_id), params)
        raise GraphError(100, f"Unsupported {method.lower()} request. Object with ID '{parts[0]}' does not exist, "
                              'cannot be loaded due to missing permissions, or does not support this operation', 33)

    # --- endpoints -----------------------------------------------------------------------------------------------

    def _refresh(self, user: FakeIgUser, params: dict[str, Any]) -> dict[str, Any]:
        if params.get('grant_type') != 'ig_refresh_token':
            raise GraphError(100, 'Invalid grant_type')
        fresh = replace(user, token=f'IGAAFakeRefreshedToken{next(self._ids)}')
        self.users[fresh.token] = fresh  # the old token keeps working until it expires
        return {'access_token': fresh.token, 'token_type': 'bearer', 'expires_in': TOKEN_LIFETIME_S}

    async def _create_container(self, user: FakeIgUser, params: dict[str, Any]) -> Container:
        caption = str(params.get('caption') or '')
        if len(caption) > CAPTION_LIMIT:
            raise GraphError(100, 'The caption is too long', 2207010,
                             user_msg=f'The caption can have at most {CAPTION_LIMIT} characters')
        media_type = str(params.get('media_type') or 'IMAGE').upper()
        in_carousel = _in_carousel(params)
        children: list[str] = []
        if media_type == 'CAROUSEL':
            children = self._children(user, str(params.get('children') or ''))
            failed = [self.containers[child].outcome for child in children
                      if self.containers[child].outcome[0] != 'FINISHED']
            outcome = failed[0] if failed else self._processed()
        elif media_type in ('IMAGE', 'STORIES') and params.get('image_url'):
            outcome = await self._pull(str(params['image_url']), image=True)
        elif media_type in ('REELS', 'STORIES') or (media_type == 'VIDEO' and in_carousel):
            if not params.get('video_url'):
                raise GraphError(100, 'The parameter video_url is required.')
            outcome = await self._pull(str(params['video_url']), image=False)
        elif media_type == 'IMAGE':
            raise GraphError(100, 'The parameter image_url is required.')
        else:
            raise GraphError(100, f'The media type {media_type} is not supported here', 2207023)
        container = Container(str(next(self._ids)), user.user_id, media_type, dict(params), outcome,
                              self.polls_to_finish, children)
        self.containers[container.id] = container
        return container

    def _children(self, user: FakeIgUser, ids: str) -> list[str]:
        children = [child for child in ids.split(',') if child]
        if len(children) not in CAROUSEL_SIZES:
            raise GraphError(100, 'A carousel needs 2 to 10 children', 2207028,
                             user_msg='Carousels can have between 2 and 10 photos or videos')
        for child in children:
            container = self.containers.get(child)
            if container is None or container.user_id != user.user_id or not _in_carousel(container.params):
                raise GraphError(100, f'Invalid carousel child {child}')
        return children

    async def _pull(self, url: str, *, image: bool) -> tuple[str, str]:
        """Download the media as Meta does; the container's final (status_code, status)."""
        try:
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.get(url)
        except httpx.HTTPError:
            self.pulls.append(Pull(url, 0, 0))
            return _error(2207052)
        data = response.content
        self.pulls.append(Pull(url, response.status_code, len(data)))
        if not response.is_success or not data:
            return _error(2207052)
        if not (data.startswith(b'\xff\xd8') if image else data[4:8] == b'ftyp'):  # JPEG / MP4 or MOV magic
            return _error(2207005 if image else 2207026)
        return _error(2207004) if image and len(data) > IMAGE_LIMIT else self._processed()

    def _processed(self) -> tuple[str, str]:
        if self.finish_as == 'ERROR':
            return _error(self.error_subcode)
        return self.finish_as, self.finish_as.capitalize()

    def published_by(self, user_id: str) -> list[PublishedMedia]:
        """What the account `user_id` published, oldest first."""
        return [media for media in self.published if self.containers[media.container_id].user_id == user_id]

    def finish_publishing(self, container_id: str) -> str:
        """Publish a container as if a media_publish that failed on the way had reached Instagram after all."""
        owner = next(user for user in self.users.values() if user.user_id == self.containers[container_id].user_id)
        return self._publish(owner, container_id)

    def _publish(self, user: FakeIgUser, creation_id: str) -> str:
        container = self.containers.get(creation_id)
        if container is None or container.user_id != user.user_id or _in_carousel(container.params):
            raise GraphError(100, f'Invalid creation_id {creation_id}', 2207008)
        if self.usage_of(user.user_id) >= self.quota_total:
            raise GraphError(9, 'Application request limit reached', 2207042,
                             user_msg='You have reached the maximum number of posts allowed in 24 hours')
        if container.status_code == 'IN_PROGRESS' or self.not_ready_publishes > 0:
            self.not_ready_publishes = max(0, self.not_ready_publishes - 1)
            raise GraphError(9007, 'Media ID is not available', 2207027,
                             user_msg='The media is not ready for publishing, please wait for a moment')
        if container.status_code != 'FINISHED':
            raise GraphError(100, f'The container is {container.status_code} and cannot be published', 2207008)
        container.status_code, container.status = 'PUBLISHED', 'Published'
        media_id = str(next(self._ids))
        kind = 'reel' if container.media_type == 'REELS' else 'p'
        sources = [self.containers[child].params for child in container.children] or [container.params]
        self.published.append(PublishedMedia(
            media_id, container.id, container.media_type, container.params.get('caption'),
            [str(source.get('image_url') or source.get('video_url')) for source in sources],
            f'https://www.instagram.com/{kind}/Fake{media_id[-6:]}/'))
        return media_id

    def _media_list(self, user: FakeIgUser, token: str, params: dict[str, Any]) -> dict[str, Any]:
        """The /{ig-user-id}/media edge: the user's feed posts (stories have their own edge), newest first."""
        mine = [_media_fields(media) for media in reversed(self.published)
                if self.containers[media.container_id].user_id == user.user_id and media.media_type != 'STORIES']
        return edge_page(mine, params, f'{self.base_url}/{LINK_VERSION}/{user.user_id}/media', token)

    def _object(self, user: FakeIgUser, object_id: str) -> dict[str, Any]:
        container = self.containers.get(object_id)
        if container is not None and container.user_id == user.user_id:
            if container.status_code == 'IN_PROGRESS' and container.polls_left > 0:
                container.polls_left -= 1
            elif container.status_code == 'IN_PROGRESS':
                container.status_code, container.status = container.outcome
            return {'id': container.id, 'status_code': container.status_code, 'status': container.status}
        for media in self.published:
            if media.id == object_id:
                return _media_fields(media)
        raise GraphError(100, f"Unsupported get request. Object with ID '{object_id}' does not exist", 33)


def _kind(method: str, parts: list[str]) -> str:
    """What a call is for, in the words of `FakeInstagram.inject(on=...)`."""
    if len(parts) == 2:
        return EDGE_KINDS.get((method, parts[1]), 'other')
    named = {'me': 'me', 'refresh_access_token': 'refresh'}.get(parts[0], 'object')
    return named if method == 'GET' and len(parts) == 1 else 'other'


def _failure(fault: fakes.Fault) -> tuple[int, dict[str, Any]]:
    """What `fault` answers: status 0 (drop the connection), or its status and error envelope."""
    if fault.drop:
        return 0, {}
    details = fault.details
    error = GraphError(details.get('code', 0), details.get('message', ''), details.get('subcode'), status=fault.status,
                       transient=details.get('is_transient', False))
    return error.status, error.envelope()


def _media_fields(media: PublishedMedia) -> dict[str, Any]:
    """An IG Media node as the Graph API names its fields (a reel is a VIDEO whose product type is REELS)."""
    kind = {'CAROUSEL': 'CAROUSEL_ALBUM', 'REELS': 'VIDEO'}.get(media.media_type, media.media_type)
    product = {'REELS': 'REELS', 'STORIES': 'STORY'}.get(media.media_type, 'FEED')
    return {'id': media.id, 'media_type': kind, 'media_product_type': product, 'permalink': media.permalink,
            'timestamp': media.timestamp.strftime('%Y-%m-%dT%H:%M:%S+0000'),
            **({'caption': media.caption} if media.caption is not None else {})}


def _error(subcode: int) -> tuple[str, str]:
    words = SUBCODE_WORDS.get(subcode, 'Media upload has failed')
    return 'ERROR', f'Error: {words}. Media upload has failed with error code {subcode}'


def _in_carousel(params: dict[str, Any]) -> bool:
    return str(params.get('is_carousel_item', '')).lower() == 'true'
