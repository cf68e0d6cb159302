"""The process that converts one file (`python -m services.media.conversion_worker`, started by `conversions`):
FFmpeg's memory and CPU stay out of the app's process, so pages keep being served and the app's memory stays as it
was.

It reads its `Job` (pickled by the app that started it) from stdin, writes its progress and heartbeat to the
conversion's row, stops when the row is no longer running (cancelled) or its app is gone, and stores the result as
the platform's copy only while the row still says running: a cancel at any moment leaves no copy. The result is
written to the job's `incoming` name and moved into place only once whole; the worker removes what is left of it when
it ends, and so does the app when its worker was killed.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.config import Settings, configure
from services.core.models import ConversionStatus, MediaAsset, MediaConversion, utcnow
from services.platforms.spec import ConversionTarget

log = logging.getLogger(__name__)
REPORT_EVERY_S = 0.5  # progress and heartbeat written (and a cancel noticed) at most this often
NICENESS = 10  # a background job: the app's pages get the cores first


class Stopped(Exception):
    """The conversion is no longer wanted: cancelled, or the app that started it is gone."""


@dataclass(frozen=True)
class Job:
    settings: Settings
    conversion_id: int
    target: ConversionTarget
    label: str  # the platform's name, as the copy's file name shows it
    incoming: Path  # where the result is written until it is whole
    app_pid: int  # the app process that started it: when it is gone, the conversion stops


def worker_name(pid: int | None = None) -> str:
    """How a conversion's row names the process working on it: 'host:pid'."""
    return f'{socket.gethostname()}:{pid or os.getpid()}'


def run(job: Job) -> None:
    """Convert the job's file, probe the result and store it as the platform's copy; or record why not (FAILED with
    the reason, INTERRUPTED when the app went away). Returns once the row says what became of it."""
    configure(job.settings)
    db.init_db(job.settings.database_url)
    with db.session() as session:
        row = session.get(MediaConversion, job.conversion_id)
        if row is None or row.status != ConversionStatus.RUNNING:
            return
        asset = session.get(MediaAsset, row.media_id)
        framing = row.framing
        row.worker, row.updated_at = worker_name(), utcnow()
        session.add(row)
    try:
        _convert(asset, job, framing)
        _keep(asset, job)
    except Stopped:
        return
    except Exception as error:  # noqa: BLE001 - whatever stopped it is shown, and it can be tried again
        log.warning('converting media %s for %s failed: %s', asset.id, job.label, error)
        _finish(job.conversion_id, ConversionStatus.FAILED, error=str(error)[:500] or type(error).__name__)
    finally:
        job.incoming.unlink(missing_ok=True)  # its app may be gone (killed) and unable to remove it


def _convert(asset: MediaAsset, job: Job, framing: str) -> None:
    from services.media import convert
    from services.media.stored_files import media_path

    if asset.mime_type.startswith('video/'):
        try:
            convert.convert_video(media_path(asset), job.incoming, job.target, _reporter(job), framing)
        except convert.Cancelled:
            raise Stopped from None
    else:
        convert.convert_photo(media_path(asset), job.incoming, job.target)


def _reporter(job: Job):
    last = [0.0]

    def report(share: float) -> bool:
        now = time.monotonic()
        if now - last[0] < REPORT_EVERY_S and share < 1.0:
            return True
        last[0] = now
        if os.getppid() != job.app_pid:  # the app died (killed): nobody shows this any more; it can be restarted
            _finish(job.conversion_id, ConversionStatus.INTERRUPTED)
            return False
        with db.session() as session:
            running = session.exec(sa.update(MediaConversion).where(
                MediaConversion.id == job.conversion_id, MediaConversion.status == ConversionStatus.RUNNING)
                .values(progress=share, updated_at=utcnow())).rowcount
        return bool(running)

    return report


def _keep(asset: MediaAsset, job: Job) -> None:
    """Store the converted file as `asset`'s copy for the job's platform (replacing an older one) and mark the
    conversion done, in one transaction that holds only while the conversion is still running."""
    from services.media import cleanup
    from services.media.probe import probe
    from services.media.stored_files import new_stored_name, poster_name

    with db.session() as session:
        platform = session.get(MediaConversion, job.conversion_id).platform
    found = probe(job.incoming)
    digest = _sha256(job.incoming)
    stem = PurePosixPath(asset.original_name).stem or 'media'
    stored_name = new_stored_name(found.kind.ext)
    uploads = job.settings.uploads_dir
    if found.poster_jpeg is not None:
        (uploads / poster_name(stored_name)).write_bytes(found.poster_jpeg)
    job.incoming.replace(uploads / stored_name)
    variant = MediaAsset(stored_path=stored_name, original_name=f'{stem} ({job.label}).{found.kind.ext}'[:255],
                         mime_type=found.kind.mime_type, size_bytes=(uploads / stored_name).stat().st_size,
                         sha256=digest, width=found.width, height=found.height, duration_s=found.duration_s,
                         video_codec=found.video_codec, audio_codec=found.audio_codec, frame_rate=found.frame_rate,
                         bit_rate=found.bit_rate, has_alpha=found.has_alpha if found.kind.pillow_format else None,
                         variant_of=asset.id, variant_for=platform, uploaded_by=asset.uploaded_by)
    try:
        with db.session() as session:
            older = list(session.exec(select(MediaAsset).where(MediaAsset.variant_of == asset.id,
                                                               MediaAsset.variant_for == platform)))
            for old in older:
                session.delete(old)
            session.add(variant)
            session.flush()
            done = session.exec(sa.update(MediaConversion).where(
                MediaConversion.id == job.conversion_id, MediaConversion.status == ConversionStatus.RUNNING)
                .values(status=ConversionStatus.DONE, progress=1.0, variant_id=variant.id, updated_at=utcnow()))
            if not done.rowcount:
                raise Stopped  # cancelled while the copy was being stored: nothing of it stays
    except BaseException:
        cleanup.remove_files(stored_name)
        raise
    for old in older:
        cleanup.remove_files(old.stored_path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open('rb') as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _finish(conversion_id: int, status: ConversionStatus, *, error: str = '') -> None:
    with db.session() as session:
        session.exec(sa.update(MediaConversion).where(MediaConversion.id == conversion_id,
                                                      MediaConversion.status == ConversionStatus.RUNNING)
                     .values(status=status, error=error, updated_at=utcnow()))


def main() -> None:
    logging.basicConfig(level=logging.INFO, format='%(levelname)s conversion worker: %(message)s')
    if hasattr(os, 'nice'):
        os.nice(NICENESS)
    job: Job = pickle.load(sys.stdin.buffer)  # written by our own app process through a pipe only it holds
    run(job)


if __name__ == '__main__':
    main()
