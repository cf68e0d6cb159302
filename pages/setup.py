"""First run: with no user in the database, create the administrator account."""
from __future__ import annotations

from nicegui import APIRouter, app, run, ui

from components.language_switch import language_switch
from components.session import client_ip
from components.theme import begin_page
from components.translate import _, explain
from services.core.config import get_settings
from services.team import auth, users
from services.team.auth import AuthError
from services.web.browser_session import start_session

router = APIRouter()


@router.page('/setup')
async def setup_page() -> None:
    language = begin_page()
    ui.page_title(_('Set up Anonymous Creations'))
    with ui.column().classes('w-full min-h-screen items-center justify-center p-4'):
        with ui.card().classes('app-card gap-3 p-6'):
            with ui.row().classes('w-full items-center justify-between'):
                ui.label(_('Anonymous Creations')).classes('text-xl font-bold text-primary')
                language_switch(on_change=_choose_language)
            ui.label(_('Welcome! Create the administrator account.')).classes('text-lg font-semibold')
            ui.label(_('This account manages the team, the connected platforms and the settings. '
                       'There is no default password: choose yours now.')).classes('text-sm text-gray-700')
            username = ui.input(_('Username')).props('outlined autofocus autocomplete=username') \
                .classes('w-full').mark('username')
            password = ui.input(_('Password'), password=True, password_toggle_button=True) \
                .props('outlined autocomplete=new-password').classes('w-full').mark('password')
            ui.label(_('At least %(min)s characters.', min=auth.MIN_PASSWORD_LENGTH)).classes('text-xs text-gray-600')
            repeat = ui.input(_('Repeat the password'), password=True).props('outlined autocomplete=new-password') \
                .classes('w-full').mark('repeat')
            time_zone = ui.select(users.time_zones(), value='UTC', label=_('Time zone'), with_input=True) \
                .props('outlined').classes('w-full').mark('time-zone')
            error = ui.label().classes('text-negative').mark('setup-error')
            error.set_visibility(False)

            async def create() -> None:
                error.set_visibility(False)
                if password.value != repeat.value:
                    error.text = _('The two passwords differ.')
                    error.set_visibility(True)
                    return
                try:
                    user = await run.io_bound(users.create_first_admin, username.value or '', password.value or '',
                                              language=language, time_zone=time_zone.value or 'UTC', ip=client_ip())
                except users.SetupClosed:
                    ui.navigate.to('/login')
                    return
                except AuthError as refusal:
                    error.text = explain(refusal)
                    error.set_visibility(True)
                    return
                start_session(user, auth.issue_token(user, get_settings().secret_key))
                ui.navigate.to('/')

            ui.button(_('Create the administrator'), on_click=create).props('unelevated') \
                .classes('w-full').mark('create-admin')
            password.on('keydown.enter', create)
            repeat.on('keydown.enter', create)
    await _default_to_browser_time_zone(time_zone)


async def _default_to_browser_time_zone(select: ui.select) -> None:
    """Preselect the browser's own time zone once the page is connected."""
    try:
        await ui.context.client.connected(timeout=5)
        zone = await ui.run_javascript('Intl.DateTimeFormat().resolvedOptions().timeZone', timeout=3)
    except (TimeoutError, RuntimeError):
        return
    if zone in users.time_zones():
        select.value = zone


def _choose_language(language: str) -> None:
    app.storage.user['language'] = language
    ui.navigate.reload()
