"""Live status on a page: badges that change in place, sections that redraw after a change, and a notice to the
author when a delivery fails.

Each page client holds one subscription to both change events (DeliveryChanged, PostScheduleChanged), dropped
when the client is deleted. A tracked badge is repainted at once (a text and a colour). Anything more is a section
the page registers with `watch`: it runs at most once every REFRESH_SECONDS per client with all the changes that
arrived meanwhile, and reads the database off the event loop. Redrawing whole lists for every client on every
event would block the loop (see NICEGUI-NOTES, "Live updates").
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from nicegui import Client, background_tasks, run, storage, ui

from components.status_badge import STATUS
from components.translate import current_language
from services.core import events, i18n
from services.core.i18n import N_
from services.posts.checks import PLATFORM_LABELS

log = logging.getLogger(__name__)
FAILED_NOTICE = N_('%(platform)s: the post could not be published. Open Posts to see why and retry.')
REFRESH_SECONDS = 0.3  # at most one redraw of a section per client in this time, however many changes arrive
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


Refresh = Callable[[Changes], Awaitable[None]]


class LivePage:
    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.language = current_language()  # events arrive outside any request: remember the page's language
        self.client = ui.context.client
        self.loop = asyncio.get_running_loop()
        self.post_badges: dict[int, ui.badge] = {}
        self.delivery_badges: dict[int, tuple[ui.badge, str]] = {}
        self.sections: list[_Section] = []
        self.client.on_delete(events.subscribe(self._heard))
        self.client.on_delete(events.subscribe_schedule(self._heard))

    def track_post(self, post_id: int, badge: ui.badge) -> None:
        self.post_badges[post_id] = badge

    def track_delivery(self, delivery_id: int, badge: ui.badge, prefix: str = '') -> None:
        self.delivery_badges[delivery_id] = (badge, prefix)

    def watch(self, relevant: Callable[[Change], bool], refresh: Refresh) -> None:
        """Call `refresh` (a coroutine, with this page's client as context) after changes that are `relevant`,
        and after any change to a post whose redraw is under way (its read may predate the change)."""
        self.sections.append(_Section(self.client, relevant, refresh))

    def _heard(self, event: Change) -> None:
        if self.loop.is_closed():  # a page of an app that has stopped (tests)
            return
        try:
            on_loop = asyncio.get_running_loop() is self.loop
        except RuntimeError:
            on_loop = False
        if on_loop:
            self._changed(event)
        else:  # emitted from a worker thread (the REST API saves posts there)
            self.loop.call_soon_threadsafe(self._changed, event)

    def _changed(self, event: Change) -> None:
        if self.client.is_deleted:
            return
        if isinstance(event, events.DeliveryChanged):
            self._paint_delivery(event)
        elif event.status is not None and event.post_id in self.post_badges:
            self._paint(self.post_badges[event.post_id], event.status, '')
        for section in self.sections:
            section.offer(event)

    def _paint_delivery(self, event: events.DeliveryChanged) -> None:
        if event.post_id in self.post_badges:
            self._paint(self.post_badges[event.post_id], event.post_status, '')
        if event.delivery_id in self.delivery_badges:
            badge, prefix = self.delivery_badges[event.delivery_id]
            self._paint(badge, event.status, prefix)
        if event.author_id == self.user_id and event.status == 'failed':
            platform = PLATFORM_LABELS.get(event.platform, event.platform)
            with self.client:
                ui.notify(i18n.translate(self.language, FAILED_NOTICE, platform=platform), type='negative')

    def _paint(self, badge: ui.badge, status: str, prefix: str) -> None:
        if badge.is_deleted:  # its row was redrawn or removed
            return
        msgid, color = STATUS.get(status, (status, 'grey-7'))
        text = i18n.translate(self.language, msgid)
        badge.text = f'{prefix} · {text}' if prefix else text
        badge.props(f'color={color}')


class _Section:
    """One watched part of a page: collects relevant changes and redraws at most every REFRESH_SECONDS."""

    def __init__(self, client: Client, relevant: Callable[[Change], bool], refresh: Refresh) -> None:
        self.client, self.relevant, self.refresh = client, relevant, refresh
        self.pending: list[Change] = []
        self.since = 0.0
        self.redrawing: set[int] = set()  # posts of the redraw under way
        self.last_run = float('-inf')
        self.task: asyncio.Task | None = None

    def offer(self, event: Change) -> None:
        if not (event.post_id in self.redrawing or self.relevant(event)):
            return
        loop = asyncio.get_running_loop()
        if not self.pending:
            self.since = loop.time()
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
                wait = self.last_run + REFRESH_SECONDS - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                changes = Changes(self.pending, self.since)
                self.pending, self.redrawing, self.last_run = [], changes.post_ids, loop.time()
                try:
                    with self.client:
                        await self.refresh(changes)
                except Exception:  # noqa: BLE001 - a failed redraw must not end the page's live updates
                    log.exception('a live section failed to redraw')
                self.redrawing = set()
        finally:
            self.task = None


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
