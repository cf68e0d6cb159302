"""What every platform client speaks: the content handed to it, the result it returns, the errors it raises.

The engine decides about retries from the error type alone; clients never retry on their own (except where a
protocol demands a follow-up call, such as Telegram's `migrate_to_chat_id`).
"""
from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import httpx


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


@dataclass(frozen=True)
class Account:
    platform: str
    credentials: dict[str, str]  # decrypted; never logged
    display_name: str = ''
    id: int | None = None


@dataclass(frozen=True)
class PublishResult:
    remote_id: str  # '' when the post is up but the platform did not say under which id
    remote_url: str | None = None
    credential_updates: dict[str, str] = field(default_factory=dict)  # e.g. a chat id that moved


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
    answered 5xx). Before repeating a call that must happen once, such as publishing, ask the platform."""


class NeedsReconnect(PlatformError):
    """The credentials are invalid, expired or revoked: the account must be connected again."""


class Rejected(PlatformError):
    """The platform refused this post for good (too long, chat not found, forbidden...)."""


class PlatformClient(Protocol):
    """Clients whose tokens expire refresh them inside `check`/`publish` and hand the new values back
    (`PublishResult.credential_updates`, or `refreshed_credentials` after `check`): the caller stores them."""

    platform: str

    async def check(self, account: Account) -> str:
        """Verify the credentials; return the account's display name. Raises a PlatformError."""

    async def publish(self, content: PostContent, account: Account) -> PublishResult:
        """Post `content`; raises a PlatformError subclass when it did not happen."""


DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=60.0, write=60.0, pool=10.0)
# raised before a byte of the request was sent; anything later may have reached the platform
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_http: httpx.AsyncClient | None = None


def http_client() -> httpx.AsyncClient:
    """The one shared HTTP client (connection pooling, timeouts) for every platform."""
    global _http
    if _http is None or _http.is_closed:
        _http = httpx.AsyncClient(timeout=DEFAULT_TIMEOUT, follow_redirects=False)
    return _http


async def send(platform: str, method: str, url: str, **request: Any) -> httpx.Response:
    """One request on the shared client. Raises Retryable when it never left (no connection could be made), and
    OutcomeUnknown when the connection failed after that: `platform` names who could not be reached."""
    try:
        return await http_client().request(method, url, **request)
    except httpx.TransportError as error:
        kind = Retryable if isinstance(error, NOT_SENT) else OutcomeUnknown
        raise kind(f'{platform} could not be reached ({str(error) or type(error).__name__})') from error


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
