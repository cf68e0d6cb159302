"""The emails themselves: subject, plain text and HTML, in the recipient's language (Arabic right to left) and time
zone."""
from __future__ import annotations

import html
from dataclasses import dataclass

from services.core import i18n
from services.core.i18n import N_, NP_
from services.core.models import User
from services.notifications import wording
from services.notifications.inbox import Entry
from services.notifications.kinds import KIND_LABELS

APP_NAME = N_('Anonymous Creations')
SUBJECT = N_('%(app)s: %(what)s')
DIGEST_SUBJECT = NP_('%(app)s: your daily summary, %(n)s notification',
                     '%(app)s: your daily summary, %(n)s notifications')
DIGEST_INTRO = N_('What happened since your last summary:')
OPEN = N_('Open')
WHY = N_('You get these emails because of your notification choices in Settings.')
TEST_SUBJECT = N_('%(app)s: test email')
TEST_TEXT = N_('Email works. Notifications you choose to get by email will come to this address.')


@dataclass(frozen=True)
class Email:
    subject: str
    text: str
    html: str
    language: str


def notifications_email(user: User, entries: list[Entry], *, digest: bool, base_url: str) -> Email:
    """One email telling `user` of `entries` (one at once, or the day's in a digest). `base_url` makes the links
    absolute ('' leaves them relative to the app)."""
    language = user.language
    app = i18n.translate(language, APP_NAME)
    if digest:
        subject = i18n.translate_plural(language, *DIGEST_SUBJECT, len(entries), app=app)
    else:
        what = i18n.translate(language, KIND_LABELS[entries[0].kind])
        subject = i18n.translate(language, SUBJECT, app=app, what=what)
    items = [_item(entry, user, base_url) for entry in entries]
    intro = i18n.translate(language, DIGEST_INTRO) if digest else ''
    why = i18n.translate(language, WHY)
    open_label = i18n.translate(language, OPEN)
    text = '\n\n'.join(([intro] if intro else []) + [
        '\n'.join(part for part in (said, error, when, f'{open_label}: {link}') if part)
        for said, error, when, link in items] + ['-- ', why])
    rows = ''.join(
        f'<li style="margin-bottom:1em"><p style="margin:0">{html.escape(said)}</p>'
        + (f'<p dir="auto" style="margin:0;color:#374151"><code>{html.escape(error)}</code></p>' if error else '')
        + f'<p style="margin:0;color:#4b5563;font-size:smaller">{html.escape(when)}</p>'
        f'<a href="{html.escape(link)}">{html.escape(open_label)}</a></li>'
        for said, error, when, link in items)
    body = (f'<p>{html.escape(intro)}</p>' if intro else '') + f'<ul style="padding-inline-start:1.2em">{rows}</ul>'
    return Email(subject, text, _page(language, body, why), language)


def test_email(user: User) -> Email:
    language = user.language
    app = i18n.translate(language, APP_NAME)
    said = i18n.translate(language, TEST_TEXT)
    why = i18n.translate(language, WHY)
    return Email(i18n.translate(language, TEST_SUBJECT, app=app), f'{said}\n\n-- \n{why}',
                 _page(language, f'<p>{html.escape(said)}</p>', why), language)


def _item(entry: Entry, user: User, base_url: str) -> tuple[str, str, str, str]:
    when = i18n.format_datetime(user.language, entry.created_at, user.timezone, style='short')
    return (wording.message(entry, user.language, user.timezone), wording.platform_error(entry), when,
            base_url + wording.link(entry))


def _page(language: str, body: str, footer: str) -> str:
    direction = i18n.direction(language)
    align = 'right' if direction == 'rtl' else 'left'
    return (f'<!DOCTYPE html><html lang="{language}" dir="{direction}"><head><meta charset="utf-8"></head>'
            f'<body dir="{direction}" style="font-family:system-ui,sans-serif;text-align:{align};color:#111827">'
            f'{body}<hr><p style="color:#4b5563;font-size:smaller">{html.escape(footer)}</p></body></html>')
