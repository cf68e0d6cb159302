"""Background jobs that run every so often in the app's loop (token renewal, the unused-media sweep)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)
STOP_WAIT_S = 10.0


class Periodic:
    """Runs `job` after `first_delay_s`, then every `interval_s`, until stopped; a failing run is logged and the
    next one comes all the same (a bug, or the database away for a while, must not end the job for good)."""

    def __init__(self, name: str, job: Callable[[], Awaitable[object]], *, first_delay_s: float,
                 interval_s: float) -> None:
        self.name, self.job = name, job
        self.first_delay_s, self.interval_s = first_delay_s, interval_s
        self._task: asyncio.Task | None = None
        self._current: asyncio.Future | None = None  # the run under way

    def start(self) -> None:
        """Start in the running loop; a job already running there is kept (start-up may run twice)."""
        if self._task is None or self._task.done() or self._task.get_loop() is not asyncio.get_running_loop():
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Let a run under way end (up to STOP_WAIT_S: work it does in a worker thread would go on after a cancel,
        and write after the app stopped), then cancel it and wait until it has ended; a job of a loop that has ended
        (tests) is only let go."""
        if self._task is not None and self._task.get_loop() is asyncio.get_running_loop():
            if self._current is not None and not self._current.done():
                await asyncio.wait([self._current], timeout=STOP_WAIT_S)
                self._current.cancel()
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._task = None

    async def _run(self) -> None:
        await asyncio.sleep(self.first_delay_s)
        while True:
            self._current = asyncio.ensure_future(self.job())
            try:
                await asyncio.shield(self._current)  # a stop lets the run end first
            except Exception:  # noqa: BLE001 - see the class docstring
                log.exception('%s failed', self.name)
            await asyncio.sleep(self.interval_s)
