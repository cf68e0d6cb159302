"""Every post, newest first, with each channel's status (live); filters, search, and paging that stays fast."""
from __future__ import annotations

from datetime import date, time, timedelta
from urllib.parse import urlencode

from fastapi import Request
from nicegui import APIRouter, run, ui

from components.channel_filter import as_query, channel_select, chosen_channel_ids
from components.live_redraw import Change, Changes
from components.live_status import LivePage
from components.missed_actions import missed_actions
from components.platform_error import platform_error
from components.relative_time import RelativeTimes
from components.session import page_user
from components.status_badge import STATUS, status_badge
from components.theme import frame
from components.translate import _
from services.connections import channels as channel_book
from services.core import events
from services.core.errors import UserError
from services.core.i18n import format_datetime
from services.core.models import Channel, DeliveryStatus, PostStatus, User
from services.core.timezones import local_to_utc
from services.platforms import registry
from services.posts import editing
from services.posts.editing import PostFilter
from services.team import permissions, users

router = APIRouter()
PAGE_SIZE = 25


@router.page('/history')
def history_page(request: Request, before: int | None = None, status: str = '', platform: str = '',
                 author: int | None = None, since: str = '', until: str = '', q: str = '', channel: int | None = None,
                 group: int | None = None) -> None:
    user = page_user(request)
    query = {'status': status, 'platform': platform, 'author': author or '', 'since': since, 'until': until, 'q': q,
             'channel': channel or '', 'group': group or ''}
    filters = PostFilter(status=status or None, platform=platform or None, author_id=author,
                         since=_day_start(since, user), until=_day_start(until, user, next_day=True), search=q,
                         channel_ids=chosen_channel_ids(channel, group))
    page = editing.list_posts(filters, before_id=before, limit=PAGE_SIZE + 1)
    more, page = len(page) > PAGE_SIZE, page[:PAGE_SIZE]
    known = channel_book.list_channels()
    with frame(_('Posts'), user):
        live = LivePage(user.id)
        _filter_bar(query, known, may_write=permissions.can(user, permissions.Action.WRITE_POSTS))
        empty_text = _('No posts match.') if any(query.values()) else _('No posts yet.')
        _PostList(page, filters, query, live, user, first_page=before is None, more=more, empty_text=empty_text,
                  channels={c.id: c for c in known})


def _filter_bar(query: dict, known: list[Channel], *, may_write: bool) -> None:
    statuses = {'': _('Any status')} | {s.value: _(STATUS[s.value][0]) for s in PostStatus}
    platforms = {'': _('Any platform')} | {spec.name: spec.label for spec in registry.all()}
    authors = {'': _('Anyone')} | {str(u.id): u.username for u in users.list_users()}
    with ui.card().classes('w-full'):
        with ui.row().classes('w-full items-end gap-2'):
            search = ui.input(_('Search the text'), value=query['q']).props('outlined dense clearable') \
                .classes('grow min-w-48').mark('search')
            status = ui.select(statuses, value=query['status'], label=_('Status')).props('outlined dense') \
                .classes('w-40').mark('filter-status')
            platform = ui.select(platforms, value=query['platform'], label=_('Platform')).props('outlined dense') \
                .classes('w-36').mark('filter-platform')
            channel = channel_select(known, query['channel'] or None, query['group'] or None)
            author = ui.select(authors, value=str(query['author']), label=_('Author')).props('outlined dense') \
                .classes('w-36')
            since = ui.input(_('From'), value=query['since']).props('outlined dense type=date').classes('w-40')
            until = ui.input(_('To'), value=query['until']).props('outlined dense type=date').classes('w-40')

            def apply() -> None:
                chosen = {'q': search.value or '', 'status': status.value or '', 'platform': platform.value or '',
                          'author': author.value or '', 'since': since.value or '', 'until': until.value or '',
                          **as_query(channel.value)}
                ui.navigate.to('/history?' + urlencode({k: v for k, v in chosen.items() if v}))

            search.on('keydown.enter', apply)
            ui.button(_('Filter'), icon='filter_list', on_click=apply).props('unelevated').mark('apply-filter')
            if may_write:
                ui.space()
                ui.button(_('Write a post'), icon='edit', on_click=lambda: ui.navigate.to('/compose')).props('flat') \
                    .mark('write-post')


class _PostList:
    """The posts of one page of the list. A change to a shown post redraws its row (a delivery's badge is painted
    in place without one); on the first page, a post created meanwhile that matches the filters comes in on top and
    the oldest beyond a page leave at the bottom, for Older posts."""

    def __init__(self, page: list[editing.PostDetails], filters: PostFilter, query: dict, live: LivePage, user: User,
                 *, first_page: bool, more: bool, empty_text: str, channels: dict[int, Channel]) -> None:
        self.filters, self.query, self.live, self.user, self.first_page = filters, query, live, user, first_page
        self.channels = channels
        self.clock = RelativeTimes(live.language)
        with ui.card().classes('w-full items-center py-8') as self.empty:
            ui.label(empty_text).classes('text-lg').mark('empty-state')
        self.empty.set_visibility(not page)
        self.rows: dict[int, _PostRow] = {}
        with ui.column().classes('w-full gap-2').mark('post-list') as self.column:
            for details in page:
                self.rows[details.post.id] = _PostRow(details, live, self.clock, user, self.channels)
        self.older = ui.button(_('Older posts'), icon='expand_more', on_click=self._older).props('flat').mark('older')
        self.older.set_visibility(more)
        live.watch(self._relevant, self._read, self._draw)

    def _older(self) -> None:
        before = min(self.rows, default=0)  # the oldest post shown
        ui.navigate.to('/history?' + urlencode({**{k: v for k, v in self.query.items() if v}, 'before': before}))

    def _relevant(self, change: Change) -> bool:
        row = self.rows.get(change.post_id)
        if row is None:
            return self.first_page and isinstance(change, events.PostScheduleChanged) and change.status is not None
        # a delivery's own change is painted in place; the Publish now and Reschedule buttons of a missed post
        # need the row redrawn
        return isinstance(change, events.PostScheduleChanged) or row.status == PostStatus.MISSED

    async def _read(self, changes: Changes) -> tuple[dict[int, editing.PostDetails | None],
                                                     list[editing.PostDetails]] | None:
        shown = [post_id for post_id in changes.post_ids if post_id in self.rows]
        look_for_new = self.first_page and any(post_id not in self.rows for post_id in changes.post_ids)
        return await run.io_bound(self._load, shown, look_for_new)

    def _draw(self, found: tuple[dict[int, editing.PostDetails | None], list[editing.PostDetails]]) -> None:
        current, newest = found
        for post_id, details in current.items():
            if post_id in self.rows and not self.rows[post_id].redraw(details):
                del self.rows[post_id]
        top = max(self.rows, default=0)
        for details in sorted(newest, key=lambda d: d.post.id):
            if details.post.id > top:
                with self.column:
                    self.rows[details.post.id] = _PostRow(details, self.live, self.clock, self.user, self.channels)
                self.rows[details.post.id].card.move(target_index=0)
        for post_id in sorted(self.rows)[:-PAGE_SIZE]:
            self.rows.pop(post_id).card.delete()
            self.older.set_visibility(True)
        self.empty.set_visibility(not self.rows)

    def _load(self, shown: list[int], look_for_new: bool) -> tuple[dict, list[editing.PostDetails]]:
        newest = editing.list_posts(self.filters, limit=PAGE_SIZE) if look_for_new else []
        return {post_id: editing.get_post(post_id) for post_id in shown}, newest


class _PostRow:
    """One post of the list, redrawn in place when it changes."""

    def __init__(self, details: editing.PostDetails, live: LivePage, clock: RelativeTimes, user: User,
                 channels: dict[int, Channel]) -> None:
        self.live, self.clock, self.user, self.channels = live, clock, user, channels
        self.card = ui.card().classes('w-full gap-1 hover:shadow-md').mark(f'post-{details.post.id}')
        self.redraw(details)

    def redraw(self, details: editing.PostDetails | None) -> bool:
        """Draw the post as it is now; False when it was deleted meanwhile (the row is removed)."""
        if details is None:
            self.card.delete()
            return False
        post = details.post
        self.status = post.status
        # A draft or a cancelled post is not due: it shows when it was last changed, not a time it will not keep.
        resting = post.status in (PostStatus.DRAFT, PostStatus.CANCELLED)
        when = post.updated_at if resting else post.scheduled_at or post.created_at
        self.card.clear()
        with self.card:
            with ui.link(target=f'/history/{post.id}').classes('w-full no-underline text-inherit flex flex-col gap-1'):
                with ui.row().classes('w-full items-center gap-x-2 gap-y-0'):
                    self.live.track_post(post.id, status_badge(post.status))
                    ui.label(format_datetime(self.live.language, when, self.user.timezone, style='medium')) \
                        .classes('text-xs text-gray-600')
                    self.clock.label(when).mark(f'relative-{post.id}')
                ui.label(post.text[:200] or _('(no text)')).classes('text-sm break-words line-clamp-2')
                with ui.row().classes('gap-1'):
                    for delivery in details.deliveries:
                        prefix = _channel_title(self.channels, delivery.channel_id, delivery.platform)
                        if post.status == PostStatus.DRAFT:  # where it would go; nothing is waiting yet
                            ui.badge(prefix).props('outline rounded color=grey-7').classes('px-2 py-1') \
                                .mark(f'platform-{post.id}-{delivery.platform} channel-{post.id}-{delivery.channel_id}')
                        else:
                            self.live.track_delivery(delivery.id, status_badge(delivery.status, prefix)
                                                     .mark(f'channel-{post.id}-{delivery.channel_id}'), prefix)
            _failures(details, self.channels)
            if post.status == PostStatus.MISSED:
                with ui.row().classes('w-full justify-end gap-1'):
                    missed_actions(post.id, post.scheduled_at, self.user)  # the change redraws this row live
        return True


def _channel_title(channels: dict[int, Channel], channel_id: int, platform: str) -> str:
    channel = channels.get(channel_id)
    return channel_book.full_title(channel) if channel else registry.label(platform)


def _failures(details: editing.PostDetails, channels: dict[int, Channel]) -> None:
    """Why a delivery of the post failed, under its row, so the reason and the next step show without opening it."""
    for delivery in details.deliveries:
        if delivery.last_error and delivery.status in (DeliveryStatus.FAILED, DeliveryStatus.INTERRUPTED):
            with ui.row().classes('w-full no-wrap items-start gap-2 text-xs text-negative'):
                ui.label(_channel_title(channels, delivery.channel_id, delivery.platform)).classes('font-semibold')
                platform_error(delivery.platform, delivery.last_error,
                               marker=f'list-error-{details.post.id}-{delivery.platform}', classes='min-w-0 flex-1')


def _day_start(day: str, user: User, *, next_day: bool = False):
    """Midnight (UTC) of a YYYY-MM-DD day in the user's time zone; None for no or a bad date."""
    try:
        parsed = date.fromisoformat(day) + (timedelta(days=1) if next_day else timedelta())
        return local_to_utc(parsed, time(0, 0), user.timezone, fold=0)
    except (ValueError, UserError):
        return None
