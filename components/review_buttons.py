"""The composer's buttons for a post that needs approval (a contributor's, or one to a channel that needs it):
"Submit for review" and "Save draft" instead of Publish and Schedule."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.compose_buttons import save_buttons, saved_post_buttons
from components.compose_state import ComposeState
from components.session import guarded
from components.translate import _
from services.core.i18n import N_
from services.core.models import Channel, PostStatus, User
from services.posts.approval import needs_review
from services.posts.editing import SaveAction

STATUS_NOTES = {
    PostStatus.IN_REVIEW: N_('“Submit for review” sends your changes to the reviewers again; “Save draft” takes '
                             'the post out of review.'),
    PostStatus.REJECTED: N_('This post was rejected. You can rework it and submit it again.'),
}
FIRST_NOTE = N_('An editor approves the post before it goes out. The date and time above are when you would like '
                'it published.')


def compose_buttons(user: User, chosen: list[Channel], state: ComposeState, *, on_save: Callable[[SaveAction], object],
                    on_delete: Callable[[], object], on_duplicate: Callable[[], object]) -> None:
    """The save buttons as `user` may use them for the composer's post (`state`) to `chosen`."""
    status, editable = state.status if state.post_id is not None else None, state.editable
    if not needs_review(user, chosen):
        save_buttons(status, editable=editable, on_save=on_save, on_delete=on_delete, on_duplicate=on_duplicate)
        return
    with ui.column().classes('w-full gap-2').mark('review-buttons'):
        if editable:
            note = STATUS_NOTES.get(status or '', FIRST_NOTE)
            ui.label(_(note)).classes('text-sm text-gray-700').mark('review-note')
        with ui.row().classes('w-full gap-2 flex-wrap'):
            if editable:
                ui.button(_('Submit for review'), icon='rate_review',
                          on_click=guarded(lambda: on_save(SaveAction.SUBMIT))).props('unelevated') \
                    .mark('submit-review')
                ui.button(_('Save draft'), icon='save', on_click=guarded(lambda: on_save(SaveAction.DRAFT))) \
                    .props('outline').mark('save-draft')
            saved_post_buttons(status, editable=editable, on_delete=on_delete, on_duplicate=on_duplicate)
