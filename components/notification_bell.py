"""The bell in the header: how many notifications are unread, kept current, and the latest of them in a menu, each
leading to its post or channel.

The count follows the NotificationsAdded events the inbox says after each commit (from other processes too, through
the event bus on PostgreSQL): one small count query per open page of the user told, none for anyone else."""
from __future__ import annotations

import asyncio

from nicegui import ui

from components.translate import _, current_language, ngettext
from services.core import events
from services.core.i18n import format_relative
from services.core.models import User, utcnow
from services.notifications import inbox, wording

SHOWN = 15


class NotificationBell:
    def __init__(self, user: User) -> None:
        self.user_id, self.time_zone, self.language = user.id, user.timezone, current_language()
        label = _('Notifications')
        with ui.button(icon='notifications', on_click=self.draw_list) \
                .props(f'flat round color=white aria-label="{label}"').mark('bell') as self.button:
            self.count = ui.badge('', color='negative').props('floating rounded').mark('bell-count')
            with ui.menu().props('max-width=24rem'):
                self.items = ui.column().classes('gap-0').style('width: min(20rem, calc(100vw - 5rem))')
        self.client, self.loop = ui.context.client, asyncio.get_running_loop()
        self.client.on_delete(events.subscribe_notifications(self._heard))
        self.refresh_count()

    def _heard(self, event: events.NotificationsAdded) -> None:
        """New notifications (heard on any thread): count again if some are this user's."""
        if self.user_id not in event.user_ids or self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self._count_again)

    def _count_again(self) -> None:
        if not self.client.is_deleted:
            with self.client:
                self.refresh_count()

    def refresh_count(self) -> None:
        unread = inbox.unread_count(self.user_id)
        self.count.text = str(unread) if unread else ''
        self.count.visible = unread > 0
        label = ngettext('%(n)s unread notification', '%(n)s unread notifications', unread) if unread \
            else _('Notifications')
        self.button.props(f'aria-label="{label}"')

    def draw_list(self) -> None:
        self.items.clear()
        entries = inbox.latest(self.user_id, SHOWN)
        with self.items:
            with ui.row().classes('w-full items-center justify-between px-3 py-2'):
                ui.label(_('Notifications')).classes('font-semibold')
                if any(not entry.read for entry in entries):
                    ui.button(_('Mark all read'), on_click=self.mark_all_read).props('flat dense no-caps') \
                        .mark('mark-all-read')
            if not entries:
                ui.label(_('Nothing new. You will be told here when a post fails or a channel needs you.')) \
                    .classes('px-3 pb-3 text-sm text-gray-600').mark('no-notifications')
            for entry in entries:
                self._item(entry)

    def _item(self, entry: inbox.Entry) -> None:
        shade = 'bg-indigo-50' if not entry.read else ''
        with ui.item(on_click=lambda entry=entry: self.open(entry)).classes(f'w-full {shade}') \
                .mark(f'notification-{entry.id}'):
            with ui.item_section():
                ui.label(wording.message(entry, self.language, self.time_zone)).classes('text-sm')
                detail = wording.platform_error(entry)
                if detail:
                    ui.label(detail).classes('text-xs text-gray-700 break-words').props('dir=auto')
                ui.label(format_relative(self.language, entry.created_at, utcnow())).classes('text-xs text-gray-600')

    def open(self, entry: inbox.Entry) -> None:
        inbox.mark_read(self.user_id, entry.id)
        ui.navigate.to(wording.link(entry))

    def mark_all_read(self) -> None:
        inbox.mark_all_read(self.user_id)
        self.refresh_count()
        self.draw_list()


def notification_bell(user: User) -> NotificationBell:
    return NotificationBell(user)
