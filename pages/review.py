"""The review queue (editors and admins): the posts waiting for approval, the longest-waiting first, each with its
author, channels, wanted time and text; a post's page holds Approve, Request changes and Reject. Live: a post
submitted or decided elsewhere joins or leaves the list."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, run, ui

from components.channel_picker import channel_avatar
from components.live_status import LivePage
from components.relative_time import RelativeTimes
from components.session import page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _
from services.connections import channels as channel_book
from services.core.i18n import N_, format_datetime
from services.core.models import Channel, PostStatus, User
from services.posts import editing
from services.posts.editing import PostDetails, PostFilter
from services.team import users

router = APIRouter()
SHOWN = 200  # a queue longer than this is a team problem, not a paging one
WANTED = N_('Wanted for %(when)s')
NO_TIME = N_('No time wanted: publish when approved')
BY = N_('By %(name)s')
EXCERPT = 280


@router.page('/review')
def review_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Review'), user):
        ui.label(_('Posts waiting for approval. Open one to approve it, request changes or reject it.')) \
            .classes('text-sm text-gray-700')
        live = LivePage(user.id)
        listing = ui.refreshable(lambda found: _queue(found, user, live))
        listing(_waiting())
        live.watch(lambda change: True, lambda _changes: run.io_bound(_waiting), listing.refresh)


def _waiting() -> tuple[list[PostDetails], dict[int, Channel], dict[int, str]]:
    found = list(reversed(editing.list_posts(PostFilter(status=PostStatus.IN_REVIEW), limit=SHOWN)))
    channels = channel_book.channels_by_id([c for d in found for c in d.channel_ids])
    names = {person.id: person.username for person in users.list_users()}
    return found, channels, names


def _queue(found: tuple[list[PostDetails], dict[int, Channel], dict[int, str]], user: User, live: LivePage) -> None:
    posts, channels, names = found
    with ui.column().classes('w-full gap-3').mark('review-queue'):
        if not posts:
            ui.label(_('Nothing waits for review.')).classes('text-gray-700').mark('review-empty')
        clock = RelativeTimes(live.language)
        for details in posts:
            _card(details, channels, names, user, live.language, clock)


def _card(details: PostDetails, channels: dict[int, Channel], names: dict[int, str], user: User, language: str,
          clock: RelativeTimes) -> None:
    post = details.post
    text = ' '.join(post.text.split())
    with ui.card().classes('w-full min-w-0 gap-2').mark(f'review-post review-post-{post.id}'):
        with ui.row().classes('w-full items-center gap-2'):
            status_badge(post.status)
            ui.label(_(BY, name=names.get(post.author_id, '?'))).classes('font-medium').props('dir=auto')
            ui.label('·').classes('text-gray-500')
            clock.label(post.updated_at).classes('text-sm text-gray-700')
            ui.space()
            ui.button(_('Review'), icon='rate_review', on_click=lambda p=post.id: ui.navigate.to(f'/history/{p}')) \
                .props('unelevated').mark(f'open-review-{post.id}')
        with ui.row().classes('w-full items-center gap-x-3 gap-y-1'):
            for channel_id in details.channel_ids:
                channel = channels.get(channel_id)
                if channel is not None:
                    with ui.row().classes('items-center gap-1 no-wrap min-w-0'):
                        channel_avatar(channel)
                        ui.label(channel_book.full_title(channel)).classes('text-sm min-w-0 truncate') \
                            .props('dir=auto')
        ui.label(_(WANTED, when=format_datetime(language, post.scheduled_at, user.timezone, style='medium'))
                 if post.scheduled_at else _(NO_TIME)).classes('text-sm text-gray-700').mark('wanted')
        ui.label(text[:EXCERPT] + ('…' if len(text) > EXCERPT else '') or _('(no text)')) \
            .classes('break-words').props('dir=auto')
