"""Background jobs: a failing run does not end the job, and stopping lets a run under way (in a worker thread,
which a cancel cannot stop) end before the app goes on stopping."""
from __future__ import annotations

import asyncio
import threading

from services.core.periodic import Periodic


async def test_stopping_waits_for_the_run_under_way_in_a_worker_thread():
    started, release, ended = threading.Event(), threading.Event(), threading.Event()

    def work() -> None:
        started.set()
        release.wait(10)
        ended.set()

    async def job() -> None:
        await asyncio.to_thread(work)

    periodic = Periodic('test job', job, first_delay_s=0, interval_s=3600)
    periodic.start()
    await asyncio.to_thread(started.wait, 10)
    stopping = asyncio.create_task(periodic.stop())
    await asyncio.sleep(0.05)
    assert not stopping.done() and not ended.is_set()  # still waiting for the run
    release.set()
    await stopping
    assert ended.is_set()


async def test_a_failing_run_is_logged_and_the_next_run_comes_all_the_same(caplog):
    runs = []

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) == 1:
            raise RuntimeError('the database is away')

    periodic = Periodic('flaky job', job, first_delay_s=0, interval_s=0)
    periodic.start()
    while len(runs) < 2:
        await asyncio.sleep(0.01)
    await periodic.stop()
    assert 'flaky job failed' in caplog.text and 'the database is away' in caplog.text
