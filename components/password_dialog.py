"""Change your own password: the current one, then the new one twice."""
from __future__ import annotations

from nicegui import app, run, ui

from components.session import TOKEN_KEY, client_ip
from components.translate import _, explain
from services import auth, users
from services.auth import AuthError
from services.config import get_settings
from services.models import User


def open_password_dialog(user: User) -> None:
    with ui.dialog() as dialog, ui.card().classes('app-card gap-3'):
        ui.label(_('Change password')).classes('text-lg font-semibold')
        current = ui.input(_('Current password'), password=True).props('outlined').classes('w-full').mark('current')
        new = ui.input(_('New password'), password=True, password_toggle_button=True) \
            .props('outlined').classes('w-full').mark('new')
        ui.label(_('At least %(min)s characters.', min=auth.MIN_PASSWORD_LENGTH)).classes('text-xs text-gray-600')
        repeat = ui.input(_('Repeat the new password'), password=True).props('outlined').classes('w-full') \
            .mark('repeat')
        error = ui.label().classes('text-negative').mark('password-error')
        error.set_visibility(False)

        async def save() -> None:
            error.set_visibility(False)
            if new.value != repeat.value:
                error.text = _('The two new passwords differ.')
                error.set_visibility(True)
                return
            try:
                changed = await run.io_bound(users.change_password, user.id, current.value or '', new.value or '',
                                             ip=client_ip())
            except AuthError as refusal:
                error.text = explain(refusal)
                error.set_visibility(True)
                return
            app.storage.user[TOKEN_KEY] = auth.issue_token(changed, get_settings().secret_key)
            dialog.close()
            ui.notify(_('Your password has been changed. Other sessions were signed out.'), type='positive')

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=dialog.close).props('flat')
            ui.button(_('Save'), on_click=save).mark('save-password')
    dialog.open()
