"""The composer's "Repeat" fields under the When fields: does not repeat, or every N days, weeks (on chosen
weekdays) or months, for ever or N posts in all; they set the composer state's recurrence, in the user's zone.
Saving an occurrence of a recurring post first asks whether the change is for this one or this and all later ones."""
from __future__ import annotations

from nicegui import ui

from components.compose_state import ComposeState
from components.headings import heading, name_dialog
from components.translate import _
from components.weekday_chips import weekday_chips
from services.core.models import User
from services.posts import editing
from services.posts.recurrence import WAITS, Recurrence


class RepeatFields:
    def __init__(self, state: ComposeState, user: User) -> None:
        self.state, self.user = state, user
        self.weekdays: set[int] = set()
        details = editing.get_post(state.post_id) if state.post_id else None
        self.existing = details.post.recurrence if details else None
        self.occurrence = bool(self.existing) and details.post.status in WAITS  # one of a series, still to go

    def build(self) -> RepeatFields:
        choices = {'none': _('Does not repeat'), 'daily': _('Every day'), 'weekly': _('Every week'),
                   'monthly': _('Every month')}
        if self.existing:
            choices = {'keep': _('Repeats as it does now'), **choices}
        with ui.column().classes('w-full gap-1').mark('repeat-fields'):
            with ui.row().classes('w-full items-start gap-2'):
                self.frequency = ui.select(choices, value='keep' if self.existing else 'none', label=_('Repeat'),
                                           on_change=self._changed).props('outlined dense').classes('w-48') \
                    .mark('repeat-frequency')
                self.interval = ui.number(_('Every how many'), value=1, min=1, max=365, precision=0,
                                          on_change=self._changed).props('outlined dense').classes('w-32') \
                    .mark('repeat-interval')
                self.count = ui.number(_('Posts in all (empty: no end)'), min=1, max=500, precision=0,
                                       on_change=self._changed).props('outlined dense').classes('w-56') \
                    .mark('repeat-count')
            with ui.row().classes('w-full gap-1') as self.days_row:
                weekday_chips(self.weekdays, self.user.timezone, mark='repeat-day', on_change=self._changed)
        self._changed()
        return self

    def _changed(self) -> None:
        """The state's recurrence follows the fields: None keeps a post's own rule, 'never' ends it."""
        frequency = self.frequency.value
        repeats = frequency not in ('none', 'keep')
        for field in (self.interval, self.count):
            field.set_visibility(repeats)
        self.days_row.set_visibility(frequency == 'weekly')
        if frequency == 'keep':
            self.state.recurrence = None
        elif frequency == 'none':
            self.state.recurrence = Recurrence('never') if self.existing else None
        else:
            count = int(self.count.value) if self.count.value else None
            self.state.recurrence = Recurrence(frequency, self.user.timezone, int(self.interval.value or 1),
                                               tuple(sorted(self.weekdays)), count=count)

    async def which_occurrences(self) -> bool:
        """For an occurrence of a recurring post, ask whether the edit is for this one or this and all later ones
        (the state keeps the answer); False when the user backs out."""
        if not self.occurrence:
            return True
        with ui.dialog() as dialog, ui.card().classes('gap-3 max-w-md'):
            name_dialog(dialog, heading(_('This post repeats')))
            ui.label(_('Save the change for this post only, or for this one and all later ones?')).classes('text-sm')
            with ui.column().classes('w-full gap-2'):
                ui.button(_('This one'), icon='event', on_click=lambda: dialog.submit('this')) \
                    .props('outline no-caps').classes('w-full').mark('applies-this')
                ui.button(_('This and all later ones'), icon='repeat', on_click=lambda: dialog.submit('later')) \
                    .props('unelevated no-caps').classes('w-full').mark('applies-later')
                ui.button(_('Cancel'), on_click=dialog.close).props('flat no-caps').classes('w-full')
        try:
            answer = await dialog
        finally:
            dialog.delete()
        if answer is None:
            return False
        self.state.applies_to = answer
        return True
