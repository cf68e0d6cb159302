"""A coloured, translated badge for a post's or a delivery's status."""
from __future__ import annotations

from nicegui import ui

from components.translate import _
from services.core.i18n import N_

STATUS = {  # status: (msgid, colour)
    'draft': (N_('Draft'), 'grey-7'),
    'scheduled': (N_('Scheduled'), 'blue-7'),
    'publishing': (N_('Publishing'), 'amber-9'),
    'published': (N_('Published'), 'green-8'),
    'partly_published': (N_('Partly published'), 'orange-9'),
    'failed': (N_('Failed'), 'red-8'),
    'missed': (N_('Missed'), 'red-6'),
    'cancelled': (N_('Cancelled'), 'grey-6'),
    'pending': (N_('Waiting'), 'blue-grey-6'),
    'interrupted': (N_('Interrupted'), 'deep-orange-8'),
    'connected': (N_('Connected'), 'green-8'),
    'needs_reconnect': (N_('Needs reconnecting'), 'red-8'),
    'disconnected': (N_('Disconnected'), 'grey-6'),
}


def status_text(status: str) -> str:
    return _(STATUS.get(status, (status, ''))[0])


def status_badge(status: str, prefix: str = '') -> ui.badge:
    _label, color = STATUS.get(status, (status, 'grey-7'))
    text = f'{prefix} · {status_text(status)}' if prefix else status_text(status)
    return ui.badge(text, color=color).props('rounded').classes('px-2 py-1')
