"""Channel pictures, fetched by the server and kept in the data folder. A platform's picture address may carry a
secret (Telegram's holds the bot token) or expire within the hour, so pages only ever show `address(channel)`, which
the app serves from here.
"""
from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import httpx

from services.core.config import Settings
from services.core.models import Channel
from services.platforms.base import http_client

log = logging.getLogger(__name__)

MAX_BYTES = 2 * 1024 * 1024
TYPES = {b'\xff\xd8\xff': 'image/jpeg', b'\x89PNG\r\n\x1a\n': 'image/png', b'GIF87a': 'image/gif',
         b'GIF89a': 'image/gif'}  # by their first bytes; WebP is checked apart (RIFF....WEBP)
ROUTE = '/channel-picture/{channel_id}'
SECRET_ADDRESS = 'sha256:'  # what a channel keeps of an address that holds a credential (see channels._storable)


def address(channel: Channel) -> str | None:
    """Where a page loads the channel's picture from (a new picture, a new address); None when it has none."""
    if not channel.picture_url or channel.id is None:
        return None
    return ROUTE.format(channel_id=channel.id) + f'?v={_version(channel.picture_url)}'


def stored(channel: Channel, settings: Settings) -> tuple[Path, str] | None:
    """The channel's picture file and its type, when it was fetched; None otherwise."""
    if not channel.picture_url:
        return None
    path = _path(channel, settings)
    try:
        head = path.read_bytes()[:12] if path.is_file() else b''
    except OSError:
        return None
    kind = _image_type(head)
    return (path, kind) if kind else None


async def fetch(channel: Channel, settings: Settings, *, url: str | None = None) -> tuple[Path, str] | None:
    """The channel's picture, fetched from the platform unless already kept: an image (JPEG, PNG, GIF or WebP) up to
    MAX_BYTES. `url`: the platform's address when the channel keeps only its digest (one holding a credential).
    None when it has none, or it cannot be fetched or is not such an image (the reason is logged, never the address,
    which may hold a token)."""
    if not channel.picture_url:
        return None
    kept = stored(channel, settings)
    source = url or (None if channel.picture_url.startswith(SECRET_ADDRESS) else channel.picture_url)
    if kept is not None or source is None:
        return kept
    try:
        body = await _download(source)
    except (httpx.HTTPError, ValueError) as error:
        log.warning('The picture of channel %s could not be fetched: %s', channel.id, type(error).__name__)
        return None
    if _image_type(body[:12]) is None:
        log.warning('The picture of channel %s is not a JPEG, PNG, GIF or WebP image', channel.id)
        return None
    path = _path(channel, settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    for old in path.parent.glob(f'{channel.id}-*'):  # the pictures it had before
        old.unlink(missing_ok=True)
    partial = path.with_suffix('.part')
    partial.write_bytes(body)
    os.replace(partial, path)
    return stored(channel, settings)


async def _download(url: str) -> bytes:
    body = bytearray()
    async with http_client().stream('GET', url, follow_redirects=True) as response:
        if response.status_code != 200:
            raise ValueError(f'HTTP {response.status_code}')
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_BYTES:
                raise ValueError('too large')
    return bytes(body)


def _image_type(head: bytes) -> str | None:
    if head[:4] == b'RIFF' and head[8:12] == b'WEBP':
        return 'image/webp'
    return next((kind for magic, kind in TYPES.items() if head.startswith(magic)), None)


def _version(picture_url: str) -> str:
    return hashlib.sha256(picture_url.encode()).hexdigest()[:16]


def _path(channel: Channel, settings: Settings) -> Path:
    return settings.data_dir / 'channel-pictures' / f'{channel.id}-{_version(channel.picture_url)}'
