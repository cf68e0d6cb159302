"""A coloured, translated badge for a post's or a delivery's status."""
from __future__ import annotations

from nicegui import ui

from components.translate import _
from services.core.i18n import N_

# White text on each colour reaches 4.5:1 (WCAG AA for a 12 px badge); the word says the state, not the colour.
STATUS = {  # status: (msgid, colour)
    'draft': (N_('Draft'), 'grey-7'),
    'in_review': (N_('In review'), 'purple-8'),
    'rejected': (N_('Rejected'), 'red-10'),
    'scheduled': (N_('Scheduled'), 'blue-9'),
    'publishing': (N_('Publishing'), 'indigo-7'),
    'published': (N_('Published'), 'green-9'),
    'partly_published': (N_('Partly published'), 'deep-orange-10'),
    'failed': (N_('Failed'), 'red-8'),
    'missed': (N_('Missed'), 'red-9'),
    'cancelled': (N_('Cancelled'), 'grey-6'),
    'pending': (N_('Waiting'), 'blue-grey-8'),
    'interrupted': (N_('Interrupted'), 'brown-7'),
    'connected': (N_('Connected'), 'green-9'),
    'needs_reconnect': (N_('Needs reconnecting'), 'red-8'),
    'disconnected': (N_('Disconnected'), 'grey-6'),
}


def status_text(status: str) -> str:
    return _(STATUS.get(status, (status, ''))[0])


def status_badge(status: str, prefix: str = '') -> ui.badge:
    _label, color = STATUS.get(status, (status, 'grey-7'))
    text = f'{prefix} · {status_text(status)}' if prefix else status_text(status)
    return ui.badge(text, color=color).props('rounded').classes('px-2 py-1')
