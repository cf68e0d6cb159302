"""Every post, newest first, with each platform's status; open one to edit, reschedule or duplicate it."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, ui

from components.live_status import LiveBadges
from components.session import page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _, current_language
from services import posts
from services.i18n import format_datetime
from services.post_checks import PLATFORM_LABELS

router = APIRouter()
PAGE_SIZE = 25


@router.page('/history')
def history_page(request: Request, before: int | None = None) -> None:
    user = page_user(request)
    language = current_language()
    page = posts.list_posts(before_id=before, limit=PAGE_SIZE + 1)
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    with frame(_('Posts'), user):
        live = LiveBadges(user.id)
        with ui.row().classes('w-full justify-end'):
            ui.button(_('Write a post'), icon='edit', on_click=lambda: ui.navigate.to('/compose')) \
                .props('unelevated')
        if not page:
            with ui.card().classes('w-full items-center py-8'):
                ui.label(_('No posts yet.')).classes('text-lg').mark('empty-state')
            return
        with ui.column().classes('w-full gap-2').mark('post-list'):
            for details in page:
                post = details.post
                when = post.scheduled_at or post.created_at
                with ui.link(target=f'/history/{post.id}').classes('w-full no-underline text-inherit'):
                    with ui.card().classes('w-full gap-1 hover:shadow-md').mark(f'post-{post.id}'):
                        with ui.row().classes('w-full items-center gap-2'):
                            live.track_post(post.id, status_badge(post.status))
                            ui.label(format_datetime(language, when, user.timezone, style='medium')) \
                                .classes('text-xs text-gray-600')
                        ui.label(post.text[:200] or _('(no text)')).classes('text-sm break-words line-clamp-2')
                        with ui.row().classes('gap-1'):
                            for delivery in details.deliveries:
                                prefix = PLATFORM_LABELS.get(delivery.platform, '')
                                live.track_delivery(delivery.id, status_badge(delivery.status, prefix), prefix)
        if more:
            ui.button(_('Older posts'), icon='expand_more',
                      on_click=lambda: ui.navigate.to(f'/history?before={page[-1].post.id}')).props('flat')
