"""One post: its text and media, each channel's version and status (live), the attempt log, links, and Retry; its
review (Approve, Request changes, Reject) and its discussion, live too."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from nicegui import APIRouter, run, ui

from components.channel_picker import channel_avatar
from components.comment_thread import discussion
from components.headings import heading
from components.live_status import LivePage
from components.media_strip import media_strip
from components.missed_actions import publish_now, reschedule_then
from components.platform_error import platform_error
from components.read_only_note import teammates_post_note
from components.relative_time import RelativeTimes
from components.review_actions import review_actions
from components.session import client_ip, guarded, page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _, explain
from services.connections import channels as channel_book
from services.core.errors import UserError
from services.core.i18n import N_, format_datetime
from services.core.models import Channel, Delivery, DeliveryAttempt, DeliveryStatus, MediaAsset, Post, PostStatus, User
from services.platforms import registry
from services.platforms.spec import MediaFacts, SummaryLine
from services.posts import actions, comments, editing
from services.posts.versions import Version, of_delivery
from services.team import permissions
from services.web.browser_session import flash

router = APIRouter()

OUTCOMES = {'published': N_('Published'), 'retry': N_('Failed, will retry'), 'failed': N_('Failed'),
            'rejected': N_('Refused by the platform'), 'needs_reconnect': N_('Account needs reconnecting'),
            'interrupted': N_('Interrupted')}
RECONNECT_HINT = N_('Reconnect the channel on the Channels page, then retry.')
RETRYABLE = {DeliveryStatus.FAILED, DeliveryStatus.INTERRUPTED}
WHEN = {PostStatus.SCHEDULED: N_('Due %(when)s'), PostStatus.MISSED: N_('Was due %(when)s'),
        PostStatus.IN_REVIEW: N_('Wanted for %(when)s')}
WRITTEN = N_('Written %(when)s')


@router.page('/history/{post_id}')
def post_detail_page(request: Request, post_id: int) -> None:
    user = page_user(request)
    with frame(_('Post'), user):
        _PostView(post_id, user).draw(_read(post_id))


Found = tuple[editing.PostDetails | None, dict[int, list[DeliveryAttempt]], list[comments.Entry]]


def _read(post_id: int) -> Found:
    details = editing.get_post(post_id)
    return details, editing.attempts_of(post_id) if details else {}, comments.timeline(post_id) if details else []


class _PostView:
    """The post page. Any change to the post reads it again (off the event loop) and redraws the parts that differ:
    the status and its buttons, the text and media, the deliveries."""

    def __init__(self, post_id: int, user: User) -> None:
        self.post_id, self.user = post_id, user
        self.live = LivePage(user.id)
        self.header, self.body = ui.refreshable(self._header), ui.refreshable(self._body)
        self.deliveries = ui.refreshable(self._deliveries)
        self.live.watch(lambda change: change.post_id == post_id, lambda _changes: run.io_bound(_read, post_id),
                        self._show)

    def draw(self, found: Found) -> None:
        details, attempts, entries = found
        self.shown = _parts(details, attempts, entries)
        self.header(details)
        self.body(details)
        self.thread = discussion(self.post_id, entries, self.user, self.live.language) if details else None
        self.deliveries(details, attempts)

    async def _show(self, found: Found) -> None:
        details, attempts, entries = found
        parts = _parts(details, attempts, entries)
        if parts.thread != self.shown.thread and self.thread is not None:
            await self.thread.refresh(entries)
        if parts.header != self.shown.header:
            await self.header.refresh(details)
        if parts.body != self.shown.body:
            await self.body.refresh(details)
        if parts.deliveries != self.shown.deliveries:
            await self.deliveries.refresh(details, attempts)
        self.shown = parts

    def _header(self, details: editing.PostDetails | None) -> None:
        if details is None:
            ui.label(_('This post no longer exists.')).mark('missing-post')
            return
        post, user, live = details.post, self.user, self.live
        teammates_post_note(post.author_id, user)
        with ui.row().classes('w-full items-center gap-2'):
            live.track_post(post.id, status_badge(post.status).mark('post-status'))
            ui.space()
            review_actions(post, user)
            if post.status == PostStatus.MISSED and permissions.can(user, permissions.Action.PUBLISH):
                ui.button(_('Publish now'), icon='send', on_click=guarded(lambda: publish_now(post.id, user))) \
                    .props('unelevated').mark('publish-missed')
                ui.button(_('Reschedule'), icon='event', on_click=guarded(
                    lambda: reschedule_then(post.id, post.scheduled_at, user, lambda: None))) \
                    .props('outline').mark('reschedule')
            may_write = permissions.can_change_post(user, post.author_id)  # the composer refuses the others
            if may_write and details.editable:
                ui.button(_('Edit'), icon='edit', on_click=lambda: ui.navigate.to(f'/compose?post={post.id}')) \
                    .props('outline').mark('edit-post')
            elif may_write:  # a sent post cannot change: what a writer can do with it is start a new one from it
                ui.button(_('Duplicate as a new draft'), icon='content_copy',
                          on_click=guarded(lambda: _duplicate(post.id, user))).props('outline').mark('open-post')
        template = WHEN.get(post.status) if post.scheduled_at else None
        moment = post.scheduled_at if template else post.created_at
        with ui.row().classes('w-full items-center gap-x-2 gap-y-0 text-sm text-gray-700').mark('post-when'):
            ui.label(_(template or WRITTEN, when=format_datetime(live.language, moment, user.timezone)))
            RelativeTimes(live.language).label(moment)

    def _body(self, details: editing.PostDetails | None) -> None:
        if details is None:
            return
        with ui.card().classes('w-full'):
            ui.label(details.post.text or _('(no text)')).classes('whitespace-pre-wrap break-words').props('dir=auto')
            media_strip(details.media, on_remove=None, on_move=None)

    def _deliveries(self, details: editing.PostDetails | None, attempts: dict[int, list[DeliveryAttempt]]) -> None:
        if details is None:
            return
        channels = channel_book.channels_by_id(details.channel_ids)
        for delivery in details.deliveries:
            _delivery_card(details.post, details.media, delivery, channels.get(delivery.channel_id),
                           attempts.get(delivery.id, []), self.live, self.user)


@dataclass(frozen=True)
class _Parts:
    """What each redrawn part of the page shows, to redraw only the parts that changed."""

    header: tuple
    body: tuple
    deliveries: tuple
    thread: tuple


def _parts(details: editing.PostDetails | None, attempts: dict[int, list[DeliveryAttempt]],
           entries: list[comments.Entry]) -> _Parts:
    if details is None:
        return _Parts((), (), (), ())
    post = details.post
    return _Parts((post.status, post.scheduled_at, post.created_at, post.review_round),
                  (post.text, tuple(m.id for m in details.media)),
                  (repr(post.options), post.text, tuple(m.id for m in details.media),
                   tuple((d.id, d.channel_id, d.status, d.last_error, d.remote_url, len(attempts.get(d.id, [])), d.text,
                          repr(d.media_ids), repr(d.options)) for d in details.deliveries)),
                  tuple(entry.id for entry in entries))


def _what_goes(platform: str, options: dict, media: list[MediaFacts]) -> list[SummaryLine]:
    """The platform's own choices for the post (a title, who can see it, the kind of post), as its spec words them."""
    spec = registry.find(platform)
    return spec.summary(options, media) if spec else []


def _summary_lines(platform: str, lines: list[SummaryLine]) -> None:
    if not lines:
        return
    with ui.column().classes('w-full min-w-0 gap-0 text-sm').mark(f'sent-{platform}'):
        for line in lines:
            with ui.row().classes('w-full min-w-0 no-wrap items-baseline gap-2'):
                ui.label(_(line.label)).classes('text-gray-600 shrink-0')
                ui.label(_(line.value) if line.translate else line.value).classes('min-w-0 break-words') \
                    .props('dir=auto').mark(f'sent-{platform}-value')


def _delivery_card(post: Post, media: list[MediaAsset], delivery: Delivery, channel: Channel | None,
                   attempts: list[DeliveryAttempt], live: LivePage, user: User) -> None:
    """The post on one channel: the channel, its live status, what it gets when it has a version of its own, the
    platform's choices, why it failed and every attempt."""
    language, platform = live.language, delivery.platform
    label = channel_book.full_title(channel) if channel else registry.label(platform)
    got = of_delivery(post, delivery, media)
    with ui.card().classes('w-full min-w-0 gap-2') \
            .mark(f'delivery-{platform} delivery-channel-{delivery.channel_id}'):
        with ui.row().classes('w-full items-center gap-2'):
            if channel is not None:
                channel_avatar(channel)
            heading(label).classes('min-w-0').props('dir=auto').style('overflow-wrap: anywhere')
            live.track_delivery(delivery.id, status_badge(delivery.status)
                                .mark(f'status-{platform} status-channel-{delivery.channel_id}'), title=label)
            if Version.of(delivery).is_own:
                ui.badge(_('Own version')).props('outline color=primary').mark(f'own-{delivery.channel_id}')
            if delivery.remote_url:
                ui.link(_('View the post'), delivery.remote_url, new_tab=True)
            ui.space()
            if delivery.status in RETRYABLE and permissions.can(user, permissions.Action.PUBLISH):
                ui.button(_('Retry'), icon='refresh', on_click=guarded(lambda d=delivery.id: _retry(d, user))) \
                    .props('unelevated dense').mark(f'retry-{platform} retry-channel-{delivery.channel_id}')
        if delivery.text is not None:
            ui.label(got.text or _('(no text)')).classes('whitespace-pre-wrap break-words text-sm') \
                .props('dir=auto').mark(f'version-text-{delivery.channel_id}')
        if delivery.media_ids is not None:
            media_strip(got.media, on_remove=None, on_move=None)
        _summary_lines(platform, _what_goes(platform, got.options, editing.media_facts(got.media)))
        if delivery.last_error and delivery.status in RETRYABLE:
            platform_error(platform, delivery.last_error, marker=f'error-{platform}',
                           classes='text-sm text-negative')
            if attempts and attempts[-1].outcome == 'needs_reconnect':
                ui.label(_(RECONNECT_HINT)).classes('text-sm text-negative')
        if attempts:
            _attempt_log(platform, attempts, language, user.timezone)


def _attempt_log(platform: str, attempts: list, language: str, time_zone: str) -> None:
    """Newest first; each attempt is its time and outcome on one line and its error beneath, at full width, so a
    long error wraps by words on a phone instead of squeezing into a sliver beside the time."""
    with ui.column().classes('w-full min-w-0 gap-1 border-t border-gray-200 pt-2').mark('attempt-log'):
        for attempt in reversed(attempts):
            with ui.column().classes('w-full min-w-0 gap-0 text-xs text-gray-700').mark('attempt'):
                with ui.row().classes('items-baseline gap-x-2 gap-y-0'):
                    ui.label(format_datetime(language, attempt.started_at, time_zone, style='medium'))
                    ui.label(_(OUTCOMES.get(attempt.outcome, attempt.outcome))).classes('font-medium')
                if attempt.error_detail:
                    platform_error(platform, attempt.error_detail, marker='attempt-error', classes='attempt-error')


def _duplicate(post_id: int, user: User) -> None:
    try:
        copy = editing.duplicate_post(post_id, user)
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return
    flash(N_('A new draft was made from this post.'), kind='positive')
    ui.navigate.to(f'/compose?post={copy.id}')


def _retry(delivery_id: int, user: User) -> None:
    try:
        post_id = actions.retry(delivery_id, actor=user, ip=client_ip())
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return
    if post_id is not None:
        ui.notify(_('Trying again.'), type='info')
