"""What the post rules know of a stored file: the one place a `MediaAsset` becomes `MediaFacts`.

Files stored before the probe read codecs, frame rate, bit rate and transparency (before migration 0012) have none
of them: they are read from the file the first time they are needed (the checks, the library) and stored, so once.
A file the probe cannot read any more is tried once per process and then judged on what is known.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa

from services.core import db
from services.core.models import MediaAsset
from services.platforms.spec import MediaFacts

log = logging.getLogger(__name__)
_UNREADABLE: set[int] = set()  # ids of files the probe failed on in this process


def facts_of(asset: MediaAsset) -> MediaFacts:
    """The figures of `asset` as the probe found them (read from the file first if they never were), named as the
    user named the file."""
    complete([asset])
    return MediaFacts(asset.mime_type, asset.size_bytes, asset.width, asset.height, asset.duration_s,
                      name=asset.original_name, video_codec=asset.video_codec, audio_codec=asset.audio_codec,
                      frame_rate=asset.frame_rate, bit_rate=asset.bit_rate, has_alpha=asset.has_alpha)


def complete(assets: Iterable[MediaAsset]) -> int:
    """Read and store the facts of each of `assets` that has never had them (each changed in place). Blocking: a
    video's probe reads its every packet. Returns how many were read."""
    read = 0
    for asset in assets:
        if _never_probed(asset):
            read += _probe_and_store(asset)
    return read


def _never_probed(asset: MediaAsset) -> bool:
    if asset.id is None or asset.id in _UNREADABLE:
        return False
    return asset.video_codec is None if asset.mime_type.startswith('video/') else asset.has_alpha is None


def _probe_and_store(asset: MediaAsset) -> bool:
    from services.media.probe import probe
    from services.media.stored_files import media_path

    try:
        found = probe(media_path(asset))
    except Exception as error:  # noqa: BLE001 - gone, damaged or unreadable: judged on what is known
        log.warning('could not read the facts of media %s (%s): %s', asset.id, asset.original_name, error)
        _UNREADABLE.add(asset.id)
        return False
    facts = {'video_codec': found.video_codec, 'audio_codec': found.audio_codec, 'frame_rate': found.frame_rate,
             'bit_rate': found.bit_rate, 'has_alpha': found.has_alpha if found.kind.pillow_format else None}
    if found.kind.pillow_format is None and not found.video_codec:
        _UNREADABLE.add(asset.id)
    with db.session() as session:
        session.exec(sa.update(MediaAsset).where(MediaAsset.id == asset.id).values(**facts))
    for name, value in facts.items():
        setattr(asset, name, value)
    return True
