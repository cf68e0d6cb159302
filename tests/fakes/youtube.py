"""A fake YouTube Data API v3 and Google token endpoint on 127.0.0.1: resumable uploads with Google's chunk rules.

    with FakeYouTube() as fake:
        fake.inject(Fault.dropped(after=100_000), on='upload')   # the next chunk breaks off after 100,000 bytes
        await YouTubeClient(fake.base_url, fake.base_url).publish(...)
        assert fake.videos[0].size == path.stat().st_size

Uploaded bytes are counted and hashed as they arrive, never kept. Upload sessions are authorised by their
`upload_id`, as Google's are. The wording of the chunk-rule errors is a guess (UNCONFIRMED).
"""
from __future__ import annotations

import hashlib
import itertools
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests import fakes
from tests.fakes import FakeServer, FaultQueue, drop_connection, read_params, wait_unless_client_leaves

DEFAULT_CLIENT_ID = 'fake-client.apps.googleusercontent.com'
DEFAULT_CLIENT_SECRET = 'fake-client-secret'
DEFAULT_REFRESH_TOKEN = '1//fake-refresh-token'
UPLOAD_UNIT = 256 * 1024
CHANNEL_ID = 'UCfakechannel0000000000'
KINDS = ('token', 'channels', 'insert', 'upload', 'status')  # what `inject(on=...)` can aim at
UPLOAD_PATH = '/upload/youtube/v3/videos'
CONTENT_RANGE = re.compile(r'bytes (?:(?P<first>\d+)-(?P<last>\d+)|\*)/(?P<total>\d+)')
ROUTES = {('POST', '/token'): 'token', ('GET', '/youtube/v3/channels'): 'channels', ('POST', UPLOAD_PATH): 'insert',
          ('PUT', UPLOAD_PATH): 'upload'}


class Fault(fakes.Fault):
    """YouTube's failures, as `FakeYouTube.inject` takes them. `details`: the error's reason, domain, message and
    retry_after; `kept_bytes`, the bytes of the body read (and, for a chunk, kept) before a `drop`, or before a
    normal answer; `expire_token` and `expire_session`, what the call also ends. The delay comes after the body."""

    @classmethod
    def error(cls, name: str, status: int, reason: str, domain: str = 'global', message: str = '',
              **more: Any) -> Fault:
        return cls(name, status, {'reason': reason, 'domain': domain, 'message': message, **more})

    @classmethod
    def server_error(cls, status: int = 503, retry_after: int | None = None) -> Fault:
        return cls.error(f'server_error_{status}', status, 'backendError', message='Backend Error',
                         retry_after=retry_after)

    @classmethod
    def dropped(cls, after: int = 0) -> Fault:
        return cls('dropped', drop=True, details={'kept_bytes': after})

    @classmethod
    def partial(cls, keep: int) -> Fault:
        return cls('partial', details={'kept_bytes': keep})

    @classmethod
    def token_expired(cls) -> Fault:
        return cls.error('token_expired', 401, 'authError', message='Request had invalid authentication credentials.',
                         expire_token=True)

    @classmethod
    def session_expired(cls) -> Fault:
        return cls.error('session_expired', 404, 'notFound', message='Not Found', expire_session=True)

    @classmethod
    def quota_exceeded(cls) -> Fault:
        return cls.error('quota_exceeded', 403, 'quotaExceeded', 'youtube.quota',
                         'The request cannot be completed because you have exceeded your quota.')

    @classmethod
    def upload_limit_exceeded(cls) -> Fault:
        return cls.error('upload_limit_exceeded', 400, 'uploadLimitExceeded', 'youtube.video',
                         'The user has exceeded the number of videos they may upload.')

    @classmethod
    def rate_limited(cls, reason: str = 'rateLimitExceeded') -> Fault:
        return cls.error('rate_limited', 403, reason, 'youtube.quota', 'The request rate is too high.')


@dataclass(frozen=True)
class Call:
    """Any request the fake got, accepted or not."""
    kind: str  # one of KINDS, or 'unknown'
    query: dict[str, str]
    content_range: str | None
    status: int  # 0: the fake dropped the connection; -1: the client hung up during a delay
    fault: str | None
    received: int = 0  # body bytes the fake read
    kept: int = 0  # of those, bytes stored in an upload session


@dataclass
class UploadSession:
    id: str
    total: int
    content_type: str
    resource: dict[str, Any]
    received: int = 0
    digest: Any = field(default_factory=hashlib.sha256)
    video: dict[str, Any] | None = None  # once complete
    channel_id: str = CHANNEL_ID


@dataclass(frozen=True)
class FakeVideo:
    id: str
    snippet: dict[str, Any]  # as the client sent them
    status: dict[str, Any]
    size: int
    sha256: str
    content_type: str
    session_id: str
    channel_id: str = CHANNEL_ID  # the channel of the token that uploaded it


@dataclass(frozen=True)
class FakeChannel:
    """One YouTube channel and the Google grant (refresh token) that reaches it."""
    id: str = CHANNEL_ID
    title: str = 'Fake Channel'
    refresh_token: str = DEFAULT_REFRESH_TOKEN
    thumbnail_url: str = ''  # '': an address of the fake CDN named after the id

    def resource(self) -> dict[str, Any]:
        """The channel as `channels?part=snippet` lists it."""
        thumbnail = self.thumbnail_url or f'https://yt3.fake-cdn.invalid/{self.id}=s88-c-k'
        return {'kind': 'youtube#channel', 'id': self.id,
                'snippet': {'title': self.title, 'description': '', 'customUrl': f'@{self.id.lower()}',
                            'thumbnails': {'default': {'url': thumbnail, 'width': 88, 'height': 88}}}}


Answer = tuple[int, dict[str, Any], dict[str, str]]  # status (0: drop the connection), JSON body, headers


@dataclass
class ApiError(Exception):
    """An error answer in the API's envelope; with `oauth`, in the token endpoint's (`reason` is its `error`)."""
    code: int
    message: str
    reason: str = 'badRequest'
    domain: str = 'global'
    retry_after: int | None = None
    oauth: bool = False

    def answer(self) -> Answer:
        headers = {'Retry-After': str(self.retry_after)} if self.retry_after is not None else {}
        if self.oauth:
            return self.code, {'error': self.reason, 'error_description': self.message}, headers
        error = {'code': self.code, 'message': self.message,
                 'errors': [{'message': self.message, 'domain': self.domain, 'reason': self.reason}]}
        return self.code, {'error': error}, headers


class FakeYouTube(FakeServer):
    """The fake API and token endpoint. Use as a context manager; `base_url` replaces both
    https://www.googleapis.com and https://oauth2.googleapis.com.

    Each of `channels` is reached through its own refresh token (and the access tokens issued for it); without them,
    one channel titled `channel_title` that all `refresh_tokens` reach, as does any not in `refresh_token_channels`.
    """

    def __init__(self, channels: list[FakeChannel] | None = None, *,
                 refresh_tokens: tuple[str, ...] = (DEFAULT_REFRESH_TOKEN,), channel_title: str = 'Fake Channel',
                 token_lifetime: int = 3599, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.refresh_tokens = {channel.refresh_token for channel in channels} if channels else set(refresh_tokens)
        channels = channels or [FakeChannel(title=channel_title)]
        self.channels = {channel.id: channel for channel in channels}
        self.refresh_token_channels = {channel.refresh_token: channel.id for channel in channels}
        self.token_lifetime = token_lifetime
        self.calls: list[Call] = []
        self.videos: list[FakeVideo] = []
        self.sessions: dict[str, UploadSession] = {}
        self._access_tokens: dict[str, tuple[float, str]] = {}  # token -> (monotonic expiry, channel id)
        self._faults = FaultQueue(KINDS)
        self._numbers = itertools.count(1)

    def inject(self, fault: fakes.Fault, times: int = 1, *, on: str | None = None, skip: int = 0) -> None:
        """Make the next `times` calls of kind `on` (any call when None; see KINDS) meet `fault`, after letting
        `skip` such calls through and after the faults already queued."""
        self._faults.add(fault, times, on=on, skip=skip)

    def revoke(self, refresh_token: str = DEFAULT_REFRESH_TOKEN) -> None:
        self.refresh_tokens.discard(refresh_token)

    def issue_access_token(self, refresh_token: str = DEFAULT_REFRESH_TOKEN) -> str:
        """A working access token, as an earlier refresh of `refresh_token` would have handed out."""
        token = f'ya29.fake-{next(self._numbers)}-{secrets.token_urlsafe(8)}'
        self._access_tokens[token] = (time.monotonic() + self.token_lifetime, self._channel_of(refresh_token))
        return token

    def videos_on(self, channel_id: str) -> list[FakeVideo]:
        """The videos uploaded to one channel, oldest first."""
        return [video for video in self.videos if video.channel_id == channel_id]

    def _channel_of(self, refresh_token: str) -> str:
        return self.refresh_token_channels.get(refresh_token, next(iter(self.channels)))

    def calls_of(self, kind: str) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]

    # --- HTTP ----------------------------------------------------------------------------------------------------

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        kind = _kind(request)
        fault = self._faults.next_for(kind)
        body = _Body(receive)
        try:
            status, payload, headers = await self._answer(request, kind, fault, body)
        except ApiError as error:
            status, payload, headers = error.answer()
        if status != 0:
            await body.take(0)  # the rest of the body, so the answer does not race an unread upload
        if status > 0 and fault and fault.delay and await wait_unless_client_leaves(receive, fault.delay):
            status = -1
        # recorded before answering, so a test that got the answer also sees the record
        self.calls.append(Call(kind, dict(request.query_params), request.headers.get('content-range'), status,
                               fault.name if fault else None, body.read, body.kept))
        if status == 0:
            await drop_connection(send, receive)
        elif status == 308:
            await Response(status_code=308, headers=headers)(scope, receive, send)
        elif status > 0:
            await JSONResponse(payload, status_code=status, headers=headers)(scope, receive, send)

    async def _answer(self, request: Request, kind: str, fault: fakes.Fault | None, body: _Body) -> Answer:
        if kind in ('upload', 'status'):
            return await self._session_call(request, fault, body)
        body.done = True  # read_params reads it whole
        try:
            params, _ = await read_params(request)
        except ValueError as error:
            raise ApiError(400, f'Parse Error: {error}', 'parseError') from None
        if fault and fault.drop:
            return 0, {}, {}
        if fault and fault.status:
            self._apply(fault, request)
        if kind == 'token':
            return 200, self._token(params), {}
        channel = self._authorise(request)
        if kind == 'channels':
            return 200, self._channels(params, channel), {}
        if kind == 'insert':
            return self._insert(request, params, channel)
        raise ApiError(404, 'Not Found', 'notFound')

    def _apply(self, fault: fakes.Fault, request: Request) -> None:
        details = fault.details
        if details.get('expire_token'):
            self._access_tokens.pop(_bearer(request), None)
        if details.get('expire_session'):
            self.sessions.pop(request.query_params.get('upload_id', ''), None)
        raise ApiError(fault.status, details.get('message', ''), details.get('reason', 'badRequest'),
                       details.get('domain', 'global'), details.get('retry_after'))

    # --- token endpoint and API ----------------------------------------------------------------------------------

    def _token(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get('grant_type') != 'refresh_token':
            raise ApiError(400, 'Invalid grant_type', 'unsupported_grant_type', oauth=True)
        if (params.get('client_id'), params.get('client_secret')) != (DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET):
            raise ApiError(401, 'The OAuth client was not found.', 'invalid_client', oauth=True)
        if params.get('refresh_token') not in self.refresh_tokens:
            raise ApiError(400, 'Token has been expired or revoked.', 'invalid_grant', oauth=True)
        return {'access_token': self.issue_access_token(params['refresh_token']), 'expires_in': self.token_lifetime,
                'scope': 'https://www.googleapis.com/auth/youtube.upload', 'token_type': 'Bearer'}

    def _authorise(self, request: Request) -> FakeChannel:
        """The channel the request's access token reaches."""
        expiry, channel_id = self._access_tokens.get(_bearer(request), (0.0, ''))
        if expiry <= time.monotonic():
            raise ApiError(401, 'Request had invalid authentication credentials.', 'authError')
        return self.channels[channel_id]

    def _channels(self, params: dict[str, Any], channel: FakeChannel) -> dict[str, Any]:
        if params.get('mine') != 'true' or 'snippet' not in str(params.get('part', '')).split(','):
            raise ApiError(400, 'No filter selected. Expected one of: mine, id, forHandle.', 'missingRequiredParameter')
        return {'kind': 'youtube#channelListResponse', 'pageInfo': {'totalResults': 1, 'resultsPerPage': 5},
                'items': [channel.resource()]}

    def _insert(self, request: Request, resource: dict[str, Any], channel: FakeChannel) -> Answer:
        query = request.query_params
        if query.get('uploadType') != 'resumable' or not {'snippet', 'status'} <= set(query.get('part', '').split(',')):
            raise ApiError(400, "'uploadType=resumable' and 'part=snippet,status' are expected here")
        length, content_type = (request.headers.get(name, '') for name in ('x-upload-content-length',
                                                                            'x-upload-content-type'))
        if not length.isdigit() or int(length) <= 0:
            raise ApiError(400, 'X-Upload-Content-Length must be the size of the video in bytes')
        if not content_type.startswith('video/') and content_type != 'application/octet-stream':
            raise ApiError(400, 'The file is not a video.', 'invalidVideoMetadata', 'youtube.video')
        _check_metadata(resource)
        session = UploadSession(secrets.token_urlsafe(12), int(length), content_type,
                                {name: resource.get(name) or {} for name in ('snippet', 'status')},
                                channel_id=channel.id)
        self.sessions[session.id] = session
        location = f'{self.base_url}{UPLOAD_PATH}?' + urlencode({'uploadType': 'resumable',
                                                                'part': 'snippet,status', 'upload_id': session.id})
        return 200, {}, {'Location': location}

    # --- upload sessions -----------------------------------------------------------------------------------------

    async def _session_call(self, request: Request, fault: fakes.Fault | None, body: _Body) -> Answer:
        """A chunk (`bytes FIRST-LAST/TOTAL`) or a status query (`bytes */TOTAL`) on an upload session."""
        session = self.sessions.get(request.query_params.get('upload_id', ''))
        if fault and fault.status:
            self._apply(fault, request)
        if session is None:
            raise ApiError(404, 'Not Found', 'notFound')
        span = CONTENT_RANGE.fullmatch(request.headers.get('content-range', ''))
        if not span or int(span['total']) != session.total:
            raise ApiError(400, f'Failed to parse Content-Range header (the total must be {session.total})')
        if span['first'] is not None:
            await self._chunk(request, session, int(span['first']), int(span['last']), fault, body)
        if fault and fault.drop:
            return 0, {}, {}
        if session.video is not None:
            return 201, session.video, {}
        return 308, {}, ({'Range': f'bytes=0-{session.received - 1}'} if session.received else {})

    async def _chunk(self, request: Request, session: UploadSession, first: int, last: int, fault: fakes.Fault | None,
                     body: _Body) -> None:
        """Check the chunk against Google's rules, then store its bytes (fewer when `fault` says so)."""
        length = last - first + 1
        if length <= 0 or last >= session.total or request.headers.get('content-length') != str(length):
            raise ApiError(400, 'The Content-Range does not fit the file or the Content-Length')
        if first != session.received:
            which = 'a gap' if first > session.received else 'an overlap'
            raise ApiError(400, f'The chunk starts at byte {first} but {session.received} bytes arrived: {which}')
        if last + 1 < session.total and length % UPLOAD_UNIT:
            raise ApiError(400, f'Every chunk but the last must be a multiple of {UPLOAD_UNIT} bytes, not {length}')
        keep = length
        if fault and (fault.drop or 'kept_bytes' in fault.details):
            keep = length if fault.after else min(length, fault.details.get('kept_bytes', 0))
        await body.take(keep, session, stop=bool(fault and fault.drop))
        if session.received == session.total and session.video is None:
            self._finish(session)

    def _finish(self, session: UploadSession) -> None:
        snippet, status = session.resource['snippet'], session.resource['status']
        video_id = f'vid{next(self._numbers):08d}'
        session.video = {'kind': 'youtube#video', 'id': video_id,
                         'snippet': {**snippet, 'channelId': session.channel_id},
                         'status': {'uploadStatus': 'uploaded', 'privacyStatus': 'private', **status}}
        self.videos.append(FakeVideo(video_id, snippet, status, session.received, session.digest.hexdigest(),
                                     session.content_type, session.id, session.channel_id))


class _Body:
    """A request body read as it arrives: counted, and partly fed to an upload session, never kept whole."""

    def __init__(self, receive: Any) -> None:
        self._receive, self.read, self.kept, self.done = receive, 0, 0, False

    async def take(self, keep: int, session: UploadSession | None = None, *, stop: bool = False) -> None:
        """Feed the next `keep` bytes to `session`; then read on to the end, or stop there when `stop`."""
        while not self.done and not (stop and self.kept >= keep):
            message = await self._receive()
            if message['type'] != 'http.request':
                self.done = True
                break
            piece = message.get('body', b'')
            self.done = not message.get('more_body', False)
            self.read += len(piece)
            stored = piece[:max(0, keep - self.kept)]
            if stored and session is not None:
                session.digest.update(stored)
                session.received += len(stored)
                self.kept += len(stored)


def _kind(request: Request) -> str:
    kind = ROUTES.get((request.method, request.url.path.rstrip('/')), 'unknown')
    return 'status' if kind == 'upload' and request.headers.get('content-range', '').startswith('bytes */') else kind


def _bearer(request: Request) -> str:
    return request.headers.get('authorization', '').removeprefix('Bearer ').strip()


def _check_metadata(resource: dict[str, Any]) -> None:
    """The rules of the spec sheet, with YouTube's reasons."""
    snippet, status = resource.get('snippet') or {}, resource.get('status') or {}
    title, description = str(snippet.get('title') or ''), str(snippet.get('description') or '')
    if not title.strip() or len(title) > 100 or set('<>') & set(title):
        raise ApiError(400, 'The request metadata specifies an invalid or empty video title.', 'invalidTitle',
                       'youtube.video')
    if len(description.encode()) > 5000 or set('<>') & set(description):
        raise ApiError(400, 'The request metadata specifies an invalid video description.', 'invalidDescription')
    if status.get('publishAt') and status.get('privacyStatus') != 'private':
        raise ApiError(400, 'The request metadata specifies an invalid scheduled publishing time.',
                       'invalidPublishAt', 'youtube.video')
