"""TikTok Content Posting API v2 client: posts one video straight to the creator's profile (direct post).

Credentials: `client_key`, `client_secret`, `access_token`, `refresh_token` and optionally `expires_at` (ISO 8601,
UTC). Refresh tokens rotate: a refresh kills the old one, so the `TokenSession` has the account keep (store) the new
values at once, before the call that needed them goes on, even when it then fails.
"""
from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, NoReturn

import httpx

from services.platforms.base import (
    Account,
    MediaFile,
    NeedsReconnect,
    OutcomeUnknown,
    PostContent,
    PublishResult,
    Rejected,
    Retryable,
    TokenRefused,
    TokenSession,
    file_size,
    nothing_posted_yet,
    read_span,
    send,
)
from services.platforms.spec import AccountProfile, PostingLimits

TOKEN_PATH = '/v2/oauth/token/'
CREATOR_INFO_PATH = '/v2/post/publish/creator_info/query/'
VIDEO_INIT_PATH = '/v2/post/publish/video/init/'
STATUS_PATH = '/v2/post/publish/status/fetch/'
VIDEO_TYPES = ('video/mp4', 'video/quicktime', 'video/webm')
CHUNK_SIZE = 10_000_000
READ_SIZE = 1024 * 1024
CHUNK_ATTEMPTS = 3
RATE_LIMIT_WAIT = 60.0  # TikTok sends no Retry-After; its limits count requests per minute
EXPIRY_MARGIN = timedelta(minutes=5)
RETRY_LATER_REASONS = frozenset({'internal', 'video_pull_failed', 'photo_pull_failed'})
DONE_STATUSES = frozenset({'PUBLISH_COMPLETE', 'SEND_TO_USER_INBOX'})
CONTENT_RANGE = re.compile(r'bytes\s+(?:(\d+)-(\d+)|\*)/(?:\d+|\*)')

_send = partial(send, 'TikTok')


class AccessTokenInvalid(TokenRefused):
    """TikTok refused the access token: worth one refresh before giving up."""


@dataclass(frozen=True)
class ChunkPlan:
    """How a video of `size` bytes is cut: `count` chunks of `chunk_size` bytes, the last taking the remainder."""
    size: int
    chunk_size: int
    count: int

    @classmethod
    def for_size(cls, size: int) -> ChunkPlan:
        # Under 5 MB a video must go whole, and up to 64 MB it may. Cutting at 10,000,000 bytes only above that keeps
        # each chunk within 5-64 MB and the last under 20 MB whether a MB means 10^6 or 2^20 bytes.
        chunk_size = min(size, CHUNK_SIZE)
        return cls(size, chunk_size, size // chunk_size)

    def span(self, index: int) -> tuple[int, int]:
        """The first and the last byte (inclusive) of chunk `index`."""
        first = index * self.chunk_size
        return first, self.size - 1 if index == self.count - 1 else first + self.chunk_size - 1

    def index_at(self, offset: int) -> int | None:
        """The chunk that starts at byte `offset`; None when none does."""
        index, rest = divmod(offset, self.chunk_size)
        return index if rest == 0 and index < self.count else None

    def held(self, content_range: str | None) -> int | None:
        """How many bytes the server holds, from its `Content-Range: bytes 0-LAST/TOTAL` (None: unreadable).

        The docs leave open whether LAST is the last byte or the byte count; the one that ends a chunk wins.
        """
        match = CONTENT_RANGE.fullmatch((content_range or '').strip())
        if match is None:
            return None
        if match[2] is None:
            return 0
        last = int(match[2])
        fits = [held for held in (last + 1, last) if held == self.size or self.index_at(held) is not None]
        return fits[0] if fits else last + 1


class TikTokClient:
    platform = 'tiktok'

    def __init__(self, api_url: str, *, poll_interval: float = 5.0, poll_timeout: float = 600.0) -> None:
        self._api_url = api_url.rstrip('/')
        self._poll_interval, self._poll_timeout = poll_interval, poll_timeout  # the interval also spaces chunk retries

    async def check(self, account: Account) -> str:
        """The creator's nickname (or '@username'). Raises a PlatformError."""
        return (await self.describe(account)).name

    async def describe(self, account: Account) -> AccountProfile:
        """Who the creator is: the `open_id` stored at sign-in (else the username, as creator_info names no id), the
        nickname (or '@username') and the avatar address. Raises a PlatformError."""
        info = await self.creator_info(account)
        nickname, username = info.get('creator_nickname'), info.get('creator_username')
        return AccountProfile(remote_id=account.credentials.get('open_id') or str(username or ''),
                              name=str(nickname) if nickname else f'@{username}' if username else '',
                              picture_url=str(info.get('creator_avatar_url') or ''))

    async def creator_info(self, account: Account) -> dict[str, Any]:
        """What the creator may post now: `privacy_level_options`, `max_video_post_duration_sec`,
        `creator_nickname`, `creator_username`, `comment_disabled`... Raises a PlatformError."""
        data, _ = await self._session(account).call(self._api, CREATOR_INFO_PATH, {})
        return data

    async def posting_limits(self, account: Account) -> PostingLimits:
        """The privacy levels and the longest video the creator may post now. Raises a PlatformError."""
        info = await self.creator_info(account)
        choices = tuple(str(option) for option in info.get('privacy_level_options') or [])
        longest = info.get('max_video_post_duration_sec')
        return PostingLimits(choices={'privacy': choices} if choices else {},
                             options={'max_duration_s': longest} if isinstance(longest, int) and longest > 0 else {})

    async def refresh(self, account: Account) -> dict[str, str]:
        """New `access_token`, `refresh_token`, `expires_at` and `refresh_expires_at` (ISO UTC) for the account.

        The old refresh token stops working. Raises NeedsReconnect when TikTok refuses, Retryable when unreachable.
        """
        credentials = account.credentials
        form = {'client_key': credentials.get('client_key', ''), 'client_secret': credentials.get('client_secret', ''),
                'grant_type': 'refresh_token', 'refresh_token': credentials.get('refresh_token', '')}
        if not all(form.values()):
            raise NeedsReconnect('The TikTok account lacks its app key, app secret or refresh token')
        token = await _send('POST', self._api_url + TOKEN_PATH, read=token_or_raise, data=form)
        now = datetime.now(UTC)
        updates = {'access_token': str(token['access_token']),
                   'refresh_token': str(token.get('refresh_token') or form['refresh_token'])}
        for name, lifetime in (('expires_at', 'expires_in'), ('refresh_expires_at', 'refresh_expires_in')):
            if isinstance(token.get(lifetime), int | float):
                updates[name] = (now + timedelta(seconds=token[lifetime])).isoformat(timespec='seconds')
        return updates

    async def publish(self, content: PostContent, account: Account) -> PublishResult:
        """Post the one video in `content` with `content.text` as its title and `content.options['privacy']`
        (default: SELF_ONLY when the creator has it). Returns the post id and link once TikTok has published it
        (the publish_id and no link while the post is not public).

        Raises Rejected (photos, too long, privacy not allowed, refused by TikTok), NeedsReconnect or Retryable
        (OutcomeUnknown once the whole video has gone out: TikTok may publish it).
        """
        session = self._session(account)
        video = _the_video(content)
        plan = ChunkPlan.for_size(file_size(video))
        with nothing_posted_yet():  # TikTok publishes nothing before the video's last byte
            creator, _ = await session.call(self._api, CREATOR_INFO_PATH, {})
            body = _init_body(content.text, _privacy_for(content, creator), plan)
            _check_duration(video, creator)
            init, log_id = await session.call(self._api, VIDEO_INIT_PATH, body)
        if not init.get('publish_id') or not init.get('upload_url'):
            raise Retryable(f'TikTok gave no publish_id or upload_url (log_id {log_id or "none"})')
        await self._upload(video, plan, str(init['upload_url']))
        status = await self._wait_until_published(session, str(init['publish_id']))
        post_ids = status.get('publicaly_available_post_id') or []  # sic, TikTok's spelling
        post_id, username = (str(post_ids[0]) if post_ids else None), creator.get('creator_username')
        url = f'https://www.tiktok.com/@{username}/video/{post_id}' if post_id and username else None
        return PublishResult(post_id or str(init['publish_id']), url)

    def _session(self, account: Account) -> TokenSession:
        return TokenSession(account, self.refresh, margin=EXPIRY_MARGIN)

    async def _upload(self, video: MediaFile, plan: ChunkPlan, upload_url: str) -> None:
        """PUT the chunks in order, each time going on from what TikTok says it holds (a 416 included)."""
        held, puts = 0, 0
        while held < plan.size:
            index = plan.index_at(held)
            puts += 1
            if index is None or puts > plan.count + CHUNK_ATTEMPTS:
                raise Retryable(f'The TikTok upload got out of step at byte {held} of {plan.size}')
            held = await self._put_chunk(upload_url, video, plan, index)

    async def _put_chunk(self, upload_url: str, video: MediaFile, plan: ChunkPlan, index: int) -> int:
        """Send chunk `index`, again after a 5xx or a broken connection; returns the bytes TikTok then holds."""
        first, last = plan.span(index)
        headers = {'Content-Type': video.mime_type, 'Content-Length': str(last - first + 1),
                   'Content-Range': f'bytes {first}-{last}/{plan.size}'}
        for attempt in range(1, CHUNK_ATTEMPTS + 1):
            try:
                response = await _send('PUT', upload_url, headers=headers,
                                       content=read_span(video, first, last - first + 1, block=READ_SIZE))
                return held_or_raise(response, plan, last)
            except Retryable as error:
                if attempt == CHUNK_ATTEMPTS or (error.status is not None and error.status < 500):
                    raise
                await asyncio.sleep(self._poll_interval * attempt)
        raise AssertionError('unreachable')

    async def _wait_until_published(self, session: TokenSession, publish_id: str) -> dict[str, Any]:
        """Poll the publish status until TikTok has published the video; raise when it failed or took too long."""
        deadline = time.monotonic() + self._poll_timeout
        while True:
            try:
                status, log_id = await session.call(self._api, STATUS_PATH, {'publish_id': publish_id})
            except Retryable:
                status, log_id = {}, ''  # a blip while TikTok processes; starting over could post the video twice
            if status.get('status') in DONE_STATUSES:
                return status
            if status.get('status') == 'FAILED':
                reason = str(status.get('fail_reason') or 'unknown')
                message = f'TikTok could not publish the video: {reason} (log_id {log_id or "none"})'
                raise Retryable(message) if reason in RETRY_LATER_REASONS else Rejected(message)
            if time.monotonic() >= deadline:
                raise OutcomeUnknown(f'TikTok was still processing the video after {self._poll_timeout:g} s '
                                     f'(publish_id {publish_id})')
            await asyncio.sleep(self._poll_interval)

    async def _api(self, access_token: str, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
        headers = {'Authorization': f'Bearer {access_token}', 'Content-Type': 'application/json; charset=UTF-8'}
        return await _send('POST', self._api_url + path, read=data_or_raise, json=body, headers=headers)


def data_or_raise(response: httpx.Response) -> tuple[dict[str, Any], str]:
    """The `data` and `log_id` of an API answer, or the typed error its status and envelope describe.

    The only place that reads the API's status and error codes; every message names TikTok's log_id.
    """
    status, body = response.status_code, _json(response)
    error = body.get('error') if isinstance(body, dict) else None
    if not isinstance(error, dict):
        _raise_for_status(status, f'TikTok answered HTTP {status} without an API body')
    code, log_id = str(error.get('code') or ''), _log_id(response)
    if code == 'ok' and response.is_success:
        data = body.get('data')
        return (data if isinstance(data, dict) else {}), log_id
    message = f'{error.get("message") or "TikTok refused the request"} ({code or status}, log_id {log_id or "none"})'
    if code == 'access_token_invalid':
        raise AccessTokenInvalid(message, status=status)
    if code == 'scope_not_authorized' or status == 401:
        raise NeedsReconnect(message, status=status)
    if code == 'rate_limit_exceeded' or status == 429:
        raise Retryable(message, status=status, retry_after=RATE_LIMIT_WAIT)
    if status >= 500 or code == 'internal_error':
        raise Retryable(message, status=status)
    raise Rejected(message, status=status)  # spam_risk_*, privacy_level_option_mismatch, unaudited_client_*...


def token_or_raise(response: httpx.Response) -> dict[str, Any]:
    """The token endpoint's flat answer, or NeedsReconnect (invalid_grant...) / Retryable (TikTok unwell)."""
    status, body = response.status_code, _json(response)
    if not isinstance(body, dict):
        _raise_for_status(status, f'TikTok answered HTTP {status} without a token', refused=NeedsReconnect)
    if response.is_success and body.get('access_token') and not body.get('error'):
        return body
    error, log_id = body.get('error'), _log_id(response) or 'none'
    code, words = ((error.get('code'), error.get('message')) if isinstance(error, dict)  # the envelope, just in case
                   else (error, body.get('error_description')))
    message = f'{words or "TikTok refused to renew the sign-in"} ({code or status}, log_id {log_id})'
    if status >= 500 or code in ('server_error', 'temporarily_unavailable', 'internal_error'):
        raise Retryable(message, status=status)
    if status == 429 or code == 'rate_limit_exceeded':
        raise Retryable(message, status=status, retry_after=RATE_LIMIT_WAIT)
    raise NeedsReconnect(message, status=status)


def held_or_raise(response: httpx.Response, plan: ChunkPlan, last: int) -> int:
    """How many bytes TikTok holds after a chunk PUT (201 done, 206 more, 416 out of step), else the typed error."""
    status, log_id = response.status_code, _log_id(response) or 'none'
    if status == 201:
        return plan.size
    held = plan.held(response.headers.get('content-range')) if status in (206, 416) else None
    if held is not None or status == 206:
        return last + 1 if held is None else held
    if status in (403, 404, 416):  # the upload address lives an hour, or the server lost track: start over
        raise Retryable(f'The TikTok upload has expired or got lost (HTTP {status}, log_id {log_id})', status=status)
    _raise_for_status(status, f'TikTok refused the upload (HTTP {status}, log_id {log_id})')


def _raise_for_status(status: int, message: str, *,
                      refused: type[Rejected] | type[NeedsReconnect] = Rejected) -> NoReturn:
    """Raise for an answer whose body says nothing useful: Retryable for 5xx and 429, else `refused`."""
    if status >= 500:
        raise Retryable(message, status=status)
    if status == 429:
        raise Retryable(message, status=status, retry_after=RATE_LIMIT_WAIT)
    raise refused(message, status=status)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _log_id(response: httpx.Response) -> str:
    """The log_id TikTok's support asks for: in the error envelope, the flat OAuth error, or the X-Tt-Logid header."""
    body = _json(response)
    body = body if isinstance(body, dict) else {}
    error = body.get('error') if isinstance(body.get('error'), dict) else {}
    return str(error.get('log_id') or body.get('log_id') or response.headers.get('x-tt-logid') or '')


def _the_video(content: PostContent) -> MediaFile:
    if any(media.mime_type.startswith('image/') for media in content.media):
        raise Rejected('TikTok takes photos only from public web addresses, which this dashboard does not send yet; '
                       'post a video instead')
    if len(content.media) != 1:
        raise Rejected(f'A TikTok post needs exactly one video, not {len(content.media)}')
    video = content.media[0]
    if video.mime_type not in VIDEO_TYPES:
        raise Rejected(f'TikTok takes MP4, MOV or WebM videos, not {video.mime_type}')
    return video


def _privacy_for(content: PostContent, creator: dict[str, Any]) -> str:
    allowed = [str(option) for option in creator.get('privacy_level_options') or []]
    default = 'SELF_ONLY' if 'SELF_ONLY' in allowed else allowed[0] if allowed else ''
    wanted = content.options.get('privacy') or default
    if wanted not in allowed:
        raise Rejected(f'TikTok does not let this account post with privacy {wanted or "(none)"}; '
                       f'it allows {", ".join(allowed) or "nothing"}')
    return str(wanted)


def _check_duration(video: MediaFile, creator: dict[str, Any]) -> None:
    longest = creator.get('max_video_post_duration_sec')
    if video.duration_s is not None and isinstance(longest, int | float) and video.duration_s > longest:
        raise Rejected(f'TikTok takes videos of at most {longest:g} s from this account; this one lasts '
                       f'{video.duration_s:g} s')


def _init_body(title: str, privacy: str, plan: ChunkPlan) -> dict[str, Any]:
    return {'post_info': {'title': title, 'privacy_level': privacy, 'disable_duet': False,
                          'disable_stitch': False, 'disable_comment': False},
            'source_info': {'source': 'FILE_UPLOAD', 'video_size': plan.size, 'chunk_size': plan.chunk_size,
                            'total_chunk_count': plan.count}}
