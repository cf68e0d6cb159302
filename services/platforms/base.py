"""What every platform client speaks: the content handed to it, the result it returns, the errors it raises, the one
function every request goes through, and the one token session of every client whose tokens expire.

The engine decides about retries from the error type alone; clients never retry a publish on their own (except where
a protocol demands a follow-up call, such as Telegram's `migrate_to_chat_id`).
"""
from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol, TypeVar

import httpx

from services.platforms.transport import AiohttpTransport

T = TypeVar('T')


@dataclass(frozen=True)
class MediaFile:
    path: Path
    mime_type: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    # A public, expiring address of this file (under PUBLIC_BASE_URL), for platforms that pull media
    # (Instagram, TikTok photos); None when PUBLIC_BASE_URL is not set.
    url: str | None = None

    @property
    def is_video(self) -> bool:
        return self.mime_type.startswith('video/')


@dataclass(frozen=True)
class PostContent:
    text: str
    media: tuple[MediaFile, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)  # per-platform choices, e.g. a YouTube title
    # What an earlier run of this delivery saved with `checkpoint` before a crash cut it off; a client saves its
    # own state there before a step it must not repeat blindly (the engine keeps it in the database).
    resume: dict[str, Any] = field(default_factory=dict)
    checkpoint: Callable[[dict[str, Any]], None] | None = field(default=None, compare=False)


class CredentialStore(Protocol):
    """Where an account's credentials live (the database, for a connected account)."""

    def load(self) -> dict[str, str]:
        """The credentials as stored now."""

    def save(self, changes: dict[str, str]) -> None:
        """Store `changes` (merged into what is stored) at once."""


@dataclass
class Account:
    """One account as a client sees it. `credentials` (decrypted; never logged) change only through `keep`, the one
    way out for new values: a rotated token, a chat that moved. `store` keeps them at once, so whoever reads the
    account next (a retry, a check, the token renewal) finds them, even when the call that got them then failed."""
    platform: str
    credentials: dict[str, str] = field(repr=False)
    display_name: str = ''
    id: int | None = None
    store: CredentialStore | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.credentials = dict(self.credentials)  # the caller's dict is left as it was

    def keep(self, updates: Mapping[str, str]) -> None:
        """Use `updates` from now on and store them at once."""
        changed = {name: value for name, value in updates.items() if self.credentials.get(name) != value}
        if not changed:
            return
        self.credentials.update(changed)
        if self.store is not None:
            self.store.save(changed)

    def reload(self) -> None:
        """Take what is stored now (another call may have renewed a token meanwhile)."""
        if self.store is not None:
            self.credentials.update(self.store.load())


@dataclass(frozen=True)
class PublishResult:
    remote_id: str  # '' when the post is up but the platform did not say under which id
    remote_url: str | None = None


class PlatformError(Exception):
    """`message` is the platform's own words (shown to the user as the reason)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class Retryable(PlatformError):
    """Network error, timeout, 5xx, 429: try again later (after `retry_after` seconds when the platform says)."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class OutcomeUnknown(Retryable):
    """The request may have been carried out all the same (the connection broke after it went out, or the platform
    answered 5xx). The engine does not publish again after it unless the platform's client finds lost posts
    (`PlatformSpec.finds_lost_posts`); a client wraps the calls that cannot post anything in `nothing_posted_yet`."""


class NeedsReconnect(PlatformError):
    """The credentials are invalid, expired or revoked: the account must be connected again."""


class TokenRefused(NeedsReconnect):
    """The platform refused the access token: a token session renews it once before giving up."""


class Rejected(PlatformError):
    """The platform refused this post for good (too long, chat not found, forbidden...)."""


class PlatformClient(Protocol):
    """A platform's client. New credential values go out through `Account.keep` only; clients whose tokens expire
    use a `TokenSession` and also offer `refresh(account) -> dict` (the renewal itself)."""

    platform: str

    async def check(self, account: Account) -> str:
        """Verify the credentials; return the account's display name. Raises a PlatformError."""

    async def publish(self, content: PostContent, account: Account) -> PublishResult:
        """Post `content`; raises a PlatformError subclass when it did not happen."""


DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)
# raised before a byte of the request was sent; anything later may have reached the platform
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_http: httpx.AsyncClient | None = None


class _NoCookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        pass


class _SharedClient(httpx.AsyncClient):
    """Keeps no cookies: the platforms' APIs go by tokens, and on a client shared by every account one account's
    cookie must never go out with another's request. (Reading each answer's cookies into a jar was also a third of
    httpx's own CPU per request.)"""

    @property
    def cookies(self) -> httpx.Cookies:
        return _NoCookies()


def http_client() -> httpx.AsyncClient:
    """The one shared HTTP client (connection pooling, timeouts) for every platform."""
    global _http
    if _http is None or _http.is_closed:
        _http = _SharedClient(timeout=DEFAULT_TIMEOUT, follow_redirects=False, transport=AiohttpTransport())
    return _http


async def send(platform: str, method: str, url: str, *, read: Callable[[httpx.Response], T] | None = None,
               **request: Any) -> Any:
    """The one way every request leaves: on the shared client, answered through `read` (the platform's one place
    that turns statuses and error bodies into Retryable, NeedsReconnect or Rejected), or the bare response.

    Raises Retryable when the request never left (no connection could be made), OutcomeUnknown when the connection
    failed after that: `platform` names who could not be reached.
    """
    try:
        response = await http_client().request(method, url, **request)
    except httpx.TransportError as error:
        kind = Retryable if isinstance(error, NOT_SENT) else OutcomeUnknown
        raise kind(f'{platform} could not be reached ({str(error) or type(error).__name__})') from error
    return response if read is None else read(response)


@contextmanager
def nothing_posted_yet() -> Iterator[None]:
    """Inside, an unknown outcome is a plain Retryable: these requests cannot have posted anything (a token renewal,
    a check, opening an upload), so the engine may send the post again."""
    try:
        yield
    except OutcomeUnknown as error:
        raise Retryable(error.message, status=error.status, retry_after=error.retry_after) from error


async def close_http_client() -> None:
    global _http
    if _http is not None:
        await _http.aclose()
        _http = None


def token_expired(expires_at: str | None, margin: timedelta, *, when_missing: bool) -> bool:
    """True when `expires_at` (ISO 8601; naive means UTC) is less than `margin` away or past, or unreadable;
    `when_missing` when it is empty."""
    if not expires_at:
        return when_missing
    try:
        moment = datetime.fromisoformat(expires_at)
    except ValueError:
        return True
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment - margin <= datetime.now(UTC)


# One renewal at a time per stored account: a refresh token that rotates works once.
_renewing: weakref.WeakValueDictionary[tuple[str, int], asyncio.Lock] = weakref.WeakValueDictionary()


class TokenSession:
    """An account's access token during one check or publish: renewed first when it expires within `margin` (or is
    missing, when `when_missing`), and once more when the platform refuses it (TokenRefused). Every renewal is kept
    at once through `Account.keep`; a renewal that fails while the old token is still valid leaves that in use.

    `renew(account)` is the client's own exchange (e.g. its refresh token for a new access token); it returns the
    new credential values (`access_token`, `expires_at`, a rotated `refresh_token`...).
    """

    def __init__(self, account: Account, renew: Callable[[Account], Awaitable[dict[str, str]]], *,
                 margin: timedelta = timedelta(0), when_missing: bool = False) -> None:
        self.account, self._renew = account, renew
        self._margin, self._when_missing = margin, when_missing
        self._renewed_after_refusal = False

    async def token(self) -> str:
        """The access token to send, renewed first when it is due."""
        credentials = self.account.credentials
        if not credentials.get('access_token') or token_expired(credentials.get('expires_at'), self._margin,
                                                                  when_missing=self._when_missing):
            try:
                await self.renew()
            except (Retryable, Rejected):
                if not self._still_valid():
                    raise
        return self.account.credentials.get('access_token', '')

    async def call(self, request: Callable[..., Awaitable[T]], *args: Any) -> T:
        """`await request(access_token, *args)` with a usable token; renewed once if the platform refuses it."""
        token = await self.token()
        try:
            return await request(token, *args)
        except TokenRefused:
            if self._renewed_after_refusal:
                raise
            self._renewed_after_refusal = True
            await self.renew(refused=token)
            return await request(self.account.credentials.get('access_token', ''), *args)

    async def renew(self, *, refused: str | None = None) -> None:
        """Renew the token now and keep the new values. When another call renewed it meanwhile, its token is
        used instead (a second renewal with a rotated-away refresh token would fail). Raises a PlatformError."""
        held = self.account.credentials.get('access_token', '') if refused is None else refused
        key = (self.account.platform, self.account.id)
        lock = _renewing.setdefault(key, asyncio.Lock()) if self.account.id is not None else asyncio.Lock()
        async with lock:
            self.account.reload()
            current = self.account.credentials
            if current.get('access_token', '') != held and current.get('access_token') and not token_expired(
                    current.get('expires_at'), self._margin, when_missing=False):
                return
            with nothing_posted_yet():
                fresh = await self._renew(self.account)
            self.account.keep(fresh)

    def _still_valid(self) -> bool:
        credentials = self.account.credentials
        return bool(credentials.get('access_token')) and not token_expired(
            credentials.get('expires_at'), timedelta(0), when_missing=self._when_missing)


async def token_request(platform: str, url: str, form: dict[str, str]) -> dict[str, Any]:
    """POST an OAuth token request (a code or a token to trade); the JSON answer holding an `access_token`
    (at its top or in `data[0]`). Raises a PlatformError with the platform's reason."""
    response = await send(platform, 'POST', url, data=form, headers={'Accept': 'application/json'})
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise PlatformError(f'HTTP {response.status_code} without a token', status=response.status_code)
    found = body['data'][0] if isinstance(body.get('data'), list) and body['data'] else body
    if response.is_success and isinstance(found, dict) and found.get('access_token') and not body.get('error'):
        return body
    raise PlatformError(_token_refusal(body, response.status_code), status=response.status_code)


def _token_refusal(body: dict[str, Any], status: int) -> str:
    """The words of a token endpoint's refusal, whichever shape it has (OAuth, Graph API, Instagram's own)."""
    error = body.get('error')
    if isinstance(error, dict):
        return str(error.get('message') or error.get('code') or f'HTTP {status}')
    words = body.get('error_description') or body.get('error_message') or error or f'HTTP {status}'
    return f'{words} ({error})' if error and words != error else str(words)


def expires_at_after(lifetime: Any, default_s: float) -> str:
    """ISO 8601 (UTC) of `lifetime` seconds from now (`default_s` when it is not a number)."""
    seconds = lifetime if isinstance(lifetime, int | float) else default_s
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat(timespec='seconds')


def file_size(media: MediaFile) -> int:
    """The size of `media` on disk in bytes. Raises Rejected when it cannot be read or is empty."""
    try:
        size = media.path.stat().st_size
    except OSError as error:
        raise Rejected(f'The file {media.path.name} cannot be read ({error.strerror or error})') from error
    if not size:
        raise Rejected(f'The file {media.path.name} is empty')
    return size


async def read_span(media: MediaFile, first: int, length: int, *, block: int) -> AsyncIterator[bytes]:
    """`length` bytes of `media` from byte `first`, `block` bytes at a time, as an upload body.

    Opens the file afresh, so every attempt at a chunk gets its own reader, and never holds more than a block.
    Raises Rejected when the file cannot be read or ends early (it changed during the upload).
    """
    try:
        with media.path.open('rb') as file:
            file.seek(first)
            while length > 0:
                piece = file.read(min(block, length))
                if not piece:
                    raise Rejected(f'The file {media.path.name} became shorter while it was being uploaded')
                length -= len(piece)
                yield piece
    except OSError as error:
        raise Rejected(f'The file {media.path.name} cannot be read ({error.strerror or error})') from error
