"""Home: a summary of the team's posts."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, ui

from components.session import page_user
from components.theme import frame
from components.translate import _, current_language
from services import i18n, posts
from services.i18n import N_

router = APIRouter()

SUMMARY = [  # (statuses counted together, msgid, icon)
    (('scheduled',), N_('Scheduled'), 'schedule'),
    (('published', 'partly_published'), N_('Published'), 'check_circle'),
    (('failed', 'missed'), N_('Need attention'), 'error_outline'),
    (('draft',), N_('Drafts'), 'edit_note'),
]


@router.page('/')
def home_page(request: Request) -> None:
    user = page_user(request)
    language = current_language()
    with frame(_('Home'), user):
        ui.label(_('Welcome, %(name)s.', name=user.username)).classes('text-gray-700').mark('welcome')
        counts = posts.status_counts(days=30)
        ui.label(_('Your team\'s posts over the last 30 days')).classes('text-sm text-gray-600')
        with ui.grid().classes('w-full gap-3 grid-cols-2 md:grid-cols-4'):
            for statuses, label, icon in SUMMARY:
                total = sum(counts[status] for status in statuses)
                with ui.card().classes('items-start gap-1'):
                    with ui.row().classes('items-center flex-nowrap gap-2 text-gray-600'):
                        ui.icon(icon)
                        ui.label(_(label))
                    ui.label(i18n.format_number(language, total)).classes('text-3xl font-semibold')
        if not any(counts.values()):
            with ui.card().classes('w-full items-center gap-2 py-8'):
                ui.icon('auto_awesome', size='2.5rem').classes('text-primary')
                ui.label(_('No posts yet.')).classes('text-lg font-medium').mark('empty-state')
                ui.label(_('Posts your team writes and schedules will be counted here.')).classes('text-gray-600')
                ui.button(_('Write a post'), icon='edit', on_click=lambda: ui.navigate.to('/compose')) \
                    .props('unelevated')
