"""Publish now and Reschedule for a missed post, wherever a list shows one.

Each button is shown only to roles that may use it; the services check the role again whatever the page shows.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from nicegui import ui

from components.reschedule_dialog import reschedule_dialog
from components.session import client_ip, guarded
from components.translate import _, explain
from services.core.errors import UserError
from services.core.models import User
from services.posts import actions
from services.team import permissions


def missed_actions(post_id: int, scheduled_at: datetime | None, user: User,
                   on_change: Callable[[], None] = lambda: None) -> None:
    """The two buttons (marked `publish-missed-<id>` and `reschedule-<id>`); `on_change` runs after either acted,
    and after a refusal too. Pages with live sections leave it out: the change itself redraws them."""
    if permissions.can(user, permissions.Action.PUBLISH):
        ui.button(_('Publish now'), icon='send',
                  on_click=guarded(lambda: (publish_now(post_id, user), on_change()))) \
            .props('flat dense no-caps size=sm').mark(f'publish-missed-{post_id}')
    if permissions.can(user, permissions.Action.WRITE_POSTS):
        ui.button(_('Reschedule'), icon='event',
                  on_click=guarded(lambda: reschedule_then(post_id, scheduled_at, user, on_change))) \
            .props('flat dense no-caps size=sm').mark(f'reschedule-{post_id}')


def publish_now(post_id: int, user: User) -> bool:
    """Hand the missed post to the engine and say so; False (with the reason shown) when it was refused."""
    try:
        actions.publish_missed_now(post_id, actor=user, ip=client_ip())
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return False
    ui.notify(_('Publishing started.'), type='positive')
    return True


async def reschedule_then(post_id: int, scheduled_at: datetime | None, user: User,
                          on_change: Callable[[], None]) -> None:
    if await reschedule_dialog(post_id, scheduled_at, user) is not None:
        on_change()
