"""Your own settings: language, time zone, notifications, password."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, app, run, ui

from components.headings import heading
from components.notification_choices import notification_choices
from components.session import client_ip, guarded, page_user
from components.theme import frame
from components.translate import _, explain
from services.core.config import get_settings
from services.core.i18n import LANGUAGES, N_
from services.team import auth, users
from services.team.auth import AuthError
from services.team.permissions import Action, can
from services.web.browser_session import flash, hand_over

CHANGED = N_('Your password has been changed. Other sessions were signed out.')

router = APIRouter()


@router.page('/settings')
def settings_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Settings'), user):
        if user.must_change_password:
            with ui.row().classes('w-full items-center gap-2 rounded p-2 bg-amber-50').mark('must-change'):
                ui.icon('key')
                ui.label(_('You signed in with a temporary password. Choose your own to continue.'))
        else:
            with ui.card().classes('w-full gap-2'):
                heading(_('Language and time zone'))
                language = ui.select(dict(LANGUAGES), value=user.language, label=_('Language')) \
                    .props('outlined dense').classes('w-full max-w-xs').mark('language')
                zone = ui.select(users.time_zones(), value=user.timezone, label=_('Time zone'), with_input=True) \
                    .props('outlined dense').classes('w-full max-w-xs').mark('time-zone')

                def save_preferences() -> None:
                    try:
                        users.update_preferences(user.id, language=language.value, time_zone=zone.value)
                    except AuthError as refusal:
                        ui.notify(explain(refusal), type='negative')
                        return
                    app.storage.user['language'] = language.value
                    flash(N_('Your language and time zone were saved.'), kind='positive')
                    ui.navigate.reload()

                ui.button(_('Save'), on_click=guarded(save_preferences)).props('unelevated').mark('save-preferences')
            notification_choices(user)
            if can(user, Action.MANAGE_WEBHOOKS):
                with ui.card().classes('w-full gap-2').mark('webhooks-card'):
                    heading(_('Webhooks'))
                    ui.label(_('Send the app\'s events (a post published, a delivery failed, …) to your other '
                               'tools.')).classes('text-sm text-gray-700')
                    ui.link(_('Manage webhooks'), '/webhooks').mark('manage-webhooks')
        _password_form(user.id, first_choice=user.must_change_password)


def _password_form(user_id: int, *, first_choice: bool) -> None:
    """With `first_choice` (replacing a temporary password), the app opens once the password is chosen."""
    with ui.card().classes('w-full gap-2'):
        heading(_('Change password'))
        current = ui.input(_('Current password'), password=True).props('outlined dense').classes('w-full max-w-xs') \
            .mark('current')
        new = ui.input(_('New password'), password=True, password_toggle_button=True).props('outlined dense') \
            .classes('w-full max-w-xs').mark('new')
        ui.label(_('At least %(min)s characters.', min=auth.MIN_PASSWORD_LENGTH)).classes('text-xs text-gray-600')
        repeat = ui.input(_('Repeat the new password'), password=True).props('outlined dense') \
            .classes('w-full max-w-xs').mark('repeat')
        error = ui.label().classes('text-negative').mark('password-error')

        async def save() -> None:
            error.text = ''
            if new.value != repeat.value:
                error.text = _('The two new passwords differ.')
                return
            try:
                changed = await run.io_bound(users.change_password, user_id, current.value or '', new.value or '',
                                             ip=client_ip())
            except AuthError as refusal:
                error.text = explain(refusal)
                return
            if changed is None:
                return
            hand_over(auth.issue_token(changed, get_settings().secret_key))
            if first_choice:
                flash(CHANGED, kind='positive')
                ui.navigate.to('/')
                return
            ui.notify(_(CHANGED), type='positive')
            current.value = new.value = repeat.value = ""

        ui.button(_('Change password'), on_click=guarded(save)).props('unelevated').mark('save-password')
