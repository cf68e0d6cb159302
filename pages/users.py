"""The team (admins only): add people, set roles, deactivate and reactivate, reset passwords."""
from __future__ import annotations

import json

from fastapi import Request
from nicegui import APIRouter, run, ui

from components.confirm import confirm
from components.headings import heading, name_dialog
from components.session import client_ip, guarded, page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _, explain
from services.core.errors import UserError
from services.core.i18n import LANGUAGES, N_
from services.core.models import Role, User
from services.team import users
from services.web.browser_session import flash

router = APIRouter()
ROLES = {Role.ADMIN.value: N_('Administrator'), Role.EDITOR.value: N_('Editor'),
         Role.CONTRIBUTOR.value: N_('Contributor'), Role.VIEWER.value: N_('Viewer')}


@router.page('/users')
def users_page(request: Request) -> None:
    admin = page_user(request)
    with frame(_('Users'), admin):
        roles = {value: _(label) for value, label in ROLES.items()}
        listing = ui.refreshable(lambda: _team(admin, roles))
        listing()
        _add_form(admin, roles, listing.refresh)


def _team(admin: User, roles: dict[str, str]) -> None:
    with ui.column().classes('w-full gap-2').mark('team'):
        for member in users.list_users():
            with ui.card().classes('w-full').mark(f'user-{member.username}'):
                with ui.row().classes('w-full items-center gap-3'):
                    ui.label(member.username).classes('font-semibold')
                    if not member.is_active:
                        status_badge('disconnected').set_text(_('Deactivated'))
                    ui.space()
                    ui.select(roles, value=member.role,
                              on_change=guarded(lambda e, m=member: _act(
                                  users.set_role, admin, m.id, e.value, done=N_('%(name)s is now: %(role)s.'),
                                  name=m.username, role=roles.get(e.value, e.value)))) \
                        .props('outlined dense').classes('w-40').mark(f'role-{member.username}')
                    if member.is_active:
                        ui.button(_('Deactivate'), on_click=guarded(lambda m=member: _deactivate(admin, m))) \
                            .props('flat color=negative').mark(f'deactivate-{member.username}')
                    else:
                        ui.button(_('Reactivate'), on_click=guarded(
                            lambda m=member: _act(users.set_active, admin, m.id, True,
                                                  done=N_('%(name)s can sign in again.'), name=m.username))) \
                            .props('flat').mark(f'reactivate-{member.username}')
                    ui.button(_('Reset password'), on_click=guarded(lambda m=member: _reset(admin, m))) \
                        .props('flat').mark(f'reset-{member.username}')


def _act(change, admin: User, user_id: int, value, *, done: str, **params: object) -> None:
    """Make the change; `done` (a msgid with `params`) is said on the reloaded page when it worked."""
    try:
        change(admin, user_id, value, ip=client_ip())
    except UserError as refusal:
        flash(refusal.message, kind='negative', **refusal.params)
    else:
        flash(done, kind='positive', **params)
    ui.navigate.reload()


async def _deactivate(admin: User, member: User) -> None:
    question = _('Deactivate %(name)s? They are signed out at once and cannot sign in until an administrator '
                 'reactivates them. Their posts stay.', name=member.username)
    if await confirm(question, keep=_('Cancel'), act=_('Deactivate'), marker='confirm-deactivate'):
        _act(users.set_active, admin, member.id, False, done=N_('%(name)s was deactivated.'), name=member.username)


async def _reset(admin: User, member: User) -> None:
    try:
        password = await run.io_bound(users.reset_password, admin, member.id, ip=client_ip())
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return
    _show_once(member.username, password)


def _show_once(username: str, password: str) -> None:
    with ui.dialog() as dialog, ui.card().classes('gap-2'):
        name_dialog(dialog, heading(_('Temporary password for %(name)s', name=username)))
        with ui.row().classes('items-center gap-2 no-wrap'):
            ui.label(password).classes('font-mono text-lg select-all').props('dir=ltr').mark('temporary-password')
            ui.button(_('Copy'), icon='content_copy', on_click=lambda: _copy(password)).props('flat dense no-caps') \
                .mark('copy-password')
        ui.label(_('It is shown only now. Give it to them; they choose their own when they sign in.')) \
            .classes('text-sm text-gray-600')
        ui.button(_('Close'), on_click=dialog.close).props('flat')
    dialog.open()


def _copy(text: str) -> None:
    """Onto the clipboard; over plain http (no Clipboard API away from localhost) through a selected text box."""
    ui.run_javascript(f'''
        const text = {json.dumps(text)};
        if (navigator.clipboard && window.isSecureContext) {{ navigator.clipboard.writeText(text); }}
        else {{
            const box = document.createElement('textarea');
            box.value = text; document.body.appendChild(box); box.select();
            document.execCommand('copy'); box.remove();
        }}''')
    ui.notify(_('Copied.'), type='positive', position='top')


def _add_form(admin: User, roles: dict[str, str], on_added) -> None:
    with ui.card().classes('w-full gap-2'):
        heading(_('Add a person'))
        with ui.row().classes('w-full items-end gap-2'):
            name = ui.input(_('Username')).props('outlined dense').classes('w-48').mark('new-username')
            role = ui.select(roles, value=Role.EDITOR.value, label=_('Role')).props('outlined dense') \
                .classes('w-40').mark('new-role')
            language = ui.select(dict(LANGUAGES), value=admin.language, label=_('Language')) \
                .props('outlined dense').classes('w-36')
            zone = ui.select(users.time_zones(), value=admin.timezone, label=_('Time zone'), with_input=True) \
                .props('outlined dense').classes('w-56')

            async def add() -> None:
                try:
                    member, password = await run.io_bound(users.create_user, admin, name.value or '', role.value,
                                                          language=language.value, time_zone=zone.value,
                                                          ip=client_ip())
                except UserError as refusal:
                    ui.notify(explain(refusal), type='negative')
                    return
                name.value = ''
                on_added()
                _show_once(member.username, password)

            ui.button(_('Add'), icon='person_add', on_click=guarded(add)).props('unelevated').mark('add-user')
