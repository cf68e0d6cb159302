"""The composer's "Add to queue": which posting time each chosen channel would give the post, shown before it is
saved, and the button that puts it there (one post per channel, in that channel's queue)."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from babel import Locale, dates
from nicegui import ui

from components.compose_buttons import problem_list
from components.compose_state import ComposeState
from components.repeat_fields import RepeatFields
from components.session import client_ip, guarded
from components.translate import _, current_language, explain, isolate
from services.connections import channels as channel_book
from services.core.errors import UserError
from services.core.i18n import N_, normalize_language
from services.core.models import Channel, Post, User
from services.posts.approval import needs_review
from services.posts.editing import PostRefused
from services.queue import queue
from services.web.browser_session import flash


def slot_text(language: str, instant: datetime, time_zone: str) -> str:
    """'Tue, Jan 5, 9:00 AM' (the user's language, in `time_zone`)."""
    locale = Locale.parse(normalize_language(language))
    local = instant.astimezone(ZoneInfo(time_zone))
    return str(locale.datetime_formats['short']).format(dates.format_time(local, 'short', locale=locale),
                                                         dates.format_skeleton('EEEdMMM', local, locale=locale))


def when_extras(user: User, chosen: Callable[[], list[Channel]], state: ComposeState,
                on_saved: Callable[[], None]) -> QueuePanel:
    """Under the composer's When fields: the Repeat fields, then "Add to queue" (returned: the composer tells it
    when the channels change)."""
    repeat = RepeatFields(state, user).build()
    return QueuePanel(user, chosen, state, on_saved, repeat).build()


class QueuePanel:
    """Built inside the composer's When card; `chosen` and `state` are the composer's form as it is now."""

    def __init__(self, user: User, chosen: Callable[[], list[Channel]], state: ComposeState,
                 on_saved: Callable[[], None], repeat: RepeatFields) -> None:
        self.user, self.chosen, self.state, self.on_saved, self.repeat = user, chosen, state, on_saved, repeat
        self.problems: list[str] = []

    def build(self) -> QueuePanel:
        with ui.column().classes('w-full gap-1 pt-2').mark('queue-panel') as self.panel:
            self.plan = ui.refreshable(self._plan)
            self.plan()
            ui.button(_('Add to queue'), icon='queue', on_click=guarded(self.add)).props('outline') \
                .mark('add-to-queue')
        self.panel.set_visibility(not needs_review(self.user, self.chosen()))
        return self

    async def which_occurrences(self) -> bool:
        """Before a save: for an occurrence of a recurring post, this one or all later ones (False: backed out)."""
        return await self.repeat.which_occurrences()

    def channels_changed(self) -> None:
        self.problems = []
        self.panel.set_visibility(not needs_review(self.user, self.chosen()))  # a post that needs approval is submitted
        self.plan.refresh()

    def _plan(self) -> None:
        chosen = self.chosen()
        if not chosen:
            ui.label(_('Or add it to the queue: it goes at the next free posting time of each chosen channel.')) \
                .classes('text-sm text-gray-600').mark('queue-plan')
        else:
            ui.label(_('Add to queue: %(plan)s', plan=self.plan_text(chosen))).classes('text-sm text-gray-700') \
                .style('overflow-wrap: anywhere').mark('queue-plan')
        if self.problems:
            problem_list(self.problems, marker='queue-problems')

    def plan_text(self, chosen: list[Channel]) -> str:
        """'Telegram · Arabic: Tue, Jan 5, 9:00 AM; Instagram: …' — or why a channel has no slot."""
        language = current_language()
        slots = queue.next_slots([channel.id for channel in chosen], post_id=self.state.post_id)
        parts = []
        for channel in chosen:
            slot = slots.get(channel.id)
            when = slot_text(language, slot, self.user.timezone) if isinstance(slot, datetime) else \
                explain(slot) if isinstance(slot, UserError) else ''
            parts.append(f'{isolate(channel_book.full_title(channel))}: {when}')
        return '; '.join(parts)

    async def add(self) -> None:
        chosen = self.chosen()
        try:
            posts = queue.add_to_queue(self.user.id, self.state.as_input(), post_id=self.state.post_id, actor=self.user,
                                       ip=client_ip())
        except PostRefused as refused:
            self.problems = list(dict.fromkeys(_(p.message, **p.params) for p in refused.problems))
            self.plan.refresh()
            ui.notify(_('The post was not added to the queue: fix what is listed.'), type='negative', position='top')
            return
        except UserError as refusal:
            self.problems = [explain(refusal)]
            self.plan.refresh()
            return
        self.on_saved()
        flash(N_('Added to the queue: %(plan)s'), kind='positive', plan=self._done_text(posts, chosen))
        ui.navigate.to(f'/channels/{posts[0].queue_channel_id}/queue')

    def _done_text(self, posts: list[Post], chosen: list[Channel]) -> str:
        language = current_language()
        titles = {channel.id: channel_book.full_title(channel) for channel in chosen}
        return '; '.join(f'{isolate(titles.get(post.queue_channel_id, ""))}: '
                         f'{slot_text(language, post.scheduled_at, self.user.timezone)}' for post in posts)
