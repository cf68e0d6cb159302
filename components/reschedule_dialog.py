"""Dialogs that move or cancel a scheduled (or missed) post, times entered in the user's own time zone.

A local time that does not exist (clocks go forward) is refused with the reason, in the dialog; one that happens
twice (clocks go back) asks which of the two instants is meant.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from nicegui import ui

from components.confirm import confirm
from components.headings import heading, name_dialog
from components.schedule_picker import schedule_picker
from components.session import client_ip, guarded
from components.translate import _, current_language, explain
from services.core.errors import UserError
from services.core.i18n import format_datetime
from services.core.models import User, utcnow
from services.core.timezones import AmbiguousTime, local_to_utc, utc_to_local
from services.posts import actions


async def ask_which_time(ambiguous: AmbiguousTime, time_zone: str) -> int | None:
    """0 for the first of the two instants, 1 for the second, None when the user backs out."""
    language = current_language()
    with ui.dialog() as dialog, ui.card():
        name_dialog(dialog, ui.label(explain(ambiguous)))
        for fold, instant in ((0, ambiguous.earlier), (1, ambiguous.later)):
            ui.button(format_datetime(language, instant, time_zone, style='full'),
                      on_click=lambda f=fold: dialog.submit(f)).props('outline').mark(f'fold-{fold}')
    try:
        return await dialog
    finally:
        dialog.delete()


async def reschedule_dialog(post_id: int, current: datetime | None, user: User) -> datetime | None:
    """Ask for a new date and time and move the post there; returns the new instant (UTC), None when not moved."""
    local = utc_to_local(current if current and current > utcnow() else utcnow() + timedelta(hours=1), user.timezone)
    with ui.dialog() as dialog, ui.card().classes('gap-3'):
        name_dialog(dialog, heading(_('Reschedule')))
        date_input, time_input = schedule_picker(local.strftime('%Y-%m-%d'), local.strftime('%H:%M'), user.timezone)
        error = ui.label().classes('text-sm text-negative').mark('reschedule-error')
        error.set_visibility(False)

        def refuse(message: str) -> None:
            error.set_text(message)
            error.set_visibility(True)

        async def move(fold: int | None = None) -> None:
            try:
                when = local_to_utc(date.fromisoformat(date_input.value), time.fromisoformat(time_input.value),
                                    user.timezone, fold=fold)
                actions.reschedule(post_id, when, actor=user, ip=client_ip())
            except AmbiguousTime as ambiguous:
                choice = await ask_which_time(ambiguous, user.timezone)
                if choice is not None:
                    await move(choice)
                return
            except UserError as refusal:
                refuse(explain(refusal))
                return
            except ValueError:
                refuse(_('Enter the date as YYYY-MM-DD and the time as HH:MM.'))
                return
            dialog.submit(when)

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Close'), on_click=dialog.close).props('flat')
            ui.button(_('Reschedule'), icon='event', on_click=guarded(lambda: move())).props('unelevated') \
                .mark('confirm-reschedule')
    try:
        moved = await dialog
    finally:
        dialog.delete()
    if moved is not None:
        when = format_datetime(current_language(), moved, user.timezone, style='medium')
        ui.notify(_('Scheduled for %(when)s.', when=when), type='positive')
    return moved


async def cancel_dialog(post_id: int, user: User) -> bool:
    """Ask before cancelling the post; True when it was cancelled."""
    if not await confirm(_('Cancel this post? It will not be published; you can still edit it and schedule it again.'),
                         keep=_('Keep it'), act=_('Cancel the post'), marker='confirm-cancel'):
        return False
    try:
        actions.cancel(post_id, actor=user, ip=client_ip())
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return False
    ui.notify(_('The post was cancelled.'), type='positive')
    return True
