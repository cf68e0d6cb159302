"""Live status on a page: badges that change in place, sections that redraw after a change, and a notice to the
author when a delivery fails.

Each page client holds one subscription to both change events (DeliveryChanged, PostScheduleChanged), dropped
when the client is deleted. A tracked badge is repainted at once (a text and a colour). Anything more is a section
the page registers with `watch` (see components/live_redraw.py): redrawn after the changes it cares about, at a
pace the event loop can afford. A visually hidden polite live region says each delivery change in words, so a
screen reader hears it without losing its place.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from nicegui import ui

from components.live_redraw import Change, Changes, Section
from components.status_badge import STATUS
from components.translate import current_language
from services.core import events, i18n
from services.core.i18n import N_
from services.platforms import registry

FAILED_NOTICE = N_('%(platform)s: the post could not be published. Open Posts to see why and retry.')
T = TypeVar('T')


class LivePage:
    """The live part of one page client: its tracked badges and watched sections."""

    def __init__(self, user_id: int) -> None:
        self.user_id = user_id
        self.language = current_language()  # events arrive outside any request: remember the page's language
        self.client = ui.context.client
        self.loop = asyncio.get_running_loop()
        self.post_badges: dict[int, ui.badge] = {}
        self.delivery_badges: dict[int, tuple[ui.badge, str]] = {}
        self.delivery_titles: dict[int, str] = {}  # the channel each tracked delivery goes to, as announced
        self.sections: list[Section] = []
        self.client.on_delete(events.subscribe(self._heard))
        self.client.on_delete(events.subscribe_schedule(self._heard))
        self.announcer = ui.label().classes('sr-only').props('aria-live=polite aria-atomic=true').mark('live-region')

    def track_post(self, post_id: int, badge: ui.badge) -> None:
        self.post_badges[post_id] = badge

    def track_delivery(self, delivery_id: int, badge: ui.badge, prefix: str = '', *, title: str = '') -> None:
        """Repaint `badge` (its text after `prefix`) when the delivery changes; `title` names its channel in what is
        announced (else the prefix, else the platform)."""
        self.delivery_badges[delivery_id] = (badge, prefix)
        self.delivery_titles[delivery_id] = title or prefix

    def watch(self, relevant: Callable[[Change], bool], read: Callable[[Changes], Awaitable[T | None]],
              draw: Callable[[T], Awaitable[None] | None]) -> None:
        """After changes that are `relevant` (and any change to a post whose redraw is under way, as its read may
        predate the change): `read` what is needed (off the event loop), then `draw` it (None: nothing to draw).
        Both run with this page's client and language as context."""
        self.sections.append(Section(self.client, relevant, read, draw))

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
        if event.post_id in self.post_badges or event.delivery_id in self.delivery_badges \
                or event.author_id == self.user_id:
            msgid = STATUS.get(event.status, (event.status, ''))[0]
            self.announcer.text = f'{self._where(event)} · {i18n.translate(self.language, msgid)}'
        if event.author_id == self.user_id and event.status == 'failed':
            platform = self._where(event)
            with self.client:
                ui.notify(i18n.translate(self.language, FAILED_NOTICE, platform=platform), type='negative')

    def _where(self, event: events.DeliveryChanged) -> str:
        return self.delivery_titles.get(event.delivery_id) or registry.label(event.platform)

    def _paint(self, badge: ui.badge, status: str, prefix: str) -> None:
        if badge.is_deleted:  # its row was redrawn or removed
            return
        msgid, color = STATUS.get(status, (status, 'grey-7'))
        text = i18n.translate(self.language, msgid)
        badge.text = f'{prefix} · {text}' if prefix else text
        badge.props(f'color={color}')
