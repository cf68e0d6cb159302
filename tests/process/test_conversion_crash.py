"""A real app process killed with SIGKILL while its worker converts a file: the worker stops, no half file stays in
the uploads folder, the conversion shows as interrupted after the restart and converts when started again."""
from __future__ import annotations

import asyncio
import os
import signal
import time

import httpx

from services.core import db
from services.core.config import get_settings
from services.core.models import ConversionStatus, MediaConversion
from services.media import library
from tests import app_process as live
from tests import media_samples
from tests.harness import boot, first_admin, process_env
from tests.harness.builders import PASSWORD


def wait_for(check, seconds: float):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f'still not so after {seconds} s')
        time.sleep(0.05)
    return found


def conversion() -> MediaConversion | None:
    with db.session() as session:
        return session.get(MediaConversion, 1)


def worker_pid() -> int | None:
    """The worker's pid once it has taken the conversion up (before, the row names the app process)."""
    row = conversion()
    pid = int((row.worker or ':0').rpartition(':')[2]) if row is not None else 0
    return pid if pid and os.path.exists(f'/proc/{pid}') and 'conversion_worker' in \
        open(f'/proc/{pid}/cmdline').read() else None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return open(f'/proc/{pid}/stat').read().rpartition(')')[2].split()[0] != 'Z'


def test_an_app_killed_during_a_conversion_leaves_no_half_file_and_the_conversion_can_be_started_again(tmp_path):
    boot()
    first_admin()
    clip = media_samples.make_video(tmp_path, 'mp4', size=(1280, 720), frames=720, fps=120, name='slow.mp4')

    async def chunks():
        yield clip.read_bytes()

    asset = asyncio.run(library.store_upload(chunks(), clip.name, uploaded_by=1))
    uploads = get_settings().uploads_dir
    stored = sorted(path.name for path in uploads.iterdir())
    log = tmp_path / 'app.log'
    process, base = live.start_app(process_env(), tmp_path, log=log)
    try:
        token = httpx.post(f'{base}/api/v1/token', json={'username': 'admin', 'password': PASSWORD}).json()
        headers = {'Authorization': f'Bearer {token["access_token"]}'}
        started = httpx.post(f'{base}/api/v1/media/{asset.id}/conversions', headers=headers,
                             json={'platform': 'instagram'})
        assert started.status_code == 202, started.text
        worker = wait_for(worker_pid, 60)

        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

        wait_for(lambda: not alive(worker), 30)  # it noticed its app was gone
        process, base = live.start_app(process_env(), tmp_path, log=log)
        assert conversion().status == ConversionStatus.INTERRUPTED
        assert sorted(path.name for path in uploads.iterdir()) == stored  # no half file, no copy
        again = httpx.post(f'{base}/api/v1/media/{asset.id}/conversions', headers=headers,
                           json={'platform': 'instagram'})
        assert again.status_code == 202 and again.json()['status'] == 'running'
        wait_for(lambda: conversion().status == ConversionStatus.DONE, 300)
        [shown] = httpx.get(f'{base}/api/v1/media/{asset.id}/conversions', headers=headers).json()
        assert shown['variant']['original_name'] == 'slow (Instagram).mp4'
    finally:
        live.stop_app(process)
