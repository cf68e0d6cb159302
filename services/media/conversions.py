"""Converting a file for a platform that refuses it as it is: started from a page or the API, run by a worker
process of its own (`conversion_worker`; one at a time per app process: the machine's cores serve pages too), its
progress in the database so a reloaded page still shows it, cancellable; the original stays, and the copy is stored
beside it for that platform's channels (`variants`).

The result is written under an `.incoming-` name (never served, removed when the worker ends and by the start-up
sweep) and moved into place only once whole: a crash of the worker or of the app leaves no half file, and the
conversion shows as interrupted, to be started again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import ConversionStatus, Framing, MediaAsset, MediaConversion, User, utcnow
from services.media.conversion_worker import Job, worker_name
from services.media.facts import facts_of
from services.platforms import registry
from services.team import permissions

log = logging.getLogger(__name__)
PROJECT_DIR = Path(__file__).resolve().parents[2]
STALE_AFTER = timedelta(minutes=5)  # a running conversion whose worker wrote nothing for this long is dead
STOP_GRACE_S = 5.0
_WORKERS: dict[int, asyncio.subprocess.Process] = {}  # conversion id → its worker, in this process
_RUNNING: set[asyncio.Task] = set()  # keeps each task referenced until it ends
# per event loop (tests start and stop the services on a new loop each time): one conversion at a time, and whether
# the services are stopping there
_slots: dict[asyncio.AbstractEventLoop, asyncio.Semaphore] = {}
_stopping: set[asyncio.AbstractEventLoop] = set()


def needs_conversion(asset: MediaAsset, platform: str, *, in_carousel: bool = False) -> bool:
    """Whether `asset` (as it is, without any copy) breaks a rule of `platform` that converting it would fix; with
    `in_carousel`, judged as one of several files of a post (where some platforms take fewer shapes)."""
    return bool(_broken(asset, platform, in_carousel))


def needs_framing(asset: MediaAsset, platform: str, *, in_carousel: bool = False) -> bool:
    """Whether the conversion must fit the video with bars or crop it (the user chooses): its aspect is refused."""
    return any(rule.framing for rule in _broken(asset, platform, in_carousel))


def _broken(asset: MediaAsset, platform: str, in_carousel: bool) -> list:
    spec = registry.find(platform)
    if spec is None or spec.converts_to is None:
        return []
    if not asset.mime_type.startswith('video/') and not spec.converts_to.photos:
        return []
    facts = [facts_of(asset)] * (2 if in_carousel else 1)  # the file beside one like it: judged as in a carousel
    return [rule for rule in spec.rules if (rule.convertible or rule.framing) and rule.check('', facts, {}) is not None]


async def start(media_id: int, platform: str, actor: User, *, framing: str = '', ip: str = '') -> int:
    """Start converting `media_id` for `platform` (or return the one already under way); its id. `framing`
    ('fit', 'crop' or '' to keep the aspect) says how a video is brought to an aspect the platform takes.

    Raises Forbidden when `actor` may not write posts, UserError when the file is gone, the platform converts
    nothing, or `framing` is not one of those."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    spec = registry.find(platform)
    if framing and framing not in set(Framing):
        raise UserError(N_('Choose to fit the video with bars or to crop it.'))
    with db.session() as session:
        asset = session.get(MediaAsset, media_id)
        if asset is None:
            raise UserError(N_('This file was already deleted.'))
        if spec is None or spec.converts_to is None:
            raise UserError(N_('Files are not converted for this platform.'))
        row = session.exec(select(MediaConversion).where(MediaConversion.media_id == media_id,
                                                         MediaConversion.platform == platform)).first()
        if row is not None and row.status == ConversionStatus.RUNNING and not _is_stale(row):
            return row.id
        row = row or MediaConversion(media_id=media_id, platform=platform)
        row.status, row.progress, row.error, row.framing = ConversionStatus.RUNNING, 0.0, '', framing
        row.started_by, row.worker, row.updated_at = actor.id, worker_name(), utcnow()
        session.add(row)
        session.flush()
        conversion_id = row.id
    job = Job(get_settings(), conversion_id, spec.converts_to, spec.label,
              get_settings().uploads_dir / f'.incoming-{secrets.token_hex(16)}', os.getpid())
    task = asyncio.create_task(_run(job))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)
    return conversion_id


def cancel(conversion_id: int, actor: User, *, ip: str = '') -> None:
    """Stop a conversion under way: its worker notices within a moment and leaves nothing behind.

    Raises Forbidden when `actor` may not write posts."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    _set(conversion_id, ConversionStatus.CANCELLED)


def of_media(media_ids: list[int]) -> dict[tuple[int, str], MediaConversion]:
    """The conversion of each (file, platform) that has one, for `media_ids`."""
    if not media_ids:
        return {}
    with db.session() as session:
        rows = session.exec(select(MediaConversion).where(MediaConversion.media_id.in_(media_ids)))
        return {(row.media_id, row.platform): row for row in rows}


def get(conversion_id: int) -> MediaConversion | None:
    """The conversion `conversion_id`, or None."""
    with db.session() as session:
        return session.get(MediaConversion, conversion_id)


def is_working(conversion_id: int) -> bool:
    """Whether a worker this process started still works on `conversion_id` (or has yet to clean up after it)."""
    return conversion_id in _WORKERS


def mark_interrupted() -> int:
    """At start: conversions no live process works on any more (their worker, or the app waiting to start it, is
    gone from this machine, or wrote nothing for STALE_AFTER) show as interrupted, to be started again. Returns how
    many."""
    with db.session() as session:
        running = list(session.exec(select(MediaConversion).where(MediaConversion.status == ConversionStatus.RUNNING)))
        dead = [row.id for row in running if _is_stale(row)]
        if dead:
            session.exec(sa.update(MediaConversion).where(MediaConversion.id.in_(dead),
                                                          MediaConversion.status == ConversionStatus.RUNNING)
                         .values(status=ConversionStatus.INTERRUPTED, updated_at=utcnow()))
    return len(dead)


async def stop() -> None:
    """At stop: workers under way are ended (their conversions show as interrupted, to be started again)."""
    _stopping.add(asyncio.get_running_loop())
    for process in list(_WORKERS.values()):
        with contextlib.suppress(ProcessLookupError):
            process.terminate()
    if _RUNNING:
        await asyncio.wait(list(_RUNNING), timeout=STOP_GRACE_S + 1)


def _is_stale(row: MediaConversion) -> bool:
    host, _, pid = (row.worker or '').rpartition(':')
    if host == worker_name().rpartition(':')[0] and pid.isdigit() and int(pid) != os.getpid():
        return not _alive(int(pid))
    updated = row.updated_at.replace(tzinfo=None) if row.updated_at.tzinfo else row.updated_at
    return not row.worker or updated < utcnow().replace(tzinfo=None) - STALE_AFTER


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _run(job: Job) -> None:
    """Start the job's worker when this process's turn comes, wait for it, and clean up after it: its unfinished
    result is removed, and a worker that died leaves its conversion interrupted, to be started again."""
    loop = asyncio.get_running_loop()
    async with _slots.setdefault(loop, asyncio.Semaphore(1)):
        waited = get(job.conversion_id)
        if loop in _stopping or waited is None or waited.status != ConversionStatus.RUNNING:
            return  # stopping (it shows as interrupted at the next start), or cancelled while it waited its turn
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, '-m', 'services.media.conversion_worker', cwd=PROJECT_DIR,
                stdin=subprocess.PIPE, start_new_session=True)  # a Ctrl-C in the terminal is the app's to handle
            _WORKERS[job.conversion_id] = process
            await process.communicate(pickle.dumps(job))
        except OSError as error:
            log.warning('the conversion worker for conversion %s could not start: %s', job.conversion_id, error)
            _set(job.conversion_id, ConversionStatus.FAILED, error=str(error)[:500])
            return
        finally:
            job.incoming.unlink(missing_ok=True)
            _WORKERS.pop(job.conversion_id, None)
    if process.returncode != 0:
        log.warning('the conversion worker for conversion %s ended with %s', job.conversion_id, process.returncode)
        _set(job.conversion_id, ConversionStatus.INTERRUPTED)


def _set(conversion_id: int, status: ConversionStatus, *, error: str = '') -> None:
    with db.session() as session:
        session.exec(sa.update(MediaConversion).where(MediaConversion.id == conversion_id,
                                                      MediaConversion.status == ConversionStatus.RUNNING)
                     .values(status=status, error=error, updated_at=utcnow()))
