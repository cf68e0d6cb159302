"""What the files of a media asset are called and where they are: the one place that knows the naming.

An asset is stored as `<32 hex>.<ext>` in `uploads_dir`; beside it may sit companions sharing its 32-hex stem: the
poster frame of a video (`<stem>.poster.jpg`, made at upload) and a JPEG copy of an image
(`<stem>.copy.jpg`, made at publish time for platforms that take nothing else, such as Instagram).
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path, PurePosixPath

from services.core.config import get_settings
from services.core.models import MediaAsset
from services.media.probe import KINDS

POSTER_SUFFIX = '.poster.jpg'
JPEG_COPY_SUFFIX = '.copy.jpg'
STORED_NAME = re.compile(r'[0-9a-f]{32}(?:\.(?:' + '|'.join(KINDS) + ')|' + re.escape(POSTER_SUFFIX) + '|'
                         + re.escape(JPEG_COPY_SUFFIX) + ')')


def new_stored_name(ext: str) -> str:
    """A fresh name for a file of type `ext` (a key of probe.KINDS)."""
    return f'{secrets.token_hex(16)}.{ext}'


def stem_of(name: str) -> str:
    """The 32-hex stem an asset's file and its companions share."""
    return PurePosixPath(name).name.partition('.')[0]


def poster_name(stored_name: str) -> str:
    """The name of the poster frame of the video stored as `stored_name`."""
    return stem_of(stored_name) + POSTER_SUFFIX


def jpeg_copy_name(stored_name: str) -> str:
    """The name of the JPEG copy of the image stored as `stored_name`."""
    return stem_of(stored_name) + JPEG_COPY_SUFFIX


def names_of(stored_name: str) -> tuple[str, ...]:
    """Every file an asset stored as `stored_name` may have: itself, its poster and its JPEG copy."""
    return stored_name, poster_name(stored_name), jpeg_copy_name(stored_name)


def stored_file(name: str) -> Path | None:
    """The path of `name` in the uploads folder if `name` is one this service gives files, else None.

    Only `<32 hex>.<allowed ext>`, `<32 hex>.poster.jpg` and `<32 hex>.copy.jpg` pass, and only if they resolve
    inside the folder (a symlink pointing elsewhere does not). The file may not exist.
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
    path = stored_file(poster_name(media_path(asset).name))
    return path if path is not None and path.is_file() else None


def thumbnail_name(asset: MediaAsset) -> str:
    """The stored name of the picture that shows `asset` small: a video's poster, or the image itself."""
    name = PurePosixPath(asset.stored_path).name
    return poster_name(name) if asset.mime_type.startswith('video/') else name
