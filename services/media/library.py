"""Uploaded media: typed from its bytes, stored once per content, served by name or by a signed, expiring URL.

Files live in `uploads_dir` under names `stored_files` makes up; the user's file name is only a label in the
database. Types and sizes come from `probe`; deleting is `cleanup`'s job.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import MediaAsset, utcnow
from services.media import cleanup
from services.media.probe import MAX_IMAGE_PIXELS, Damaged, NotMedia, TooManyPixels, probe
from services.media.stored_files import (
    STORED_NAME,
    jpeg_copy_name,
    media_path,
    new_stored_name,
    poster_name,
    stored_file,
)

MB = 1024 * 1024
LABEL_LENGTH = 255

NOT_SUPPORTED = N_('The file %(name)s is not a supported image or video. Use JPEG, PNG, WebP, GIF, MP4, MOV or WebM.')
TOO_LARGE = N_('%(name)s is larger than %(limit)s MB. Upload a smaller or shorter file.')
EMPTY = N_('%(name)s is empty. Choose the file again.')
DAMAGED = N_('%(name)s looks damaged or incomplete. Save or export it again, then upload it.')
TOO_MANY_PIXELS = N_('%(name)s has more than %(limit)s megapixels. Make the picture smaller, then upload it.')
NO_PUBLIC_URL = N_('Instagram and TikTok fetch media from this app: set PUBLIC_BASE_URL to the address they can reach.')


class MediaRefused(UserError):
    """The upload was not stored (nothing of it is left on disk or in the database)."""


class PublicUrlMissing(UserError):
    """A platform must fetch media from this app, but no address it could reach is configured."""


async def store_upload(chunks: AsyncIterator[bytes], original_name: str, *, uploaded_by: int | None) -> MediaAsset:
    """Store the file streamed as `chunks` and return its row; content stored before comes back as the same row
    (counted as stored now, so the sweep of unused media leaves it a day again).

    `original_name` is only a label. Reads `chunks` once, stopping as soon as the size limit is passed.
    Raises MediaRefused when the file is empty, too large, of a type not allowed, or damaged.
    """
    label = ''.join(ch for ch in original_name if ch.isprintable()).strip()[:LABEL_LENGTH]
    uploads = get_settings().uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    incoming = uploads / f'.incoming-{secrets.token_hex(16)}'  # never matches STORED_NAME, so never served
    try:
        size, sha256 = await _receive(chunks, incoming, label)
        existing = await asyncio.to_thread(_stored_again, sha256)
        if existing is not None:
            return existing
        return await asyncio.to_thread(_keep, incoming, label, size, sha256, uploaded_by)
    finally:
        incoming.unlink(missing_ok=True)


async def _receive(chunks: AsyncIterator[bytes], target: Path, label: str) -> tuple[int, str]:
    """Write `chunks` to `target` while hashing them: (size, sha256 hex). Raises MediaRefused (too large, empty)."""
    limit_mb = get_settings().max_upload_mb
    digest = hashlib.sha256()
    size = 0
    try:
        with target.open('xb') as handle:
            async for chunk in chunks:
                size += len(chunk)
                if size > limit_mb * MB:
                    raise MediaRefused(TOO_LARGE, name=label, limit=limit_mb)
                await asyncio.to_thread(_write_and_hash, handle, digest, chunk)
    finally:
        close = getattr(chunks, 'aclose', None)  # stop the sender too when we stop early
        if close is not None:
            await close()
    if size == 0:
        raise MediaRefused(EMPTY, name=label)
    return size, digest.hexdigest()


def _write_and_hash(handle: BinaryIO, digest: hashlib._Hash, chunk: bytes) -> None:
    handle.write(chunk)
    digest.update(chunk)


def _keep(incoming: Path, label: str, size: int, sha256: str, uploaded_by: int | None) -> MediaAsset:
    """Probe the received file, move it (and a video's poster) to its stored name and add its row."""
    try:
        found = probe(incoming)
    except NotMedia:
        raise MediaRefused(NOT_SUPPORTED, name=label) from None
    except Damaged:
        raise MediaRefused(DAMAGED, name=label) from None
    except TooManyPixels:
        raise MediaRefused(TOO_MANY_PIXELS, name=label, limit=MAX_IMAGE_PIXELS // 1_000_000) from None
    stored_name = new_stored_name(found.kind.ext)
    asset = MediaAsset(stored_path=stored_name, original_name=label, mime_type=found.kind.mime_type,
                       size_bytes=size, sha256=sha256, width=found.width, height=found.height,
                       duration_s=found.duration_s, video_codec=found.video_codec, audio_codec=found.audio_codec,
                       frame_rate=found.frame_rate, bit_rate=found.bit_rate,
                       has_alpha=found.has_alpha if found.kind.pillow_format else None, uploaded_by=uploaded_by)
    uploads = get_settings().uploads_dir
    try:
        if found.poster_jpeg is not None:
            (uploads / poster_name(stored_name)).write_bytes(found.poster_jpeg)
        incoming.replace(uploads / stored_name)
        with db.session() as session:
            session.add(asset)
    except sa.exc.IntegrityError:
        cleanup.remove_files(stored_name)
        existing = _find_by_sha256(sha256)  # the same content, uploaded at the same moment by someone else
        if existing is None:
            raise
        return existing
    except BaseException:
        cleanup.remove_files(stored_name)
        raise
    return asset


def _stored_again(sha256: str) -> MediaAsset | None:
    """The row of content stored before, its time set to now (None when there is none, or it was just deleted)."""
    with db.session() as session:
        touched = session.exec(sa.update(MediaAsset).where(MediaAsset.sha256 == sha256).values(created_at=utcnow()))
        if not touched.rowcount:
            return None
    return _find_by_sha256(sha256)


def _find_by_sha256(sha256: str) -> MediaAsset | None:
    with db.session() as session:
        return session.exec(select(MediaAsset).where(MediaAsset.sha256 == sha256)).first()


def signed_url(asset: MediaAsset, *, expires_in: int = 3600) -> str:
    """An address where a platform can fetch `asset` without signing in, valid for `expires_in` seconds.

    Raises PublicUrlMissing when PUBLIC_BASE_URL is not set.
    """
    return _signed_url_for(media_path(asset).name, expires_in)


def signed_jpeg_url(asset: MediaAsset, *, expires_in: int = 3600) -> str:
    """Like `signed_url`, but of a JPEG version of an image (made once, beside the original, when it is not one).

    Raises PublicUrlMissing when PUBLIC_BASE_URL is not set.
    """
    if asset.mime_type == 'image/jpeg':
        return signed_url(asset, expires_in=expires_in)
    source = media_path(asset)
    name = jpeg_copy_name(source.name)
    target = stored_file(name)
    if target is not None and not target.is_file():
        from PIL import Image, ImageOps  # loaded when first needed, not at start

        with Image.open(source) as image:
            ImageOps.exif_transpose(image).convert('RGB').save(target, 'JPEG', quality=90)
    return _signed_url_for(name, expires_in)


def _signed_url_for(name: str, expires_in: int) -> str:
    base_url = get_settings().public_base_url
    if not base_url:
        raise PublicUrlMissing(NO_PUBLIC_URL)
    expires = int(time.time()) + expires_in
    return f'{base_url}/media/signed/{name}?expires={expires}&signature={_signature(name, expires)}'


def verify_signed(name: str, expires: int | str, signature: str) -> bool:
    """True when `signature` is the one `signed_url` gave `name` with `expires`, and that time has not passed."""
    try:
        expires_at = int(expires)
    except (TypeError, ValueError):
        return False
    if expires_at < time.time() or not STORED_NAME.fullmatch(name):
        return False
    return hmac.compare_digest(_signature(name, expires_at).encode(), signature.encode('utf-8', 'replace'))


def _signature(name: str, expires: int) -> str:
    # A key of its own, so a signature made here is worth nothing anywhere else the secret key signs.
    key = hmac.new(get_settings().secret_key.encode(), b'media-signed-url', 'sha256').digest()
    return hmac.new(key, f'{name}:{expires}'.encode(), 'sha256').hexdigest()
