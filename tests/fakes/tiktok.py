"""A fake TikTok Content Posting API v2 and token endpoint on 127.0.0.1: the paths, envelope, error codes, chunk
rules and per-minute limits of the spec sheet (section 4); upload URLs point at the fake itself. Each creator has
its own tokens, uploads and per-token rate limits. Chunk answers carry `Content-Range: bytes 0-LAST/TOTAL` (LAST
inclusive; `bytes */TOTAL` before the first byte): the real API's form there is UNCONFIRMED.

    with FakeTikTok() as fake:
        fake.inject(Fault.server_error(503), on='upload')   # the next chunk PUT gets a 503
        result = await TikTokClient(fake.base_url, poll_interval=0.01).publish(content, account)
"""
from __future__ import annotations

import hashlib
import itertools
import re
import time
from collections import defaultdict, deque
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from tests import fakes
from tests.fakes import FakeServer, FaultQueue, drop_connection, read_params, wait_unless_client_leaves
from tests.fakes.tiktok_types import (
    ALL_PRIVACY_LEVELS,
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_OPEN_ID,
    DEFAULT_REFRESH_TOKEN,
    Call,
    FakeCreator,
    FakeUpload,
    _Chunk,
    chunk_plan_problem,
)

__all__ = ['DEFAULT_ACCESS_TOKEN', 'DEFAULT_OPEN_ID', 'DEFAULT_REFRESH_TOKEN', 'FakeCreator', 'FakeTikTok', 'Fault',
           'chunk_plan_problem']

DEFAULT_CLIENT_KEY = 'awfakeclientkey0001'
DEFAULT_CLIENT_SECRET = 'fake-client-secret-for-tests-only'
VIDEO_TYPES = frozenset({'video/mp4', 'video/quicktime', 'video/webm'})
RATE_LIMITS = {'creator_info': 20, 'init': 6, 'status': 30}  # requests per minute
TITLE_LIMIT = 2200  # UTF-16 code units
API_PATHS = {'/v2/oauth/token/': 'token', '/v2/post/publish/creator_info/query/': 'creator_info',
             '/v2/post/publish/video/init/': 'init', '/v2/post/publish/status/fetch/': 'status'}
UPLOAD_PATH = re.compile(r'/upload/(?P<publish_id>[^/]+)/?')
ENDPOINTS = ('token', 'creator_info', 'init', 'upload', 'status')  # what `inject(on=...)` can aim at
CONTENT_RANGE = re.compile(r'bytes (\d+)-(\d+)/(\d+)')


class Fault(fakes.Fault):
    """TikTok's failures, as `FakeTikTok.inject` takes them. `details`: the error's code and message; `fail_reason`,
    on a status call, ends the publish FAILED with that reason."""

    @classmethod
    def error(cls, name: str, status: int, code: str, message: str, *, on: str | None = None) -> Fault:
        return cls(name, status, {'code': code, 'message': message}, on=on)

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        return cls.error(f'server_error_{status}', status, 'internal_error', 'Something went wrong. Please try again.')

    @classmethod
    def range_mismatch(cls) -> Fault:
        return cls.error('range_mismatch', 416, 'range_not_satisfiable',
                         'The range does not match the upload progress.', on='upload')

    @classmethod
    def dropped(cls, *, after_taking: bool = False) -> Fault:
        """The connection closes without an answer; `after_taking`: once the work is done (a chunk is kept)."""
        return cls('dropped_after_taking' if after_taking else 'dropped', drop=True, after=after_taking)

    @classmethod
    def token_expired(cls) -> Fault:
        return cls.error('token_expired', 401, 'access_token_invalid',
                         'The access token is invalid or not found in the request.')

    @classmethod
    def publish_failed(cls, fail_reason: str) -> Fault:
        return cls(f'failed_{fail_reason}', details={'fail_reason': fail_reason}, on='status')


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


class FakeTikTok(FakeServer):
    """The fake API. Use as a context manager; `base_url` replaces https://open.tiktokapis.com.

    Each of `creators` is reached with its own tokens; without them, one creator made of `username`, `nickname`,
    `privacy_level_options` and `max_video_post_duration_sec`. `access_tokens`, `refresh_token` and `nickname` are
    the first creator's. `rate_limits` count per access token, as TikTok's do; `latency` delays every answer.
    """

    def __init__(self, creators: list[FakeCreator] | None = None, *,
                 privacy_level_options: tuple[str, ...] = ALL_PRIVACY_LEVELS, max_video_post_duration_sec: int = 600,
                 username: str = 'fake.creator', nickname: str = 'Fake Creator',
                 scopes: tuple[str, ...] = ('user.info.basic', 'video.publish'),
                 rate_limits: dict[str, int] | None = None, fail_reason: str = '', processing_polls: int = 1,
                 upload_url_ttl: float = 3600.0, latency: float = 0.0) -> None:
        super().__init__(latency=latency)
        self.creators = creators or [FakeCreator(username=username, nickname=nickname,
                                                 privacy_level_options=privacy_level_options,
                                                 max_video_post_duration_sec=max_video_post_duration_sec)]
        self.scopes = scopes
        self.rate_limits = RATE_LIMITS | (rate_limits or {})
        self.fail_reason = fail_reason  # non-empty: every publish ends FAILED with it after processing
        self.processing_polls = processing_polls  # status polls answering PROCESSING_UPLOAD after the upload
        self.upload_url_ttl = upload_url_ttl
        self.client_key, self.client_secret = DEFAULT_CLIENT_KEY, DEFAULT_CLIENT_SECRET
        self.calls: list[Call] = []
        self.uploads: list[FakeUpload] = []
        self._faults = FaultQueue(ENDPOINTS)
        self._hits: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)  # (token, endpoint) -> times
        self._numbers = itertools.count(1)

    def inject(self, fault: fakes.Fault, times: int = 1, *, on: str | None = None, skip: int = 0) -> None:
        """Make the next `times` calls of endpoint `on` (default: the fault's own, else any; see ENDPOINTS) meet
        `fault`, after letting `skip` such calls through and after the faults already queued."""
        self._faults.add(fault, times, on=on, skip=skip)

    @property
    def access_tokens(self) -> set[str]:
        return self.creators[0].access_tokens

    @property
    def refresh_token(self) -> str | None:
        return self.creators[0].refresh_token

    @refresh_token.setter
    def refresh_token(self, token: str | None) -> None:
        self.creators[0].refresh_token = token

    @property
    def nickname(self) -> str:
        return self.creators[0].nickname

    @nickname.setter
    def nickname(self, nickname: str) -> None:
        self.creators[0].nickname = nickname

    def revoke(self, open_id: str = DEFAULT_OPEN_ID) -> None:
        """The user removed the app: every token of theirs stops working."""
        creator = next(creator for creator in self.creators if creator.open_id == open_id)
        creator.access_tokens.clear()
        creator.refresh_token = None

    def uploads_by(self, open_id: str) -> list[FakeUpload]:
        """The uploads one creator's tokens started, oldest first."""
        return [upload for upload in self.uploads if upload.open_id == open_id]

    def calls_to(self, endpoint: str) -> list[Call]:
        return [call for call in self.calls if call.endpoint == endpoint]

    # --- HTTP ----------------------------------------------------------------------------------------------------

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        request = Request(scope, receive)
        endpoint, publish_id = _route(scope['path'])
        fault, params, headers = self._faults.next_for(endpoint), {}, {}
        try:
            params, chunk = await self._read(request, endpoint, publish_id)
            if fault and fault.delay and await wait_unless_client_leaves(receive, fault.delay):
                self.calls.append(Call(endpoint, params, -1, fault.name))
                return
            if fault and fault.drop and not fault.after:
                status, body = 0, {}
            else:
                status, body, headers = self._dispatch(endpoint, request, params, chunk, publish_id, fault)
        except ApiError as error:
            status, body, headers = error.status, self._error_body(endpoint, error), error.headers
        self.calls.append(Call(endpoint, params, status, fault.name if fault else None))
        if status == 0 or (fault and fault.drop and fault.after):
            await drop_connection(send, receive)
        else:
            await JSONResponse(body, status_code=status, headers=headers)(scope, receive, send)

    async def _read(self, request: Request, endpoint: str, publish_id: str) -> tuple[dict[str, Any], _Chunk | None]:
        """The body's fields, or for an upload its headers and a tentative digest (the bytes are not kept)."""
        if endpoint != 'upload':
            try:
                return (await read_params(request))[0], None
            except ValueError as error:
                raise ApiError(400, 'invalid_params', f'The request body is invalid: {error}') from None
        upload = self._upload(publish_id)
        digest, size = upload.digest.copy() if upload else hashlib.sha256(), 0
        async for piece in request.stream():
            digest.update(piece)
            size += len(piece)
        params = {'content_range': request.headers.get('content-range'), 'bytes': size,
                  'content_type': request.headers.get('content-type')}
        return params, _Chunk(size, digest)

    def _dispatch(self, endpoint: str, request: Request, params: dict[str, Any], chunk: _Chunk | None,
                  publish_id: str, fault: fakes.Fault | None) -> tuple[int, dict[str, Any], dict[str, str]]:
        if fault and fault.status:  # an upload's error answers carry its progress, as the real ones do
            upload = self._upload(publish_id)
            raise ApiError(fault.status, fault.details.get('code', ''), fault.details.get('message', ''),
                           {'Content-Range': upload.content_range()} if upload else None)
        wanted = 'PUT' if endpoint == 'upload' else 'POST'
        if endpoint == 'unknown' or request.method != wanted:
            raise ApiError(404, 'not_found', f'No such endpoint: {request.method} {request.url.path}')
        if endpoint == 'token':
            return 200, self._token(params), {}
        if endpoint == 'upload':
            assert chunk is not None
            return self._take_chunk(request, publish_id, chunk)
        creator, token = self._authorize(request)
        self._count_against_limit(endpoint, token)
        if endpoint == 'creator_info':
            data = creator.creator_info()
        elif endpoint == 'init':
            data = self._init(params, creator)
        else:
            data = self._status(params, fault, creator)
        return 200, {'data': data, 'error': {'code': 'ok', 'message': '', 'log_id': self._log_id()}}, {}

    def _error_body(self, endpoint: str, error: ApiError) -> dict[str, Any]:
        log_id = self._log_id()
        if endpoint == 'token':  # the token endpoint answers flat, not in the envelope
            return {'error': error.code, 'error_description': error.message, 'log_id': log_id}
        return {'data': {}, 'error': {'code': error.code, 'message': error.message, 'log_id': log_id}}

    # --- endpoints -----------------------------------------------------------------------------------------------

    def _token(self, params: dict[str, Any]) -> dict[str, Any]:
        if (params.get('client_key'), params.get('client_secret')) != (self.client_key, self.client_secret):
            raise ApiError(401, 'invalid_client', 'Client key or secret is incorrect.')
        if params.get('grant_type') != 'refresh_token':
            raise ApiError(400, 'unsupported_grant_type', 'The grant type is not supported by this fake.')
        wanted = params.get('refresh_token')
        creator = next((creator for creator in self.creators if creator.refresh_token and wanted
                        and creator.refresh_token == wanted), None)
        if creator is None:
            raise ApiError(400, 'invalid_grant', 'Refresh token is invalid or expired.')
        number = next(self._numbers)
        access_token = f'act.fake-access-token-{number}'
        creator.refresh_token = f'rft.fake-refresh-token-{number}'
        creator.access_tokens.add(access_token)
        return {'open_id': creator.open_id, 'scope': ','.join(self.scopes), 'access_token': access_token,
                'expires_in': 7200, 'refresh_token': creator.refresh_token, 'refresh_expires_in': 15_552_000,
                'token_type': 'Bearer'}

    def _init(self, params: dict[str, Any], creator: FakeCreator) -> dict[str, Any]:
        post_info, source_info = params.get('post_info'), params.get('source_info')
        if not isinstance(post_info, dict) or not isinstance(source_info, dict):
            raise ApiError(400, 'invalid_params', 'post_info and source_info are required.')
        if post_info.get('privacy_level') not in creator.privacy_level_options:
            raise ApiError(403, 'privacy_level_option_mismatch',
                           'The privacy level is not one of the creator\'s privacy_level_options.')
        title = str(post_info.get('title') or '')
        if len(title.encode('utf-16-le')) // 2 > TITLE_LIMIT:
            raise ApiError(400, 'invalid_params', f'The title is longer than {TITLE_LIMIT} characters.')
        if source_info.get('source') != 'FILE_UPLOAD':
            raise ApiError(400, 'invalid_params', 'This fake takes only source FILE_UPLOAD.')
        numbers = [source_info.get(name) for name in ('video_size', 'chunk_size', 'total_chunk_count')]
        if not all(isinstance(number, int) and not isinstance(number, bool) for number in numbers):
            raise ApiError(400, 'invalid_params', 'video_size, chunk_size and total_chunk_count must be integers.')
        if problem := chunk_plan_problem(*numbers):
            raise ApiError(400, 'invalid_params', problem)
        publish_id = f'v_pub_file~v2-1.{7_300_000_000_000_000_000 + next(self._numbers)}'
        self.uploads.append(FakeUpload(publish_id, title, post_info['privacy_level'], *numbers,
                                       expires_at=time.monotonic() + self.upload_url_ttl, open_id=creator.open_id))
        return {'publish_id': publish_id, 'upload_url': f'{self.base_url}/upload/{publish_id}'}

    def _take_chunk(self, request: Request, publish_id: str,
                    chunk: _Chunk) -> tuple[int, dict[str, Any], dict[str, str]]:
        upload = self._upload(publish_id)
        if upload is None:
            raise ApiError(404, 'not_found', 'No upload has this address.')
        progress = {'Content-Range': upload.content_range()}
        if time.monotonic() > upload.expires_at:
            raise ApiError(403, 'upload_url_expired', 'The upload URL has expired.', progress)  # code UNCONFIRMED
        content_type = request.headers.get('content-type', '')
        if content_type not in VIDEO_TYPES:
            raise ApiError(400, 'invalid_params', f'Content-Type {content_type or "(none)"} is not a video type.',
                           progress)
        match = CONTENT_RANGE.fullmatch(request.headers.get('content-range', ''))
        if match is None or int(match[3]) != upload.video_size:
            raise ApiError(400, 'invalid_params', 'Content-Range must read bytes FIRST-LAST/VIDEO_SIZE.', progress)
        first, last = int(match[1]), int(match[2])
        if upload.complete or first != upload.received:
            raise ApiError(416, 'range_not_satisfiable', 'The range does not match the upload progress.', progress)
        is_last = upload.chunks == upload.total_chunk_count - 1
        expected_last = upload.video_size - 1 if is_last else first + upload.chunk_size - 1
        if last != expected_last or chunk.size != last - first + 1:
            raise ApiError(400, 'invalid_params', 'The chunk does not match chunk_size and its Content-Range.',
                           progress)
        upload.digest, upload.received, upload.chunks = chunk.digest, upload.received + chunk.size, upload.chunks + 1
        upload.content_types.append(content_type)
        return (201 if upload.complete else 206), {}, {'Content-Range': upload.content_range()}

    def _status(self, params: dict[str, Any], fault: fakes.Fault | None, creator: FakeCreator) -> dict[str, Any]:
        upload = self._upload(str(params.get('publish_id') or ''))
        if upload is None or upload.open_id != creator.open_id:
            raise ApiError(400, 'invalid_params', 'No publish has this publish_id.')
        if fault and fault.details.get('fail_reason'):
            upload.status, upload.fail_reason = 'FAILED', fault.details['fail_reason']
        elif upload.complete and upload.status == 'PROCESSING_UPLOAD':
            upload.polls_since_upload += 1
            if upload.polls_since_upload > self.processing_polls:
                upload.status, upload.fail_reason = ('FAILED', self.fail_reason) if self.fail_reason else (
                    'PUBLISH_COMPLETE', '')
                if upload.status == 'PUBLISH_COMPLETE' and upload.privacy_level == 'PUBLIC_TO_EVERYONE':
                    upload.post_id = str(7_400_000_000_000_000_000 + next(self._numbers))  # only public posts get one
        return {'status': upload.status, 'uploaded_bytes': upload.received,
                'publicaly_available_post_id': [upload.post_id] if upload.post_id else [],
                **({'fail_reason': upload.fail_reason} if upload.status == 'FAILED' else {})}

    # --- pieces --------------------------------------------------------------------------------------------------

    def _authorize(self, request: Request) -> tuple[FakeCreator, str]:
        """The creator whose access token the request carries, and the token."""
        scheme, _, token = request.headers.get('authorization', '').partition(' ')
        creator = next((creator for creator in self.creators if token in creator.access_tokens), None)
        if scheme.lower() != 'bearer' or creator is None:
            raise ApiError(401, 'access_token_invalid', 'The access token is invalid or not found in the request.')
        if 'video.publish' not in self.scopes:
            raise ApiError(401, 'scope_not_authorized', 'The user did not authorize the scope video.publish.')
        return creator, token

    def _count_against_limit(self, endpoint: str, token: str) -> None:
        now, hits = time.monotonic(), self._hits[token, endpoint]
        while hits and hits[0] <= now - 60:
            hits.popleft()
        if len(hits) >= self.rate_limits.get(endpoint, 1_000_000):
            raise ApiError(429, 'rate_limit_exceeded', 'API rate limit was exceeded, please try again later.')
        hits.append(now)

    def _upload(self, publish_id: str) -> FakeUpload | None:
        return next((upload for upload in self.uploads if upload.publish_id == publish_id), None)

    def _log_id(self) -> str:
        return f'{time.strftime("%Y%m%d%H%M%S", time.gmtime())}FAKE{next(self._numbers):08d}'


def _route(path: str) -> tuple[str, str]:
    """The endpoint a path names, and the publish_id of an upload path."""
    if match := UPLOAD_PATH.fullmatch(path):
        return 'upload', match['publish_id']
    return API_PATHS.get(path if path.endswith('/') else f'{path}/', 'unknown'), ''
