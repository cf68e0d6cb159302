"""A post's discussion on its page: the comments and review steps, oldest first, in the reader's language and time
zone, and a box to write one (@username mentions the team member, who is notified). The post page redraws it when
it hears of the post, so a comment appears for everyone who has the post open."""
from __future__ import annotations

from datetime import datetime

from nicegui import run, ui

from components.headings import heading
from components.session import client_ip, guarded
from components.translate import _, explain
from services.core.errors import UserError
from services.core.i18n import N_, format_datetime
from services.core.models import User
from services.posts import comments
from services.posts.comments import Entry
from services.team import permissions

STEPS = {  # a review step: what it says, its icon
    'post.submit': (N_('%(name)s submitted the post for review'), 'rate_review'),
    'post.approve': (N_('%(name)s approved the post'), 'check_circle'),
    'post.request_changes': (N_('%(name)s requested changes'), 'edit_note'),
    'post.reject': (N_('%(name)s rejected the post'), 'block'),
}
WANTED = N_('Wanted for %(when)s')
GONE_USER = N_('a former member')


def discussion(post_id: int, entries: list[Entry], user: User, language: str) -> ui.refreshable:
    """The timeline of `entries` and, for those who may write, the comment box under it. Returns the timeline:
    refresh it with the entries as they are now (the box, and what is being typed in it, stays)."""
    with ui.card().classes('w-full gap-3').mark('comment-thread'):
        heading(_('Discussion'))
        timeline = ui.refreshable(lambda found: _timeline(found, user, language))
        timeline(entries)
        if permissions.can(user, permissions.Action.DRAFT_POSTS):
            _comment_box(post_id, user)
    return timeline


def _timeline(entries: list[Entry], user: User, language: str) -> None:
    with ui.column().classes('w-full gap-2').mark('timeline'):
        if not entries:
            ui.label(_('No comments yet.')).classes('text-sm text-gray-600')
        for entry in entries:
            _entry(entry, user, language)


def _entry(entry: Entry, user: User, language: str) -> None:
    name = entry.author or _(GONE_USER)
    moment = format_datetime(language, entry.at, user.timezone, style='medium')
    if entry.kind in STEPS:
        message, icon = STEPS[entry.kind]
        with ui.row().classes('w-full items-center gap-2 text-sm text-gray-700 no-wrap').mark(f'step {entry.kind}'):
            ui.icon(icon).classes('text-primary')
            with ui.column().classes('gap-0 min-w-0'):
                ui.label(_(message, name=name)).classes('font-medium')
                when = [moment] + ([_(WANTED, when=_wanted(entry.when, language, user))] if entry.when else [])
                ui.label(' · '.join(when)).classes('text-xs')
        return
    with ui.column().classes('w-full gap-0 rounded bg-gray-50 p-2').mark(f'comment {entry.kind}'):
        with ui.row().classes('items-baseline gap-x-2 gap-y-0'):
            ui.label(name).classes('font-medium text-sm').props('dir=auto')
            ui.label(moment).classes('text-xs text-gray-700')
        ui.label(entry.text).classes('whitespace-pre-wrap break-words').props('dir=auto').mark('comment-text')


def _wanted(iso: str, language: str, user: User) -> str:
    return format_datetime(language, datetime.fromisoformat(iso), user.timezone, style='medium')


def _comment_box(post_id: int, user: User) -> None:
    # in the page's direction: an empty box with dir=auto would lay an Arabic placeholder out left to right
    box = ui.textarea(placeholder=_('Write a comment. @name tells a team member.')) \
        .props('outlined autogrow').classes('w-full').mark('comment-box')

    async def send() -> None:
        text = box.value or ''
        try:
            await run.io_bound(comments.add_comment, post_id, user, text, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative')
            return
        box.value = ''  # the comment itself appears when the page hears of it, as on every other open page

    ui.button(_('Comment'), icon='send', on_click=guarded(send)).props('unelevated').mark('send-comment')
