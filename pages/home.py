"""Home: a summary of the team's posts, what is due next, what needs attention, and posts per channel."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from nicegui import APIRouter, ui

from components.channel_picker import channel_avatar
from components.headings import heading
from components.live_list import LiveList
from components.live_redraw import SharedRead
from components.live_status import LivePage
from components.missed_actions import missed_actions
from components.post_summary import moment, summary_card
from components.relative_time import RelativeTimes
from components.session import page_user
from components.status_badge import STATUS, status_badge, status_text
from components.theme import frame
from components.translate import _, current_language, ngettext
from services.connections import channels as channel_book
from services.core import i18n
from services.core.i18n import N_
from services.core.models import PostStatus, User
from services.posts import overview
from services.posts.overview import PostSummary
from services.team import permissions

router = APIRouter()

SUMMARY = [  # (statuses counted together, msgid, icon)
    (('scheduled',), N_('Scheduled'), 'schedule'),
    (('published', 'partly_published'), N_('Published'), 'check_circle'),
    (('failed', 'missed'), N_('Need attention'), 'error_outline'),
    (('draft',), N_('Drafts'), 'edit_note'),
]
CHART_ORDER = ['published', 'scheduled', 'publishing', 'failed', 'interrupted', 'missed', 'cancelled', 'draft']
DUE_NEXT, ATTENTION = 5, 10


@router.page('/')
def home_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Home'), user):
        ui.label(_('Welcome, %(name)s.', name=user.username)).classes('text-gray-700').mark('welcome')
        Dashboard(user, current_language()).build(read_figures())


@dataclass(frozen=True)
class Figures:
    """Everything Home shows, read in one go."""

    counts: dict[str, int]
    due_next: list[PostSummary]
    attention: list[PostSummary]
    attention_total: int
    by_channel: dict[int, dict[str, int]]

    @property
    def empty(self) -> bool:
        return not any(self.counts.values()) and not self.due_next and not self.attention_total


def read_figures() -> Figures:
    attention, total = overview.needs_attention(ATTENTION)
    return Figures(overview.status_counts(days=30), overview.due_next(DUE_NEXT), attention, total,
                   overview.channel_status_counts(days=30))


FIGURES = SharedRead(read_figures)  # after a change, every open Home page shares one read


class Dashboard:
    """Home below the welcome. Any change of any post may move its figures: they are read again (shared by every
    open Home page); the totals change in place, the lists draw only the posts that are new or changed, and the
    chart is redrawn when its numbers differ."""

    def __init__(self, user: User, language: str) -> None:
        self.user, self.language = user, language
        self.clock = RelativeTimes(language)

    def build(self, figures: Figures) -> None:
        self.shown = figures
        ui.label(_('Your team\'s posts over the last 30 days')).classes('text-sm text-gray-600')
        self.totals = self._summary(figures.counts)
        self.main = ui.refreshable(self._main)
        self.main(figures)
        LivePage(self.user.id).watch(lambda _change: True, lambda changes: FIGURES.get(changes.since), self._show)

    async def _show(self, figures: Figures) -> None:
        if figures == self.shown:
            return
        shown, self.shown = self.shown, figures
        for label, (statuses, _msgid, _icon) in zip(self.totals, SUMMARY, strict=True):
            label.text = i18n.format_number(self.language, sum(figures.counts[status] for status in statuses))
        if figures.empty or shown.empty:
            if figures.empty != shown.empty:
                await self.main.refresh(figures)
            return
        self._show_due_next(figures.due_next)
        self._show_attention(figures.attention, figures.attention_total)
        if figures.by_channel != shown.by_channel:
            await self.chart.refresh(figures.by_channel)

    def _summary(self, counts: dict[str, int]) -> list[ui.label]:
        """The four totals; returns their labels, whose numbers change in place."""
        totals = []
        with ui.grid().classes('w-full gap-3 grid-cols-2 md:grid-cols-4'):
            for statuses, label, icon in SUMMARY:
                total = sum(counts[status] for status in statuses)
                with ui.card().classes('items-start gap-1'):
                    with ui.row().classes('items-center flex-nowrap gap-2 text-gray-600'):
                        ui.icon(icon)
                        ui.label(_(label))
                    totals.append(ui.label(i18n.format_number(self.language, total)).classes('text-3xl font-semibold'))
        return totals

    def _main(self, figures: Figures) -> None:
        if figures.empty:
            with ui.card().classes('w-full items-center gap-2 py-8'):
                ui.icon('auto_awesome', size='2.5rem').classes('text-primary')
                ui.label(_('No posts yet.')).classes('text-lg font-medium').mark('empty-state')
                ui.label(_('Posts your team writes and schedules will be counted here.')).classes('text-gray-600')
                if permissions.can(self.user, permissions.Action.WRITE_POSTS):
                    ui.button(_('Write a post'), icon='edit', on_click=lambda: ui.navigate.to('/compose')) \
                        .props('unelevated')
            return
        with ui.row().classes('w-full gap-3 items-start max-md:flex-col'):
            with ui.card().classes('flex-1 min-w-0 w-full gap-2').mark('due-next'):
                with ui.row().classes('w-full items-center'):
                    heading(_('Due next'))
                    ui.space()
                    ui.link(_('Open the calendar'), '/calendar').classes('text-sm')
                self.nothing_due = ui.label(_('Nothing is scheduled.')).classes('text-sm text-gray-600')
                self.due_next = LiveList(ui.column().classes('w-full gap-2'), self._due_card, key=lambda s: s.id)
                self._show_due_next(figures.due_next)
            with ui.card().classes('flex-1 min-w-0 w-full gap-2').mark('needs-attention'):
                heading(_('Needs attention'))
                with ui.row().classes('items-center gap-2 text-positive') as self.all_clear:
                    ui.icon('check_circle')
                    ui.label(_('All clear: nothing failed or was missed.')).classes('text-sm')
                self.attention = LiveList(ui.column().classes('w-full gap-2'), self._attention_card,
                                          key=lambda s: s.id)
                self.more_attention = ui.link('', '/history').classes('text-sm')
                self._show_attention(figures.attention, figures.attention_total)
        with ui.card().classes('w-full gap-2').mark('platform-chart'):
            heading(_('Posts per channel, last 30 days'))
            self.chart = ui.refreshable(lambda counts: channel_bars(counts, self.language))
            self.chart(figures.by_channel)

    def _when(self, summary: PostSummary) -> str:
        return moment(self.language, summary.scheduled_at or summary.updated_at, self.user.timezone)

    def _show_due_next(self, upcoming: list[PostSummary]) -> None:
        self.nothing_due.set_visibility(not upcoming)
        self.due_next.container.set_visibility(bool(upcoming))
        self.due_next.show(upcoming)

    def _due_card(self, summary: PostSummary) -> None:
        page = '/compose?post=' if permissions.can(self.user, permissions.Action.WRITE_POSTS) else '/history/'
        with summary_card(summary, self._when(summary), compact=True, clock=self.clock):
            ui.button(_('Open'), icon='open_in_new', on_click=lambda: ui.navigate.to(f'{page}{summary.id}')) \
                .props('flat dense no-caps size=sm')

    def _show_attention(self, found: list[PostSummary], total: int) -> None:
        self.all_clear.set_visibility(not found)
        self.attention.container.set_visibility(bool(found))
        self.attention.show(found)
        more = total - len(found)
        self.more_attention.set_visibility(more > 0)
        self.more_attention.text = ngettext('%(n)s more post needs attention', '%(n)s more posts need attention',
                                            more) if more > 0 else ''

    def _attention_card(self, summary: PostSummary) -> None:
        with summary_card(summary, self._when(summary), compact=True, clock=self.clock) as actions:
            with actions.classes('justify-between'):
                status_badge(PostStatus.MISSED if summary.status == PostStatus.MISSED else
                             'interrupted' if summary.interrupted else summary.status)
                ui.space()
                self._actions(summary)

    def _actions(self, summary: PostSummary) -> None:
        if summary.status == PostStatus.MISSED and permissions.can(self.user, permissions.Action.WRITE_POSTS):
            missed_actions(summary.id, summary.scheduled_at, self.user)  # the change redraws this page live
        else:
            ui.button(_('Open'), icon='open_in_new', on_click=lambda: ui.navigate.to(f'/history/{summary.id}')) \
                .props('flat dense no-caps size=sm').mark(f'open-{summary.id}')


def channel_bars(counts: dict[int, dict[str, int]], language: str) -> None:
    """One stacked bar per channel (scaled to the busiest; in the order channels are listed), its numbers written
    out beneath for every reader."""
    if not counts:
        ui.label(_('No posts in the last 30 days.')).classes('text-sm text-gray-600')
        return
    busiest = max(sum(by_status.values()) for by_status in counts.values())
    for channel in [channel for channel in channel_book.list_channels() if channel.id in counts]:
        by_status = counts[channel.id]
        total = sum(by_status.values())
        ordered = [(s, by_status[s]) for s in CHART_ORDER if by_status.get(s)] + \
                  [(s, n) for s, n in by_status.items() if s not in CHART_ORDER and n]
        with ui.column().classes('w-full gap-1').mark(f'bar-{channel.platform} bar-channel-{channel.id}'):
            with ui.row().classes('w-full items-center gap-2'):
                channel_avatar(channel, '1.25rem')
                ui.label(channel_book.full_title(channel)).classes('font-medium').props('dir=auto')
                ui.label(i18n.format_number(language, total)).classes('text-sm text-gray-600')
            with ui.row().classes('w-full h-4 gap-0 no-wrap rounded overflow-hidden bg-gray-100'):
                with ui.row().classes('h-full gap-0 no-wrap').style(f'width: {100 * total / busiest:.1f}%'):
                    for status, n in ordered:
                        color = STATUS.get(status, ('', 'grey-7'))[1]
                        ui.element('div').classes(f'h-full bg-{color}').style(f'width: {100 * n / total:.1f}%') \
                            .tooltip(f'{status_text(status)}: {i18n.format_number(language, n)}')
            ui.label(' · '.join(f'{status_text(status)} {i18n.format_number(language, n)}' for status, n in ordered)) \
                .classes('text-xs text-gray-600')
