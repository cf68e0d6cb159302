"""Redrawing a part of a page after changes, at a pace the event loop can afford.

A section collects the changes it cares about and redraws at most once every REFRESH_SECONDS, with all of them:
it reads what it needs off the event loop, then draws. Every section of every open page also shares one budget
of loop time (REDRAW_SHARE of it): when a burst of changes reaches many open pages, each page redraws less often,
while publishing, the sockets and the other pages keep the rest of the loop (see NICEGUI-NOTES, "Live updates").
"""
from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from nicegui import Client, background_tasks, run, storage

from services.core import events

log = logging.getLogger(__name__)
REFRESH_SECONDS = 0.3  # at most one redraw of a section per page in this time, however many changes arrive
REDRAW_SHARE = 0.25  # of the event loop's time, at most, for live redraws of all pages together
BURST_CREDIT = 0.05  # seconds of redrawing a quiet loop may spend at once
Change = events.DeliveryChanged | events.PostScheduleChanged
T = TypeVar('T')


@dataclass(frozen=True)
class Changes:
    """What a section hears: the changes since its last redraw, in order."""

    events: list[Change]
    since: float  # loop time the first of them arrived: a database read started later sees them all

    @property
    def post_ids(self) -> set[int]:
        return {event.post_id for event in self.events}


class RedrawBudget:
    """Loop time for redraws, earned at REDRAW_SHARE of the clock and spent by measured drawing time."""

    def __init__(self) -> None:
        self.balance, self.updated = 0.0, time.monotonic()

    def wait_seconds(self) -> float:
        """How long to wait before drawing again (0 when there is credit)."""
        now = time.monotonic()
        self.balance = min(BURST_CREDIT, self.balance + (now - self.updated) * REDRAW_SHARE)
        self.updated = now
        return 0.0 if self.balance >= 0 else -self.balance / REDRAW_SHARE

    def spend(self, seconds: float) -> None:
        self.balance -= seconds


BUDGET = RedrawBudget()


class Section(Generic[T]):
    """One watched part of a page (see LivePage.watch)."""

    def __init__(self, client: Client, relevant: Callable[[Change], bool],
                 read: Callable[[Changes], Awaitable[T | None]], draw: Callable[[T], Awaitable[None] | None]) -> None:
        self.client, self.relevant, self.read, self.draw = client, relevant, read, draw
        self.pending: list[Change] = []
        self.since = 0.0
        self.redrawing: set[int] = set()  # posts of the redraw under way
        self.last_run = float('-inf')
        self.cost = 0.005  # seconds the last drawing took: reserved from the budget before the next one
        self.task: asyncio.Task | None = None

    def offer(self, event: Change) -> None:
        if not (event.post_id in self.redrawing or self.relevant(event)):
            return
        if not self.pending:
            self.since = asyncio.get_running_loop().time()
        self.pending.append(event)
        if self.task is None:
            self.task = background_tasks.create(self._run(), name='live section')

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        # The task inherits the context of whatever emitted the change (another browser's click, say): `_()` must
        # read this page's browser, as NiceGUI's own event handlers do.
        storage.request_contextvar.set(self.client.request)
        try:
            while self.pending and not self.client.is_deleted:
                await asyncio.sleep(max(0.0, self.last_run + REFRESH_SECONDS - loop.time()))
                while (wait := BUDGET.wait_seconds()) > 0:
                    await asyncio.sleep(wait)
                BUDGET.spend(self.cost)  # reserved now, so that sections reading meanwhile wait their turn
                changes = Changes(self.pending, self.since)
                self.pending, self.redrawing, self.last_run = [], changes.post_ids, loop.time()
                try:
                    with self.client:
                        await self._redraw(changes)
                except Exception:  # noqa: BLE001 - a failed redraw must not end the page's live updates
                    log.exception('a live section failed to redraw')
                self.redrawing = set()
        finally:
            self.task = None

    async def _redraw(self, changes: Changes) -> None:
        found = await self.read(changes)
        if found is None or self.client.is_deleted:
            return
        started = time.perf_counter()
        drawn = self.draw(found)
        if inspect.isawaitable(drawn):
            await drawn
        cost = time.perf_counter() - started
        BUDGET.spend(cost - self.cost)
        self.cost = cost


class SharedRead(Generic[T]):
    """One database read, in a worker thread, shared by every page client that needs the same answer: a client
    joins a read that started after the first change it has not seen yet, or starts one."""

    def __init__(self, read: Callable[[], T]) -> None:
        self.read = read
        self._started = float('-inf')
        self._result: asyncio.Future | None = None

    async def get(self, since: float) -> T | None:
        """The answer as of `since` (loop time) or later; None when the app is shutting down."""
        loop = asyncio.get_running_loop()
        if self._result is None or self._started < since or self._result.get_loop() is not loop:
            self._started = loop.time()
            self._result = asyncio.ensure_future(run.io_bound(self.read))
        return await asyncio.shield(self._result)
