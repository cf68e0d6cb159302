"""A channel's "Posts need approval" switch (Channels page): on, every post to it, editors' too, goes through
review; scheduled posts to it that were not approved go back to review at once."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import events, run, ui

from components.session import client_ip, guarded
from components.translate import _, explain
from services.core.errors import UserError
from services.core.models import Channel, User
from services.posts import review
from services.team import permissions


def approval_switch(channel: Channel, user: User, on_changed: Callable[[], None]) -> None:
    may = permissions.can(user, permissions.Action.WRITE_POSTS)

    async def switched(event: events.ValueChangeEventArguments) -> None:
        if bool(event.value) == channel.needs_approval:
            return
        try:
            held = await run.io_bound(review.set_needs_approval, channel.id, bool(event.value), user, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
            return
        ui.notify(_('Posts to this channel now need approval. Scheduled posts sent back to review: %(count)s.',
                    count=len(held)) if held
                  else _('Posts to this channel now need approval.') if event.value
                  else _('Posts to this channel no longer need approval.'), type='positive', multi_line=True)
        on_changed()

    with ui.row().classes('w-full items-center gap-2'):
        ui.switch(_('Posts need approval'), value=channel.needs_approval, on_change=guarded(switched)) \
            .props('' if may else 'disable').mark(f'needs-approval-{channel.id}')
        ui.label(_('Every post to this channel, editors\' too, is approved by someone else before it goes out.')) \
            .classes('text-xs text-gray-600')
