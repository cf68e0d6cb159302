"""Dragging a post in the calendar to another day (month view) or day and hour (week view) to reschedule it.

The browser names the day a post was dropped on by the day cell's own date (`data-drop-day`), never by where the
cell is drawn, so a week laid out right to left (Arabic) maps a drop to the right day. In the week view, while a
post is dragged, each day shows the 24 hours as targets over its cell (keeping the post's minutes). A drop goes
through the same use case as the reschedule dialog (services.posts.actions.reschedule, with its checks); a refusal
is shown in the user's language, a move says where the post went and offers "Undo" for a few seconds. The dialog
stays for keyboards and phones; other open pages follow through the calendar's live redraw.
"""
from __future__ import annotations

import itertools
import json
from datetime import date, datetime, time

from nicegui import ui

from components.session import client_ip, guarded
from components.translate import _, current_language, explain
from services.core.errors import UserError
from services.core.i18n import format_datetime
from services.core.models import User
from services.core.timezones import AmbiguousTime, local_to_utc, utc_to_local
from services.posts import actions

UNDO_SECONDS = 8

DRAG_CSS = '''
[data-drag-post] { cursor: grab; }
.calendar-hours { display: none; }
body.calendar-dragging .calendar-hours { display: grid; position: absolute; inset: 1.75rem 0 0 0; z-index: 5;
  grid-template-columns: repeat(4, 1fr); grid-auto-rows: 1fr; gap: 1px; background: rgba(255, 255, 255, .92); }
.calendar-hours > div { display: flex; align-items: center; justify-content: center; font-size: .7rem;
  border-radius: 2px; background: #eef2ff; color: #334155; min-height: 1.1rem; }
.calendar-hours > div.calendar-over, [data-drop-day].calendar-over { outline: 2px solid var(--q-primary); }
'''

# Document-wide listeners, installed once per page: a drag carries the post's id; a drop reports the day (and in
# the week view the hour) of the target under the pointer.
DRAG_JS = '''
if (!window.calendarDragInstalled) {
  window.calendarDragInstalled = true;
  const pad = n => String(n).padStart(2, '0');
  const clear = () => document.querySelectorAll('.calendar-over').forEach(el => el.classList.remove('calendar-over'));
  document.addEventListener('dragstart', e => {
    const post = e.target.closest && e.target.closest('[data-drag-post]');
    if (!post) return;
    window.calendarDragged = post.dataset.dragPost;
    e.dataTransfer.setData('text/plain', post.dataset.dragPost);
    e.dataTransfer.effectAllowed = 'move';
    document.querySelectorAll('[data-drop-hour]').forEach(
      el => { el.textContent = pad(el.dataset.dropHour) + ':' + pad(post.dataset.minute || 0); });
    setTimeout(() => document.body.classList.add('calendar-dragging'));
  });
  document.addEventListener('dragend', () => {
    window.calendarDragged = null; clear(); document.body.classList.remove('calendar-dragging');
  });
  document.addEventListener('dragover', e => {
    const day = window.calendarDragged && e.target.closest && e.target.closest('[data-drop-day]');
    if (!day) return;
    e.preventDefault();
    const target = e.target.closest('[data-drop-hour]') || day;
    if (!target.classList.contains('calendar-over')) { clear(); target.classList.add('calendar-over'); }
  });
  document.addEventListener('drop', e => {
    const day = window.calendarDragged && e.target.closest && e.target.closest('[data-drop-day]');
    if (!day) return;
    e.preventDefault();
    const hour = e.target.closest('[data-drop-hour]');
    emitEvent('calendar_drop', {post: Number(window.calendarDragged), day: day.dataset.dropDay,
                                hour: hour ? Number(hour.dataset.dropHour) : null});
    window.calendarDragged = null; clear(); document.body.classList.remove('calendar-dragging');
  });
}
'''


class CalendarDrag:
    """The drag and drop of one calendar page; `when_of(post_id)` is the post's time as the page shows it."""

    def __init__(self, user: User, when_of) -> None:
        self.user, self.when_of = user, when_of
        self.undo: dict[int, tuple[int, datetime]] = {}  # token -> (post id, its time before the move)
        self.tokens = itertools.count(1)
        ui.add_css(DRAG_CSS)
        ui.add_body_html(f'<script>{DRAG_JS}</script>')
        ui.on('calendar_drop', guarded(self._dropped))
        ui.on('calendar_undo', guarded(self._undone))

    @staticmethod
    def draggable(element: ui.element, post_id: int, at: datetime, time_zone: str) -> None:
        """Make `element` (a post's card) draggable."""
        element.props(f'draggable=true data-drag-post={post_id} data-minute={utc_to_local(at, time_zone).minute}')

    @staticmethod
    def drop_day(element: ui.element, day: date, *, hours: bool) -> None:
        """Make `element` (a day's cell) a drop target; with `hours` (week view), the hours show over it while a
        post is dragged."""
        element.props(f'data-drop-day={day.isoformat()}').style('position: relative')
        if hours:
            with element:
                ui.html(''.join(f'<div data-drop-hour="{hour}">{hour:02d}:00</div>' for hour in range(24)),
                        sanitize=False).classes('calendar-hours')

    async def _dropped(self, event) -> None:
        found = event.args[0] if isinstance(event.args, list) else event.args
        try:
            post_id, day, hour = int(found['post']), date.fromisoformat(found['day']), found.get('hour')
        except (KeyError, TypeError, ValueError):
            return
        current = self.when_of(post_id)
        if current is None:
            return
        local = utc_to_local(current, self.user.timezone)
        at = time(int(hour) if hour is not None and 0 <= int(hour) <= 23 else local.hour, local.minute)
        if day == local.date() and at == local.time().replace(second=0, microsecond=0):
            return
        await self.move(post_id, day, at, current)

    async def move(self, post_id: int, day: date, at: time, previous: datetime) -> None:
        """Reschedule the post to `day` `at` (the user's zone; a time that happens twice is the first), then say so
        with "Undo"; a refusal is said instead."""
        try:
            try:
                when = local_to_utc(day, at, self.user.timezone)
            except AmbiguousTime as ambiguous:
                when = ambiguous.earlier
            actions.reschedule(post_id, when, actor=self.user, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative', position='top')
            return
        token = next(self.tokens)
        self.undo[token] = (post_id, previous)
        message = _('Moved to %(when)s.', when=format_datetime(current_language(), when, self.user.timezone,
                                                                   style='medium'))
        options = {'message': message, 'type': 'positive', 'timeout': UNDO_SECONDS * 1000, 'position': 'top',
                   'attrs': {'data-testid': 'calendar-moved'}}
        undo = json.dumps(_('Undo'))
        ui.run_javascript(f'''const options = {json.dumps(options)};
options.actions = [{{label: {undo}, color: 'white', noCaps: true,
                     handler: () => emitEvent('calendar_undo', {token})}}];
Quasar.Notify.create(options);''')

    async def _undone(self, event) -> None:
        token = event.args[0] if isinstance(event.args, list) else event.args
        found = self.undo.pop(int(token), None) if str(token).isdigit() else None
        if found is None:
            return
        post_id, previous = found
        try:
            actions.reschedule(post_id, previous, actor=self.user, ip=client_ip())
        except UserError as refusal:
            ui.notify(explain(refusal), type='negative', position='top')
            return
        ui.notify(_('Moved back to %(when)s.', when=format_datetime(current_language(), previous, self.user.timezone,
                                                                     style='medium')), type='info', position='top')
