"""Sign in, and come back to the page first asked for."""
from __future__ import annotations

from nicegui import APIRouter, app, run, ui

from components.language_switch import language_switch
from components.session import client_ip, pop_flash, safe_next, start_session
from components.theme import begin_page
from components.translate import _, explain
from services import auth
from services.auth import AuthError
from services.config import get_settings
from services.i18n import N_

router = APIRouter()

INFO_MESSAGES = {N_('You have signed out.'), N_('Please sign in to continue.')}


@router.page('/login')
def login_page(next: str = '/') -> None:  # noqa: A002 - the query parameter's name
    begin_page()
    ui.page_title(_('Sign in · Anonymous Creations'))
    flash = pop_flash()
    with ui.column().classes('w-full min-h-screen items-center justify-center p-4'):
        with ui.card().classes('app-card gap-3 p-6'):
            with ui.row().classes('w-full items-center justify-between'):
                ui.label(_('Anonymous Creations')).classes('text-xl font-bold text-primary')
                language_switch(on_change=_choose_language)
            ui.label(_('Sign in')).classes('text-lg font-semibold')
            if flash:
                message, params = flash
                is_info = message in INFO_MESSAGES
                with ui.row().classes('w-full items-center gap-2 rounded p-2 '
                                      + ('bg-blue-50' if is_info else 'bg-amber-50')):
                    ui.icon('info' if is_info else 'lock_clock')
                    ui.label(_(message, **params)).mark('flash')
            username = ui.input(_('Username')).props('outlined autofocus autocomplete=username') \
                .classes('w-full').mark('username')
            password = ui.input(_('Password'), password=True, password_toggle_button=True) \
                .props('outlined autocomplete=current-password').classes('w-full').mark('password')
            error = ui.label().classes('text-negative').mark('login-error')
            error.set_visibility(False)

            async def submit() -> None:
                error.set_visibility(False)
                button.props('loading')
                try:
                    signed_in = await run.io_bound(auth.sign_in, username.value or '', password.value or '',
                                                   ip=client_ip(), secret_key=get_settings().secret_key)
                except AuthError as refusal:
                    error.text = explain(refusal)
                    error.set_visibility(True)
                    return
                finally:
                    button.props(remove='loading')
                if signed_in is None:  # the app is shutting down
                    return
                start_session(*signed_in)
                ui.navigate.to(safe_next(next))

            button = ui.button(_('Sign in'), on_click=submit).props('unelevated').classes('w-full').mark('sign-in')
            password.on('keydown.enter', submit)


def _choose_language(language: str) -> None:
    app.storage.user['language'] = language
    ui.navigate.reload()
