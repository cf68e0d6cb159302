"""Uploaded media: typed from its bytes, stored once per content, served by name or by a signed, expiring URL.

Files live in `uploads_dir` under names this service makes up (`<32 hex>.<ext>`, videos also `<32 hex>.poster.jpg`);
the user's file name is only a label in the database. Types and sizes come from `services.media_probe`.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
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
from services.core.models import MediaAsset, PostMedia
from services.media.probe import KINDS, MAX_IMAGE_PIXELS, Damaged, NotMedia, TooManyPixels, probe

MB = 1024 * 1024
LABEL_LENGTH = 255
POSTER_SUFFIX = '.poster.jpg'
JPEG_COPY_SUFFIX = '.copy.jpg'  # a JPEG made at publish time for platforms that take nothing else (Instagram)
STORED_NAME = re.compile(r'[0-9a-f]{32}(?:\.(?:' + '|'.join(KINDS) + ')|' + re.escape(POSTER_SUFFIX) + '|'
                         + re.escape(JPEG_COPY_SUFFIX) + ')')

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
    """Store the file streamed as `chunks` and return its row; content stored before comes back as the same row.

    `original_name` is only a label. Reads `chunks` once, stopping as soon as the size limit is passed.
    Raises MediaRefused when the file is empty, too large, of a type not allowed, or damaged.
    """
    label = ''.join(ch for ch in original_name if ch.isprintable()).strip()[:LABEL_LENGTH]
    uploads = get_settings().uploads_dir
    uploads.mkdir(parents=True, exist_ok=True)
    incoming = uploads / f'.incoming-{secrets.token_hex(16)}'  # never matches STORED_NAME, so never served
    try:
        size, sha256 = await _receive(chunks, incoming, label)
        existing = await asyncio.to_thread(_find_by_sha256, sha256)
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
    stored_name = f'{secrets.token_hex(16)}.{found.kind.ext}'
    asset = MediaAsset(stored_path=stored_name, original_name=label, mime_type=found.kind.mime_type,
                       size_bytes=size, sha256=sha256, width=found.width, height=found.height,
                       duration_s=found.duration_s, uploaded_by=uploaded_by)
    uploads = get_settings().uploads_dir
    try:
        if found.poster_jpeg is not None:
            (uploads / _poster_name(stored_name)).write_bytes(found.poster_jpeg)
        incoming.replace(uploads / stored_name)
        with db.session() as session:
            session.add(asset)
    except sa.exc.IntegrityError:
        _remove_files(stored_name)
        existing = _find_by_sha256(sha256)  # the same content, uploaded at the same moment by someone else
        if existing is None:
            raise
        return existing
    except BaseException:
        _remove_files(stored_name)
        raise
    return asset


def _find_by_sha256(sha256: str) -> MediaAsset | None:
    with db.session() as session:
        return session.exec(select(MediaAsset).where(MediaAsset.sha256 == sha256)).first()


def delete_if_unused(media_id: int) -> bool:
    """Delete media `media_id`, its row and its files, unless a post uses it. True when it was deleted."""
    try:
        with db.session() as session:
            asset = session.get(MediaAsset, media_id)
            if asset is None or session.exec(select(PostMedia).where(PostMedia.media_id == media_id)).first():
                return False
            session.delete(asset)
    except sa.exc.IntegrityError:  # a post took it up meanwhile: the foreign key refused the delete
        return False
    _remove_files(asset.stored_path)
    return True


def _remove_files(stored_name: str) -> None:
    for name in (stored_name, _poster_name(stored_name), stored_name.partition('.')[0] + JPEG_COPY_SUFFIX):
        path = stored_file(name)
        if path is not None:
            path.unlink(missing_ok=True)


def sweep_leftovers() -> int:
    """Delete files a crash left behind: uploads cut off mid-way, and files whose row was never committed.

    Call it at start, before uploads are served. Returns how many files went.
    """
    uploads = get_settings().uploads_dir
    if not uploads.is_dir():
        return 0
    with db.session() as session:
        known = {name.partition('.')[0] for name in session.exec(select(MediaAsset.stored_path))}
    removed = 0
    for path in uploads.iterdir():
        cut_off = path.name.startswith('.incoming-')
        orphan = STORED_NAME.fullmatch(path.name) is not None and path.name.partition('.')[0] not in known
        if path.is_file() and (cut_off or orphan):
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _poster_name(stored_name: str) -> str:
    return stored_name.partition('.')[0] + POSTER_SUFFIX


def stored_file(name: str) -> Path | None:
    """The path of `name` in the uploads folder if `name` is one this service gives files, else None.

    Only `<32 hex>.<allowed ext>` and `<32 hex>.poster.jpg` pass, and only if they resolve inside the folder
    (a symlink pointing elsewhere does not). The file may not exist.
    """
    if not STORED_NAME.fullmatch(name):
        return None
    uploads = get_settings().uploads_dir.resolve()
    path = (uploads / name).resolve()
    return path if path.parent == uploads else None


def stored_mime_type(name: str) -> str:
    """The MIME type of a stored name (the extension was chosen from the detected type)."""
    if name.endswith((POSTER_SUFFIX, JPEG_COPY_SUFFIX)):
        return 'image/jpeg'
    return KINDS[name.rpartition('.')[2]].mime_type


def media_path(asset: MediaAsset) -> Path:
    """Where the file of `asset` is. Raises ValueError if its stored name would lead outside the uploads folder."""
    path = stored_file(asset.stored_path)
    if path is None:
        raise ValueError(f'not a stored media name: {asset.stored_path!r}')
    return path


def poster_path(asset: MediaAsset) -> Path | None:
    """The poster frame (JPEG) of a video asset, or None for images and videos without one."""
    if not asset.mime_type.startswith('video/'):
        return None
    path = stored_file(_poster_name(media_path(asset).name))
    return path if path is not None and path.is_file() else None


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
    name = source.name.partition('.')[0] + JPEG_COPY_SUFFIX
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
