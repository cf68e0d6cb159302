"""A notification in words, in the reader's language and time zone, and where it leads: shared by the bell and the
emails."""
from __future__ import annotations

from datetime import datetime

from services.connections.channels import full_title
from services.core import i18n
from services.core.i18n import N_
from services.notifications.inbox import Entry
from services.notifications.kinds import MESSAGES

EXCERPT_CHARS = 60
UNNAMED_POST = N_('a post without text')
GONE_CHANNEL = N_('a channel')
PEOPLE_WORDS = frozenset({'changes_requested', 'post_rejected', 'mentioned'})  # `detail` is what a teammate wrote


def message(entry: Entry, language: str, time_zone: str) -> str:
    """What `entry` says, e.g. '“Launch day” could not be published to Telegram · News.'"""
    text = ' '.join(entry.post_text.split())
    excerpt = text[:EXCERPT_CHARS] + ('…' if len(text) > EXCERPT_CHARS else '')
    channel = full_title(entry.channel) if entry.channel else i18n.translate(language, GONE_CHANNEL)
    when = ''
    if entry.kind == 'token_expiring' and entry.detail:
        when = i18n.format_datetime(language, datetime.fromisoformat(entry.detail), time_zone, style='short')
    if i18n.direction(language) == 'rtl':
        excerpt, channel = i18n.isolate(excerpt), i18n.isolate(channel)
    reason = i18n.translate(language, entry.detail) if entry.kind == 'post_at_risk' and entry.detail else ''
    if entry.kind in PEOPLE_WORDS:  # a teammate's comment, quoted as written
        reason = i18n.isolate(entry.detail) if i18n.direction(language) == 'rtl' else entry.detail
    return i18n.translate(language, MESSAGES[entry.kind], post=excerpt or i18n.translate(language, UNNAMED_POST),
                          channel=channel, when=when, reason=reason)


def platform_error(entry: Entry) -> str:
    """The platform's own words, where there are some (shown as given: they are not ours to translate)."""
    return '' if entry.kind in ('token_expiring', 'post_at_risk') or entry.kind in PEOPLE_WORDS else entry.detail


def link(entry: Entry) -> str:
    """The page to open: the post, else the Channels page."""
    return f'/history/{entry.post_id}' if entry.post_id else '/channels'
