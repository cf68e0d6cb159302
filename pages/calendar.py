"""Calendar: upcoming posts by week, by month or as a list, in the user's time zone; open, reschedule or cancel.

Each day is read with its own small query (at most a few posts per cell, and a count), so a month with
thousands of posts costs the same as an empty one; an open page follows changes live, redrawing only the days a
post leaves and enters (or the list). On a phone the day grid becomes one column and empty days
are left out.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from fastapi import Request
from nicegui import APIRouter, run, ui

from components.calendar_drag import CalendarDrag
from components.channel_colours import channel_legend
from components.channel_filter import as_query, channel_select, chosen_channel_ids
from components.headings import heading
from components.live_list import LiveList
from components.live_redraw import Change, Changes
from components.live_status import LivePage
from components.post_summary import day_label, summary_card, time_of_day
from components.reschedule_dialog import cancel_dialog, reschedule_dialog
from components.risk_warnings import risk_icon
from components.session import guarded, page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _, browser_region, current_language, ngettext
from services.connections import channels as channel_book
from services.core import events
from services.core.i18n import N_, direction
from services.core.models import AccountStatus, PostStatus, User, utcnow
from services.core.timezones import first_day_of_week, utc_to_local
from services.notifications import risks
from services.posts import overview
from services.posts.overview import ON_CALENDAR, PostSummary, Repeat
from services.team import permissions

router = APIRouter()
VIEWS = {'week': N_('Week'), 'month': N_('Month'), 'list': N_('List')}
PER_DAY = {'week': 20, 'month': 3}  # posts shown in one day's cell; the rest are counted
LIST_PAGE = 50
ARROW_CSS = '[dir] .calendar-arrow .q-icon { direction: ltr; }'


@router.page('/calendar')
def calendar_page(request: Request, view: str = 'week', start: str | None = None, after: str | None = None,
                  channel: int | None = None, group: int | None = None) -> None:
    user = page_user(request)
    view = view if view in VIEWS else 'week'
    today = utc_to_local(utcnow(), user.timezone).date()
    try:
        anchor = date.fromisoformat(start) if start else today
    except ValueError:
        anchor = today
    with frame(_('Calendar'), user):
        CalendarView(user, view, anchor, today, _parse_after(after), (channel, group)).build()


def _parse_after(raw: str | None) -> tuple[datetime, int] | None:
    """The list's paging key 'ISO-UTC-time~post-id' (the last post shown)."""
    try:
        at, post_id = (raw or '').split('~')
        return datetime.fromisoformat(at).astimezone(UTC), int(post_id)
    except ValueError:
        return None


def day_start(day: date, time_zone: str) -> datetime:
    """The UTC instant the local `day` begins."""
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(time_zone)).astimezone(UTC)


class CalendarView:
    def __init__(self, user: User, view: str, anchor: date, today: date, after: tuple[datetime, int] | None,
                 only: tuple[int | None, int | None] = (None, None)) -> None:
        self.user, self.view, self.anchor, self.today, self.after = user, view, anchor, today, after
        self.only = only  # (channel, group) the page is filtered by
        self.channel_ids = chosen_channel_ids(*only)  # None: every channel
        self.known = channel_book.list_channels()
        self.channels = {channel.id: channel for channel in self.known}
        self.language = current_language()
        self.zone = user.timezone
        self.first_weekday = first_day_of_week(self.language, self.zone, browser_region())
        self.may_change = permissions.can(user, permissions.Action.WRITE_POSTS)
        self.shown_on: dict[int, date] = {}  # post id -> the day it is shown under
        self.cells: dict[date, _Cell] = {}
        self.totals: dict[date, int] = {}
        self.at_risk: dict[int, list[risks.Risk]] = {}  # post id -> what would make it fail (scheduled posts)
        self.times: dict[int, datetime] = {}  # post id -> when it is due, as shown
        self.repeating: set[int] = set()  # posts whose coming occurrences are shown (from their rule)
        self.drag = CalendarDrag(user, self.times.get) if self.may_change and view != 'list' else None

    def build(self) -> None:
        self._toolbar()
        ui.label(_('Times are shown in %(zone)s.', zone=self.zone)).classes('text-xs text-gray-600')
        shown = [c for c in self.known if self.channel_ids is None or c.id in self.channel_ids]
        channel_legend([c for c in shown if c.status != AccountStatus.DISCONNECTED or self.channel_ids is not None],
                       _('Colours of the channels'))
        if self.view == 'list':
            self._list(self._read_list())
        else:
            self._days_grid()
        LivePage(self.user.id).watch(self._relevant, self._read_changed, self._draw_changed)

    def _url(self, **changes: str) -> str:
        channel, group = self.only
        params = {'view': self.view, 'start': self.anchor.isoformat(),
                  **({'group': group} if group else {'channel': channel} if channel else {}), **changes}
        if params['view'] == 'list' and 'start' not in changes:  # the list starts today unless told otherwise
            del params['start']
        return '/calendar?' + '&'.join(f'{key}={value}' for key, value in params.items() if value != '')

    def _toolbar(self) -> None:
        with ui.row().classes('w-full items-center gap-2 flex-wrap'):
            ui.toggle({key: _(label) for key, label in VIEWS.items()}, value=self.view,
                      on_change=lambda e: ui.navigate.to(self._url(view=e.value))).props('no-caps dense') \
                .mark('calendar-view')
            if self.view != 'list':
                step = timedelta(days=7) if self.view == 'week' else None
                previous = self.anchor - step if step else (self.anchor.replace(day=1) - timedelta(days=1))
                following = self.anchor + step if step else (self.anchor.replace(day=28) + timedelta(days=4))
                # Earlier is towards the start of the line: left in English, right in Arabic. Chromium mirrors an
                # icon's glyph on a right-to-left page only now and then, so the icons are drawn left to right
                # (ARROW_CSS) and picked by the language's direction.
                back, forth = ('chevron_right', 'chevron_left') if direction(self.language) == 'rtl' else \
                    ('chevron_left', 'chevron_right')
                ui.add_css(ARROW_CSS)
                self._go_button(back, _('Previous'), previous, 'calendar-previous')
                self._today_button()
                self._go_button(forth, _('Next'), following, 'calendar-next')
            else:
                self._today_button()
            heading(self._period_title()).mark('calendar-period')
            ui.space()
            picked = channel_select(self.known, *self.only)
            picked.on_value_change(
                lambda e: ui.navigate.to(self._url(**{'channel': '', 'group': '', **as_query(e.value)})))

    def _today_button(self) -> None:
        ui.button(_('Today'), on_click=lambda: ui.navigate.to(self._url(start=self.today.isoformat()))) \
            .props('flat dense no-caps').mark('calendar-today')

    def _go_button(self, icon: str, label: str, day: date, marker: str) -> None:
        ui.button(icon=icon, on_click=lambda: ui.navigate.to(self._url(start=day.isoformat()))) \
            .props(f'flat round dense aria-label="{label}"').classes('calendar-arrow').mark(marker).tooltip(label)

    def _period_title(self) -> str:
        if self.view == 'week':
            first = self._week_start(self.anchor)
            return (f'{day_label(self.language, first, self.zone, "yMMMd")} – '
                    f'{day_label(self.language, first + timedelta(days=6), self.zone, "yMMMd")}')
        if self.view == 'month':
            return day_label(self.language, self.anchor, self.zone, 'yMMMM')
        day = day_label(self.language, self.anchor, self.zone, 'yMMMEd')
        return _('From today, %(day)s', day=day) if self.anchor == self.today else _('From %(day)s', day=day)

    # --- live: a change redraws the days it leaves and enters (week, month) or the list ------------------------

    def _relevant(self, change: Change) -> bool:
        if change.post_id in self.shown_on or change.post_id in self.repeating:
            return True
        if not isinstance(change, events.PostScheduleChanged) or change.scheduled_at is None:
            return False
        return self.view == 'list' or self._visible_day(change.scheduled_at) is not None

    def _visible_day(self, at: datetime | None) -> date | None:
        day = utc_to_local(at, self.zone).date() if at else None
        return day if day in self.cells else None

    async def _read_changed(self, changes: Changes) -> list[PostSummary] | dict | None:
        if self.view == 'list':
            return await run.io_bound(self._read_list)
        if self.repeating & set(changes.post_ids):  # a series changed: its occurrences may be on any day
            return await run.io_bound(self._read_days, list(self.cells))
        days = {self.shown_on[post_id] for post_id in changes.post_ids if post_id in self.shown_on}
        days |= {self._visible_day(change.scheduled_at) for change in changes.events
                 if isinstance(change, events.PostScheduleChanged)} - {None}
        return await run.io_bound(self._read_days, sorted(days))

    def _draw_changed(self, found: list[PostSummary] | dict[date, tuple[list[PostSummary], int]]) -> None:
        if self.view == 'list':
            self._show_list(found)
            return
        for day, (entries, total) in found.items():
            self._fill_cell(day, entries, total)
        self.empty.set_visibility(not any(self.totals.values()))

    # --- week and month --------------------------------------------------------------------------------------

    def _days(self) -> list[date]:
        if self.view == 'week':
            start = self._week_start(self.anchor)
            return [start + timedelta(days=i) for i in range(7)]
        first = self.anchor.replace(day=1)
        start = self._week_start(first)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        end = self._week_start(last) + timedelta(days=6)
        return [start + timedelta(days=i) for i in range((end - start).days + 1)]

    def _week_start(self, day: date) -> date:
        """The first day of `day`'s week, as weeks are counted where the user is (Babel/CLDR)."""
        return day - timedelta(days=(day.weekday() - self.first_weekday) % 7)

    def _read_days(self, days: list[date]) -> dict[date, tuple[list[PostSummary | Repeat], int]]:
        """Each day's first posts and how many it has, then the coming occurrences of recurring posts that day."""
        bounds = [(day_start(day, self.zone), day_start(day + timedelta(days=1), self.zone)) for day in days]
        found = dict(zip(days, overview.upcoming_by_day(bounds, PER_DAY[self.view], ON_CALENDAR, self.channel_ids),
                         strict=True))
        self._read_risks([entry for entries, _total in found.values() for entry in entries])
        if days:
            for repeat in overview.repeats_between(bounds[0][0], bounds[-1][1], self.channel_ids):
                day = utc_to_local(repeat.at, self.zone).date()
                if day in found and len(found[day][0]) < PER_DAY[self.view] + 5:
                    found[day][0].append(repeat)
        return found

    def _read_risks(self, entries: list[PostSummary]) -> None:
        read = {entry.id for entry in entries}
        self.at_risk = {k: v for k, v in self.at_risk.items() if k not in read} | risks.of_posts(list(read))

    def _days_grid(self) -> None:
        days = self._days()
        found = self._read_days(days)
        self.empty = ui.label(_('Nothing is scheduled in this period.')).classes('text-gray-600') \
            .mark('calendar-empty')
        with ui.grid().classes('w-full gap-2 grid-cols-1 md:grid-cols-7').mark(f'calendar-{self.view}'):
            for day in days:
                with ui.column().mark(f'day-{day.isoformat()}') as box:
                    if self.drag:
                        self.drag.drop_day(box, day, hours=self.view == 'week')
                    heading(day_label(self.language, day, self.zone, 'MMMEd'), level=3, size='text-xs') \
                        .classes('text-primary' if day == self.today else 'text-gray-600')
                    entries = LiveList(ui.column().classes('w-full min-w-0 gap-1'),
                                       lambda entry: self._entry(entry, compact=True),
                                       key=lambda entry: entry.id if isinstance(entry, PostSummary) else
                                       ('repeat', entry.post.id, entry.at))
                    more = ui.link('', self._url(view='list', start=day.isoformat())).classes('text-xs')
                self.cells[day] = _Cell(box, entries, more)
                self._fill_cell(day, *found[day])
        self.empty.set_visibility(not any(self.totals.values()))

    def _fill_cell(self, day: date, entries: list[PostSummary | Repeat], total: int) -> None:
        """Show one day's first `entries` of `total` posts, and the occurrences of recurring posts that day
        (drawing only the entries new or changed there)."""
        repeats = [entry for entry in entries if isinstance(entry, Repeat)]
        self.repeating |= {repeat.post.id for repeat in repeats}
        entries = [entry for entry in entries if not isinstance(entry, Repeat)]
        outside = self.view == 'month' and day.month != self.anchor.month
        classes = 'w-full min-w-0 gap-1 p-1 rounded border border-gray-200 '
        classes += 'bg-gray-50 ' if outside else 'bg-white '
        classes += 'md:min-h-[7rem] ' + ('' if entries or repeats else 'max-md:hidden ')
        self.shown_on = {post_id: shown for post_id, shown in self.shown_on.items() if shown != day} | \
            {entry.id: day for entry in entries}
        self.totals[day] = total
        self.times.update((entry.id, entry.scheduled_at) for entry in entries)
        cell = self.cells[day]
        cell.box.classes(replace=classes)
        cell.entries.container.set_visibility(bool(entries or repeats))
        cell.entries.show(entries + repeats)
        cell.more.set_visibility(total > len(entries))
        cell.more.text = ngettext('%(n)s more post', '%(n)s more posts', total - len(entries)) \
            if total > len(entries) else ''

    # --- list --------------------------------------------------------------------------------------------------

    def _read_list(self) -> list[PostSummary]:
        start = day_start(self.anchor, self.zone) if self.after is None else self.after[0]
        end = utcnow() + timedelta(days=400)
        found = overview.upcoming(start, end, limit=LIST_PAGE + 1, after=self.after, statuses=ON_CALENDAR,
                                  channel_ids=self.channel_ids)
        self._read_risks(found)
        return found

    def _list(self, entries: list[PostSummary]) -> None:
        self.list_empty = ui.label(_('Nothing is scheduled yet.')).classes('text-gray-600').mark('calendar-empty')
        self.list_days = LiveList(ui.column().classes('w-full gap-2').mark('calendar-list'), self._list_day,
                                  key=lambda group: group[0])
        self.later_key = ''
        self.later = ui.button(_('Later posts'), icon='expand_more',
                               on_click=lambda: ui.navigate.to(self._url(view='list', after=self.later_key))) \
            .props('flat')
        self._show_list(entries)

    def _show_list(self, entries: list[PostSummary]) -> None:
        """Show the list's posts grouped by day; only the days whose posts changed are drawn again."""
        more, entries = len(entries) > LIST_PAGE, entries[:LIST_PAGE]
        groups: dict[date, list[PostSummary]] = {}
        for entry in entries:
            groups.setdefault(utc_to_local(entry.scheduled_at, self.zone).date(), []).append(entry)
        self.shown_on = {entry.id: day for day, found in groups.items() for entry in found}
        self.list_empty.set_visibility(not entries)
        self.list_days.container.set_visibility(bool(entries))
        self.list_days.show([(day, tuple(found)) for day, found in groups.items()])
        if more:
            last = entries[-1]
            self.later_key = f'{last.scheduled_at.isoformat()}~{last.id}'.replace('+', '%2B')
        self.later.set_visibility(more)

    def _list_day(self, group: tuple[date, tuple[PostSummary, ...]]) -> None:
        day, entries = group
        with ui.column().classes('w-full gap-2'):
            heading(day_label(self.language, day, self.zone, 'yMMMEd'), level=3, size='text-sm') \
                .classes('text-gray-700 pt-2')
            for entry in entries:
                self._entry(entry, compact=False)

    # --- one post ----------------------------------------------------------------------------------------------

    def _entry(self, entry: PostSummary | Repeat, *, compact: bool) -> None:
        if isinstance(entry, Repeat):  # drawn from the rule: nothing to open, move or cancel yet
            with ui.element('div').classes('calendar-repeat w-full min-w-0 opacity-75'), \
                    summary_card(entry.post, time_of_day(self.language, entry.at, self.zone), compact=compact,
                                 channels=self.channels, coloured=True):
                ui.label(_('Repeats')).classes('me-auto text-xs text-gray-600') \
                    .mark(f'repeats-{entry.post.id}-{entry.at.date().isoformat()}')
            return
        with ui.element('div').classes('calendar-entry w-full min-w-0') as card, \
                summary_card(entry, time_of_day(self.language, entry.scheduled_at, self.zone), compact=compact,
                             channels=self.channels, coloured=True):
            if entry.status not in (PostStatus.SCHEDULED, PostStatus.MISSED):  # it went out (or is going out)
                status_badge(entry.status).classes('me-auto').mark(f'entry-status-{entry.id}')
                self._action('open_in_new', _('Open'), f'open-{entry.id}', compact,
                             lambda e=entry: ui.navigate.to(f'/history/{e.id}'))
                return
            if self.drag and compact:
                self.drag.draggable(card, entry.id, entry.scheduled_at, self.zone)
            if entry.status == PostStatus.MISSED:
                status_badge(entry.status).classes('me-auto').mark(f'entry-status-{entry.id}')
            elif entry.id in self.at_risk:
                risk_icon(entry.id, self.at_risk[entry.id], self.channels, entry.scheduled_at, self.zone)
            if not self.may_change:  # viewers see the post's page, read-only
                self._action('open_in_new', _('Open'), f'open-{entry.id}', compact,
                             lambda e=entry: ui.navigate.to(f'/history/{e.id}'))
                return
            self._action('open_in_new', _('Open'), f'open-{entry.id}', compact,
                         lambda e=entry: ui.navigate.to(f'/compose?post={e.id}'))
            self._action('event', _('Reschedule'), f'reschedule-{entry.id}', compact,
                         guarded(lambda e=entry: self._reschedule(e)))
            self._action('event_busy', _('Cancel the post'), f'cancel-{entry.id}', compact,
                         guarded(lambda e=entry: self._cancel(e)))

    @staticmethod
    def _action(icon: str, label: str, marker: str, compact: bool, handler) -> None:
        button = ui.button(None if compact else label, icon=icon, on_click=handler) \
            .props(f'flat dense no-caps size=sm aria-label="{label}"').mark(marker)
        if compact:
            button.tooltip(label)

    async def _reschedule(self, entry: PostSummary) -> None:
        await reschedule_dialog(entry.id, entry.scheduled_at, self.user)  # the change redraws the page live

    async def _cancel(self, entry: PostSummary) -> None:
        await cancel_dialog(entry.id, self.user)


class _Cell(NamedTuple):
    """One day of the week or month grid."""

    box: ui.column
    entries: LiveList[PostSummary]
    more: ui.link
