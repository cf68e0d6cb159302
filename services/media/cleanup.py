"""Deleting media: the one module that removes an asset's row and files (its poster and JPEG copy included).

Three ways lead here: a file removed in the composer or the media of a deleted post (`delete_if_unused`, at once),
assets no post has used for a day (`delete_unused_media`, run every SWEEP_INTERVAL_S by `start_unused_media_sweep`
in small batches), and files a crash left without a row (`sweep_leftovers`, at start and with that sweep).
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.config import get_settings
from services.core.models import MediaAsset, PostMedia, utcnow
from services.core.periodic import Periodic
from services.media.stored_files import STORED_NAME, names_of, stem_of, stored_file

log = logging.getLogger(__name__)
UNUSED_FOR = timedelta(days=1)  # an upload no post took up within this long is deleted
LEFTOVER_AGE = timedelta(minutes=15)  # a half-written file nobody touched for this long was left by a crash
SWEEP_INTERVAL_S = 3600.0
FIRST_SWEEP_DELAY_S = 60.0  # let start-up (recovery, scheduler) finish first
BATCH = 50  # assets per database round: a sweep never holds the database, or the loop, for long
BATCH_PAUSE_S = 0.1



def delete_if_unused(media_id: int, *, stored_before: datetime | None = None) -> bool:
    """Delete media `media_id`, its row and its files, unless a post uses it (or, with `stored_before`, it was
    stored or uploaded again since). True when it was deleted."""
    try:
        with db.session() as session:
            stored_name = session.exec(select(MediaAsset.stored_path).where(MediaAsset.id == media_id)).first()
            if stored_name is None:
                return False
            # its converted copies go with it (their rows by the foreign key's cascade)
            copies = list(session.exec(select(MediaAsset.stored_path).where(MediaAsset.variant_of == media_id)))
            conditions = [MediaAsset.id == media_id, ~sa.exists().where(PostMedia.media_id == media_id)]
            if stored_before is not None:
                conditions.append(MediaAsset.created_at < stored_before)
            deleted = session.exec(sa.delete(MediaAsset).where(*conditions)).rowcount
    except sa.exc.IntegrityError:  # a post took it up meanwhile: the foreign key refused the delete
        return False
    if not deleted:
        return False
    for name in [stored_name, *copies]:
        remove_files(name)
    return True


def delete_unused_media(*, older_than: timedelta = UNUSED_FOR, now: datetime | None = None,
                        limit: int = BATCH) -> int:
    """Delete up to `limit` assets stored (or uploaded again) more than `older_than` before `now` that no post
    uses, with their files. Returns how many went; fewer than `limit` means none are left for now."""
    cutoff = (now or utcnow()) - older_than
    unused = ~sa.exists().where(PostMedia.media_id == MediaAsset.id) & MediaAsset.variant_of.is_(None)
    with db.session() as session:
        ids = list(session.exec(select(MediaAsset.id).where(MediaAsset.created_at < cutoff, unused)
                                .order_by(MediaAsset.id).limit(limit)))
    return sum(delete_if_unused(media_id, stored_before=cutoff) for media_id in ids)


def remove_files(stored_name: str) -> None:
    """Delete the files of the asset stored as `stored_name` (the caller has deleted its row, or never made it)."""
    for name in names_of(stored_name):
        path = stored_file(name)
        if path is not None:
            path.unlink(missing_ok=True)


def sweep_leftovers() -> int:
    """Delete files a crash left behind: uploads or conversions cut off mid-way, and files whose row was never
    committed, once untouched for LEFTOVER_AGE: on a shared uploads folder another process may be writing one right
    now (an upload streams, a conversion writes, a stored file's row commits a moment later).

    Runs at start and with the hourly sweep. Returns how many files went.
    """
    uploads = get_settings().uploads_dir
    if not uploads.is_dir():
        return 0
    with db.session() as session:
        known = {stem_of(name) for name in session.exec(select(MediaAsset.stored_path))}
    removed, touched_before = 0, time.time() - LEFTOVER_AGE.total_seconds()
    for path in uploads.iterdir():
        cut_off = path.name.startswith('.incoming-')
        orphan = STORED_NAME.fullmatch(path.name) is not None and stem_of(path.name) not in known
        if path.is_file() and (cut_off or orphan) and path.stat().st_mtime < touched_before:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def start_unused_media_sweep() -> None:
    """Delete unused media every SWEEP_INTERVAL_S from now on (once per process, however often start-up runs)."""
    SWEEP.start()


async def stop_unused_media_sweep() -> None:
    await SWEEP.stop()


async def sweep_unused_media() -> int:
    """Delete every asset `delete_unused_media` would, a batch at a time in a worker thread, and what a crash left
    (`sweep_leftovers`). Returns how many assets went."""
    await asyncio.to_thread(sweep_leftovers)
    total = 0
    while True:
        deleted = await asyncio.to_thread(delete_unused_media, limit=BATCH)
        total += deleted
        if deleted < BATCH:
            break
        await asyncio.sleep(BATCH_PAUSE_S)
    if total:
        log.info('deleted %d photo(s) or video(s) no post had used for %s', total, UNUSED_FOR)
    return total


SWEEP = Periodic('the unused media sweep', sweep_unused_media, first_delay_s=FIRST_SWEEP_DELAY_S,
                 interval_s=SWEEP_INTERVAL_S)
