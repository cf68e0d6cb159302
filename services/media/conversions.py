"""Converting a file for a platform that refuses it as it is: started from a page, run in a worker thread (one at a
time: the machine's cores serve pages too), its progress in the database so a reloaded page still shows it,
cancellable; the original stays, and the copy is stored beside it for that platform's channels (`variants`).

The result is written under an `.incoming-` name (never served, removed by the start-up sweep) and moved into place
only once whole: a crash leaves no half file, and the conversion shows as interrupted, to be started again.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import threading
import time
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import ConversionStatus, MediaAsset, MediaConversion, User, utcnow
from services.media import cleanup, convert
from services.media.facts import facts_of
from services.media.probe import probe
from services.media.stored_files import media_path, new_stored_name, poster_name
from services.platforms import registry
from services.team import permissions

log = logging.getLogger(__name__)
REPORT_EVERY_S = 0.5  # progress written (and a cancel noticed) at most this often
_ONE_AT_A_TIME = threading.Semaphore(1)
_RUNNING: set[asyncio.Task] = set()  # keeps each task referenced until it ends
_STOPPING = threading.Event()


def needs_conversion(asset: MediaAsset, platform: str) -> bool:
    """Whether `asset` (as it is, without any copy) breaks a rule of `platform` that converting it would fix."""
    spec = registry.find(platform)
    if spec is None or spec.converts_to is None:
        return False
    if not asset.mime_type.startswith('video/') and not spec.converts_to.photos:
        return False
    facts = [facts_of(asset)]
    return any(rule.convertible and rule.check('', facts, {}) is not None for rule in spec.rules)


async def start(media_id: int, platform: str, actor: User, *, ip: str = '') -> int:
    """Start converting `media_id` for `platform` (or return the one already under way); its id.

    Raises Forbidden when `actor` may not write posts, UserError when the file is gone or the platform converts
    nothing."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    spec = registry.find(platform)
    with db.session() as session:
        asset = session.get(MediaAsset, media_id)
        if asset is None:
            raise UserError(N_('This file was already deleted.'))
        if spec is None or spec.converts_to is None:
            raise UserError(N_('Files are not converted for this platform.'))
        row = session.exec(select(MediaConversion).where(MediaConversion.media_id == media_id,
                                                         MediaConversion.platform == platform)).first()
        if row is not None and row.status == ConversionStatus.RUNNING:
            return row.id
        row = row or MediaConversion(media_id=media_id, platform=platform)
        row.status, row.progress, row.error = ConversionStatus.RUNNING, 0.0, ''
        row.started_by, row.updated_at = actor.id, utcnow()
        session.add(row)
        session.flush()
        conversion_id = row.id
    _STOPPING.clear()  # services started again in this process (tests do)
    task = asyncio.create_task(asyncio.to_thread(_run, conversion_id))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return conversion_id


def cancel(conversion_id: int, actor: User, *, ip: str = '') -> None:
    """Stop a conversion under way (the worker notices within REPORT_EVERY_S and leaves nothing behind)."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    _set(conversion_id, ConversionStatus.CANCELLED, only_if_running=True)


def of_media(media_ids: list[int]) -> dict[tuple[int, str], MediaConversion]:
    """The conversion of each (file, platform) that has one, for `media_ids`."""
    if not media_ids:
        return {}
    with db.session() as session:
        rows = session.exec(select(MediaConversion).where(MediaConversion.media_id.in_(media_ids)))
        return {(row.media_id, row.platform): row for row in rows}


def mark_interrupted() -> int:
    """At start: conversions a stopped process was running can no longer finish. Returns how many."""
    _STOPPING.clear()
    with db.session() as session:
        return session.exec(sa.update(MediaConversion).where(MediaConversion.status == ConversionStatus.RUNNING)
                            .values(status=ConversionStatus.INTERRUPTED, updated_at=utcnow())).rowcount


async def stop() -> None:
    """At stop: conversions under way stop at their next report and show as interrupted at the next start."""
    _STOPPING.set()
    if _RUNNING:
        await asyncio.wait(list(_RUNNING), timeout=10)


def _run(conversion_id: int) -> None:
    """The worker: convert, probe the result, store it as the platform's copy; or record why not."""
    with _ONE_AT_A_TIME:
        with db.session() as session:
            row = session.get(MediaConversion, conversion_id)
            if row is None or row.status != ConversionStatus.RUNNING:
                return
            asset = session.get(MediaAsset, row.media_id)
            platform = row.platform
        uploads = get_settings().uploads_dir
        incoming = uploads / f'.incoming-{secrets.token_hex(16)}'
        try:
            _convert(asset, platform, incoming, conversion_id)
            variant_id = _keep(asset, platform, incoming)
        except convert.Cancelled:
            return
        except Exception as error:  # noqa: BLE001 - whatever stopped it is shown, and it can be tried again
            log.warning('converting media %s for %s failed: %s', asset.id, platform, error)
            _set(conversion_id, ConversionStatus.FAILED, error=str(error)[:500] or type(error).__name__)
            return
        finally:
            incoming.unlink(missing_ok=True)
        with db.session() as session:
            session.exec(sa.update(MediaConversion).where(MediaConversion.id == conversion_id).values(
                status=ConversionStatus.DONE, progress=1.0, variant_id=variant_id, updated_at=utcnow()))


def _convert(asset: MediaAsset, platform: str, incoming: Path, conversion_id: int) -> None:
    target = registry.get(platform).converts_to
    if asset.mime_type.startswith('video/'):
        convert.convert_video(media_path(asset), incoming, target, _reporter(conversion_id))
    else:
        convert.convert_photo(media_path(asset), incoming, target)


def _reporter(conversion_id: int):
    last = [0.0]

    def report(share: float) -> bool:
        now = time.monotonic()
        if now - last[0] < REPORT_EVERY_S and share < 1.0:
            return True
        last[0] = now
        if _STOPPING.is_set():
            return False  # left running in the database: the next start calls it interrupted
        with db.session() as session:
            session.exec(sa.update(MediaConversion).where(MediaConversion.id == conversion_id,
                                                          MediaConversion.status == ConversionStatus.RUNNING)
                         .values(progress=share, updated_at=utcnow()))
            status = session.exec(select(MediaConversion.status).where(MediaConversion.id == conversion_id)).first()
        return status == ConversionStatus.RUNNING

    return report


def _keep(asset: MediaAsset, platform: str, incoming: Path) -> int:
    """Store the converted file as `asset`'s copy for `platform` (replacing an older one); its id."""
    found = probe(incoming)
    digest = hashlib.sha256(incoming.read_bytes()).hexdigest()
    stem = PurePosixPath(asset.original_name).stem or 'media'
    label = f'{stem} ({registry.label(platform)}).{found.kind.ext}'
    stored_name = new_stored_name(found.kind.ext)
    uploads = get_settings().uploads_dir
    if found.poster_jpeg is not None:
        (uploads / poster_name(stored_name)).write_bytes(found.poster_jpeg)
    incoming.replace(uploads / stored_name)
    variant = MediaAsset(stored_path=stored_name, original_name=label[:255], mime_type=found.kind.mime_type,
                         size_bytes=(uploads / stored_name).stat().st_size, sha256=digest, width=found.width,
                         height=found.height, duration_s=found.duration_s, video_codec=found.video_codec,
                         audio_codec=found.audio_codec, frame_rate=found.frame_rate, bit_rate=found.bit_rate,
                         has_alpha=found.has_alpha if found.kind.pillow_format else None, variant_of=asset.id,
                         variant_for=platform, uploaded_by=asset.uploaded_by)
    try:
        with db.session() as session:
            older = list(session.exec(select(MediaAsset).where(MediaAsset.variant_of == asset.id,
                                                               MediaAsset.variant_for == platform)))
            for old in older:
                session.delete(old)
            session.add(variant)
            session.flush()
            variant_id = variant.id
    except BaseException:
        cleanup.remove_files(stored_name)
        raise
    for old in older:
        cleanup.remove_files(old.stored_path)
    return variant_id


def _set(conversion_id: int, status: ConversionStatus, *, error: str = '', only_if_running: bool = False) -> None:
    condition = [MediaConversion.id == conversion_id]
    if only_if_running:
        condition.append(MediaConversion.status == ConversionStatus.RUNNING)
    with db.session() as session:
        session.exec(sa.update(MediaConversion).where(*condition).values(status=status, error=error,
                                                                         updated_at=utcnow()))
