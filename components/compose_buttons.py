"""The composer's buttons and its list of problems, as the post's state calls for them."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.session import guarded
from components.translate import _
from services.core.models import PostStatus
from services.posts.editing import SaveAction


def save_buttons(status: str | None, *, editable: bool, on_save: Callable[[SaveAction], object],
                 on_delete: Callable[[], object], on_duplicate: Callable[[], object]) -> None:
    """`status` None for a post not saved yet. A scheduled post is saved with "Save changes", which keeps it
    scheduled, and leaves the schedule only through "Unschedule", so it is never unscheduled by a plain save."""
    with ui.row().classes('w-full gap-2 flex-wrap'):
        if editable:
            ui.button(_('Publish now'), icon='send', on_click=guarded(lambda: on_save(SaveAction.PUBLISH))) \
                .props('unelevated').mark('publish-now')
            if status == PostStatus.SCHEDULED:
                ui.button(_('Save changes'), icon='event_available',
                          on_click=guarded(lambda: on_save(SaveAction.SCHEDULE))) \
                    .props('unelevated color=secondary').mark('save-changes')
                ui.button(_('Unschedule'), icon='event_busy', on_click=guarded(lambda: on_save(SaveAction.DRAFT))) \
                    .props('outline').mark('unschedule')
            else:
                ui.button(_('Schedule'), icon='event', on_click=guarded(lambda: on_save(SaveAction.SCHEDULE))) \
                    .props('unelevated color=secondary').mark('schedule')
                ui.button(_('Save draft'), icon='save', on_click=guarded(lambda: on_save(SaveAction.DRAFT))) \
                    .props('outline').mark('save-draft')
        saved_post_buttons(status, editable=editable, on_delete=on_delete, on_duplicate=on_duplicate)


def saved_post_buttons(status: str | None, *, editable: bool, on_delete: Callable[[], object],
                       on_duplicate: Callable[[], object]) -> None:
    """At the row's end, for a saved post: Delete while it may be edited, else Duplicate."""
    if status is None:
        return
    ui.space()
    if editable:
        ui.button(_('Delete'), icon='delete', on_click=guarded(on_delete)).props('flat color=negative') \
            .mark('delete-post')
    else:
        ui.button(_('Duplicate'), icon='content_copy', on_click=guarded(on_duplicate)).props('outline') \
            .mark('duplicate-post')


def problem_list(messages: list[str], *, ready: str | None = None, marker: str = 'problems') -> None:
    """What stops the post, one line each; a green line (`ready`) when nothing does."""
    with ui.column().classes('w-full gap-1').mark(marker):
        for message in messages:
            with ui.row().classes('compose-problem items-start gap-2 text-negative no-wrap').mark('problem'):
                ui.icon('error_outline')
                ui.label(message).classes('text-sm min-w-0 break-words')
        if not messages:
            # Quasar's positive green is 2.4:1 on the page; this one is 7:1 (WCAG AA)
            with ui.row().classes('items-center gap-2 text-green-800'):
                ui.icon('check_circle')
                ui.label(ready or _('Ready for every chosen platform.')).classes('text-sm')
