"""The Settings card where a user chooses how they hear of each kind of notification, and where emails go."""
from __future__ import annotations

from nicegui import run, ui

from components.headings import heading
from components.session import guarded
from components.translate import _, explain
from services.core.config import get_settings
from services.core.models import User
from services.notifications import inbox, mail, outbox
from services.notifications.kinds import CHOICE_LABELS, KIND_LABELS, POST_KINDS, choice_of


def notification_choices(user: User) -> None:
    with ui.card().classes('w-full gap-2').mark('notification-choices'):
        heading(_('Notifications'))
        ui.label(_('Choose how you hear of each of these. Emails need your address below (save it, then send a test '
                   'email to check it arrives).')) \
            .classes('text-sm text-gray-700')
        options = {choice: _(label) for choice, label in CHOICE_LABELS.items()}
        selects = {}
        for kind, label in KIND_LABELS.items():
            current = choice_of(user, kind, is_author=kind in POST_KINDS)
            selects[kind] = ui.select(options, value=current, label=_(label)).props('outlined dense') \
                .classes('w-full max-w-md').mark(f'choice-{kind}')
        email = ui.input(_('Email address'), value=user.email).props('outlined dense type=email') \
            .classes('w-full max-w-md').mark('email')
        digest = ui.input(_('Daily email at (your time zone)'), value=user.digest_time) \
            .props('outlined dense type=time').classes('w-full max-w-xs').mark('digest-time')
        error = ui.label().classes('text-negative').mark('choices-error')

        def save() -> None:
            error.text = ''
            try:
                inbox.save_choices(user.id, email=email.value or '', digest_time=digest.value or '',
                                   choices={kind: select.value for kind, select in selects.items()})
            except inbox.BadChoice as refusal:
                error.text = explain(refusal)
                return
            ui.notify(_('Your notification choices were saved.'), type='positive')

        async def send_test() -> None:
            error.text = ''
            try:
                address = await run.io_bound(outbox.send_test_email, user.id, get_settings())
            except mail.MailError as failure:
                error.text = explain(failure)
                return
            ui.notify(_('A test email was sent to %(address)s.', address=address), type='positive')

        with ui.row().classes('gap-2'):
            ui.button(_('Save'), on_click=guarded(save)).props('unelevated').mark('save-choices')
            ui.button(_('Send a test email'), on_click=guarded(send_test)).props('outline').mark('test-email')
