"""YouTube Data API v3 client: uploads one video (resumable, in chunks streamed from disk) with its metadata.

Credentials: `client_id`, `client_secret`, `refresh_token`; optionally `access_token` and `expires_at` (ISO 8601
UTC), renewed through a `TokenSession`. Options: `title` (required), `privacy` ('public', 'unlisted' or 'private',
default private), `tags` (a list) and `publish_at` (ISO 8601; YouTube then keeps the video private until that time).
Description: the text.
"""
from __future__ import annotations

import asyncio
import random
import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from functools import partial
from typing import Any

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
    expires_at_after,
    file_size,
    nothing_posted_yet,
    read_span,
    send,
)
from services.platforms.spec import AccountProfile

UPLOAD_UNIT = 256 * 1024  # every chunk but the last must be a multiple of this
WATCH_URL = 'https://www.youtube.com/watch?v='
PRIVACY_STATUSES = ('public', 'unlisted', 'private')
RESUME_ATTEMPTS = 5  # interruptions in a row before the engine gets a Retryable
MAX_RESUME_WAIT_S = 30.0  # a longer Retry-After is left to the engine's own retry
EXPIRY_MARGIN = timedelta(seconds=60)
TOKEN_LIFETIME_S = 3600  # when a token answer has no expires_in
READ_BLOCK = 64 * 1024
RANGE = re.compile(r'bytes=0-(\d+)')
INTERRUPTED = (500, 502, 503, 504)

_send = partial(send, 'YouTube')


class AccessTokenRejected(TokenRefused):
    """HTTP 401: the access token is invalid or expired. Refreshing may help, once."""


class UploadSessionExpired(Retryable):
    """HTTP 404 on an upload session: it is gone and the upload must start again."""


class YouTubeClient:
    platform = 'youtube'

    def __init__(self, api_url: str, oauth_url: str, *, chunk_size: int = 8 * UPLOAD_UNIT,
                 resume_backoff_s: float = 1.0) -> None:
        if chunk_size <= 0 or chunk_size % UPLOAD_UNIT:
            raise ValueError(f'chunk_size must be a positive multiple of {UPLOAD_UNIT} bytes, not {chunk_size}')
        self._api_url = api_url.rstrip('/')
        self._oauth_url = oauth_url.rstrip('/')
        self._chunk_size = chunk_size
        self._resume_backoff_s = resume_backoff_s

    async def refresh(self, account: Account) -> dict[str, str]:
        """Trade the refresh token for a new access token; returns `access_token` and `expires_at` (ISO, UTC).

        Raises NeedsReconnect (revoked or expired refresh token, unknown client), Retryable or Rejected.
        """
        credentials = account.credentials
        missing = [name for name in ('client_id', 'client_secret', 'refresh_token') if not credentials.get(name)]
        if missing:
            raise NeedsReconnect(f'The YouTube account lacks {", ".join(missing)}: connect it again')
        form = {'client_id': credentials['client_id'], 'client_secret': credentials['client_secret'],
                'refresh_token': credentials['refresh_token'], 'grant_type': 'refresh_token'}
        body = await _send('POST', f'{self._oauth_url}/token', read=result_or_raise, data=form)
        if not body.get('access_token'):
            raise Retryable('Google answered the token refresh without an access token')
        return {'access_token': str(body['access_token']),
                'expires_at': expires_at_after(body.get('expires_in'), TOKEN_LIFETIME_S)}

    async def check(self, account: Account) -> str:
        """The title of the account's channel (refreshing the access token when needed). Raises a PlatformError."""
        return (await self.describe(account)).name

    async def describe(self, account: Account) -> AccountProfile:
        """The channel the account's grant reaches: its id, title and smallest thumbnail (refreshing the access token
        when needed). Raises NeedsReconnect when the Google account has no channel, or another PlatformError."""
        body = await self._session(account).call(self._my_channels)
        items = body.get('items') or []
        if not items:
            raise NeedsReconnect('This Google account has no YouTube channel')
        snippet = items[0].get('snippet') or {}
        thumbnails = snippet.get('thumbnails') or {}
        pictures = [(thumbnails.get(size) or {}).get('url') for size in ('default', 'medium', 'high')]
        return AccountProfile(remote_id=str(items[0].get('id') or ''), name=str(snippet.get('title') or ''),
                              picture_url=next((str(url) for url in pictures if url), ''))

    async def publish(self, content: PostContent, account: Account) -> PublishResult:
        """Upload the one video in `content` with its title, description, tags, privacy and publishing time.

        Returns the video id and watch URL. Raises Retryable (OutcomeUnknown when the video may exist),
        NeedsReconnect or Rejected.
        """
        video, resource = _the_video(content), video_resource(content)
        uploaded = await self._upload(self._session(account), video, resource)
        video_id = str(uploaded.get('id') or '')
        if not video_id:
            raise OutcomeUnknown('YouTube finished the upload without naming the video')
        return PublishResult(remote_id=video_id, remote_url=f'{WATCH_URL}{video_id}')

    def _session(self, account: Account) -> TokenSession:
        return TokenSession(account, self.refresh, margin=EXPIRY_MARGIN, when_missing=True)

    async def _upload(self, token: TokenSession, video: MediaFile, resource: dict[str, Any]) -> dict[str, Any]:
        """Send the file through a resumable session; after an interruption, ask how much arrived and go on."""
        size = file_size(video)
        with nothing_posted_yet():  # a video exists only once its last byte has arrived
            session = await token.call(self._open_session, video, size, resource)
        restarted, interruptions = False, 0
        offset, unsure = 0, False  # unsure: after an interruption, ask the session where to go on
        while True:
            try:
                if unsure:
                    progress = await token.call(self._ask_progress, session, size)
                else:
                    progress = await token.call(self._send_chunk, session, video, offset, size)
            except UploadSessionExpired:
                if restarted:
                    raise
                restarted, interruptions, offset, unsure = True, 0, 0, False
                with nothing_posted_yet():
                    session = await token.call(self._open_session, video, size, resource)
                continue
            except Retryable as error:
                if error.status not in (None, *INTERRUPTED) or interruptions >= RESUME_ATTEMPTS:
                    raise
                interruptions += 1
                await asyncio.sleep(self._resume_wait(interruptions, error))
                unsure = True
                continue
            if isinstance(progress, dict):
                return progress
            if progress > offset:
                interruptions = 0  # a few interruptions in a row are given up on, not a few per upload
            elif not unsure:  # a chunk of which nothing was kept
                interruptions += 1
                if interruptions > RESUME_ATTEMPTS:
                    raise Retryable('YouTube keeps taking none of the video', status=308)
            offset, unsure = progress, False

    def _resume_wait(self, attempt: int, error: Retryable) -> float:
        """Exponential backoff with jitter, or the server's Retry-After; a long wait is the engine's job."""
        if error.retry_after is not None:
            if error.retry_after > MAX_RESUME_WAIT_S:
                raise error
            return error.retry_after
        return self._resume_backoff_s * 2 ** (attempt - 1) * random.uniform(1.0, 1.5)

    async def _my_channels(self, access_token: str) -> dict[str, Any]:
        return await _send('GET', f'{self._api_url}/youtube/v3/channels', read=result_or_raise,
                           headers=_bearer(access_token), params={'part': 'snippet', 'mine': 'true'})

    async def _open_session(self, access_token: str, video: MediaFile, size: int, resource: dict[str, Any]) -> str:
        """Start a resumable upload; returns the session URI."""
        headers = _bearer(access_token) | {'X-Upload-Content-Length': str(size),
                                           'X-Upload-Content-Type': video.mime_type}
        response = await _send('POST', f'{self._api_url}/upload/youtube/v3/videos', headers=headers, json=resource,
                               params={'uploadType': 'resumable', 'part': 'snippet,status'})
        result_or_raise(response)
        session = response.headers.get('Location')
        if not session:
            raise Retryable('YouTube did not open an upload session', status=response.status_code)
        return session

    async def _send_chunk(self, access_token: str, session: str, video: MediaFile, offset: int,
                          size: int) -> int | dict[str, Any]:
        """PUT the bytes from `offset` (one chunk, read from disk as it goes out); returns the next offset or the
        video resource."""
        length = min(self._chunk_size, size - offset)
        headers = _bearer(access_token) | {'Content-Length': str(length),
                                           'Content-Range': f'bytes {offset}-{offset + length - 1}/{size}'}
        body = read_span(video, offset, length, block=READ_BLOCK)
        return await _send('PUT', session, read=upload_progress, headers=headers, content=body)

    async def _ask_progress(self, access_token: str, session: str, size: int) -> int | dict[str, Any]:
        """How much of the file the session holds (the offset to go on from), or the video when it is complete."""
        headers = _bearer(access_token) | {'Content-Length': '0', 'Content-Range': f'bytes */{size}'}
        return await _send('PUT', session, read=upload_progress, headers=headers, content=b'')


def result_or_raise(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful answer, or the typed error its status and error body describe.

    The only place that reads Google's error bodies: `{"error": {"code", "message", "errors": [{"reason"}]}}`
    from the API, `{"error": "invalid_grant", "error_description"}` from the token endpoint.
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    status = response.status_code
    if response.is_success:
        return body if isinstance(body, dict) else {}
    error = body.get('error') if isinstance(body, dict) else None
    retry_after = _retry_after(response)
    if isinstance(error, str):
        description = str(body.get('error_description') or error)
        if error in ('invalid_grant', 'invalid_client', 'unauthorized_client'):
            raise NeedsReconnect(f'Google refused the YouTube authorization: {description}', status=status)
        if status >= 500 or status == 429:
            raise Retryable(f'Google could not refresh the token: {description}', status=status,
                            retry_after=retry_after)
        raise Rejected(f'Google refused the token refresh: {description}', status=status)
    if not isinstance(error, dict):
        error = {}
    reasons = {str(item.get('reason')) for item in error.get('errors') or [] if isinstance(item, dict)}
    # the reasons stay in the words: they are what the post page's explanation of the error recognises
    named = f' ({", ".join(sorted(reasons))})' if reasons else ''
    message = str(error.get('message') or f'YouTube answered HTTP {status}') + named
    if 'quotaExceeded' in reasons:
        raise Rejected("The app's daily YouTube API quota is used up; try again after midnight Pacific time" + named,
                       status=status)
    if 'uploadLimitExceeded' in reasons:
        raise Rejected("The channel's YouTube upload limit was reached; YouTube allows more uploads within a day"
                       + named, status=status)
    if reasons & {'rateLimitExceeded', 'userRateLimitExceeded'} or status == 429:
        raise Retryable(message, status=status, retry_after=retry_after)
    if status == 401:
        raise AccessTokenRejected(message, status=status)
    if 'insufficientPermissions' in reasons:  # connected without the upload scope
        raise NeedsReconnect(message, status=status)
    if status >= 500 or status == 408:
        raise Retryable(message, status=status, retry_after=retry_after)
    raise Rejected(message, status=status)


def upload_progress(response: httpx.Response) -> int | dict[str, Any]:
    """What an upload session said: 308 → the offset to go on from (after `Range: bytes=0-N`, else 0);
    200/201 → the video resource. Raises UploadSessionExpired on 404, else as `result_or_raise`."""
    if response.status_code == 308:
        received = RANGE.fullmatch(response.headers.get('Range', '').strip())
        return int(received[1]) + 1 if received else 0
    if response.status_code == 404:
        raise UploadSessionExpired('The YouTube upload session expired', status=404)
    return result_or_raise(response)


def video_resource(content: PostContent) -> dict[str, Any]:
    """The `snippet` and `status` YouTube stores with the video. Raises Rejected for unusable options."""
    options = content.options
    title = str(options.get('title') or '').strip()
    if not title:
        raise Rejected('A YouTube video needs a title')
    privacy = str(options.get('privacy') or 'private')
    if privacy not in PRIVACY_STATUSES:
        raise Rejected(f'YouTube privacy must be public, unlisted or private, not {privacy!r}')
    snippet: dict[str, Any] = {'title': title, 'description': content.text}
    tags = options.get('tags')
    if tags:
        if not isinstance(tags, list | tuple) or not all(isinstance(tag, str) for tag in tags):
            raise Rejected('YouTube tags must be a list of words')
        snippet['tags'] = list(tags)
    status: dict[str, Any] = {'privacyStatus': privacy}
    if options.get('publish_at'):
        # YouTube publishes at publishAt only videos that are private until then
        status = {'privacyStatus': 'private', 'publishAt': _utc_iso(options['publish_at'])}
    return {'snippet': snippet, 'status': status}


def _the_video(content: PostContent) -> MediaFile:
    videos = [item for item in content.media if item.is_video]
    if len(videos) != 1 or len(content.media) != 1:
        raise Rejected(f'A YouTube post is exactly one video, not {len(content.media)} files '
                       f'({len(videos)} of them videos)')
    return videos[0]


def _bearer(access_token: str) -> dict[str, str]:
    return {'Authorization': f'Bearer {access_token}'}


def _utc_iso(value: Any) -> str:
    """`value` (a datetime or ISO text; naive means UTC) as YouTube's `2030-01-31T09:00:00Z`."""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise Rejected(f'The publishing time {value!r} is not an ISO 8601 date and time') from None
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get('Retry-After', '').strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        return max(0.0, (parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None
