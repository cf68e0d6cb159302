"""Webhooks (administrators): the addresses that get the app's events, each call's attempts, and Send again."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, ui

from components.confirm import confirm
from components.headings import heading
from components.session import client_ip, guarded, page_user
from components.theme import frame
from components.translate import _, current_language, explain
from services.core.i18n import format_relative
from services.core.models import User, Webhook, utcnow
from services.notifications import webhooks
from services.notifications.webhooks import Call

router = APIRouter()


@router.page('/webhooks')
def webhooks_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Webhooks'), user):
        ui.label(_('Each address gets the events it asks for as a JSON POST. The header X-Webhook-Signature reads '
                   't=<time>,v1=<HMAC-SHA256 of "<time>.<body>" with the secret>: check it, and refuse a time more '
                   'than five minutes old. Redirects are not followed.')).classes('text-sm text-gray-700')
        listing = ui.refreshable(lambda: _listing(user, listing.refresh))
        _new_webhook_form(user, lambda: listing.refresh())
        listing()


def _new_webhook_form(user: User, redraw) -> None:
    with ui.card().classes('w-full gap-2').mark('new-webhook'):
        heading(_('Add a webhook'))
        url = ui.input(_('Address (https://…)')).props('outlined dense type=url').classes('w-full max-w-xl') \
            .mark('webhook-url')
        boxes = {event: ui.checkbox(_(label)).mark(f'event-{event}') for event, label in webhooks.EVENTS.items()}
        error = ui.label().classes('text-negative').mark('webhook-error')
        shown = ui.column().classes('w-full gap-1')

        def add() -> None:
            error.text = ''
            try:
                webhook, secret = webhooks.create_webhook(user, url.value or '',
                                                          [event for event, box in boxes.items() if box.value],
                                                          ip=client_ip())
            except webhooks.WebhookRefused as refusal:
                error.text = explain(refusal)
                return
            shown.clear()
            with shown:
                ui.label(_('Webhook added. Its secret is shown only now: copy it into the receiving tool.')) \
                    .classes('text-positive')
                ui.input(_('Secret'), value=secret).props('outlined dense readonly').classes('w-full max-w-xl') \
                    .mark('webhook-secret')
            url.value = ''
            redraw()

        ui.button(_('Add'), on_click=guarded(add)).props('unelevated').mark('add-webhook')


def _listing(user: User, redraw) -> None:
    hooks = webhooks.list_webhooks()
    if not hooks:
        ui.label(_('No webhook yet.')).classes('text-gray-600').mark('no-webhooks')
    for webhook in hooks:
        _webhook_card(user, webhook, redraw)


def _webhook_card(user: User, webhook: Webhook, redraw) -> None:
    language = current_language()
    with ui.card().classes('w-full gap-2').mark(f'webhook-{webhook.id}'):
        with ui.row().classes('w-full items-center gap-2 flex-nowrap'):
            ui.label(webhook.url).classes('font-mono text-sm min-w-0 break-all').props('dir=ltr')
            ui.space()

            async def remove() -> None:
                if await confirm(_('Delete the webhook to %(url)s? Its log goes with it.', url=webhook.url),
                                 keep=_('Keep it'), act=_('Delete'), marker='confirm-delete-webhook'):
                    webhooks.delete_webhook(user, webhook.id, ip=client_ip())
                    redraw()

            ui.button(_('Edit'), on_click=lambda: _edit_dialog(user, webhook, redraw)).props('flat') \
                .mark(f'edit-webhook-{webhook.id}')
            ui.button(_('Delete'), on_click=guarded(remove)).props('flat color=negative') \
                .mark(f'delete-webhook-{webhook.id}')
        ui.label(', '.join(_(webhooks.EVENTS[event]) for event in webhook.events if event in webhooks.EVENTS)) \
            .classes('text-sm text-gray-700')
        calls = webhooks.recent_calls(webhook.id)
        if not calls:
            ui.label(_('No call yet.')).classes('text-sm text-gray-600')
        for call in calls:
            _call_row(user, call, language, redraw)


def _edit_dialog(user: User, webhook: Webhook, redraw) -> None:
    """Change the address and the events of a webhook; its secret stays."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-xl gap-2').mark('edit-webhook'):
        heading(_('Change the webhook'))
        url = ui.input(_('Address (https://…)'), value=webhook.url).props('outlined dense type=url dir=ltr') \
            .classes('w-full').mark('edit-webhook-url')
        boxes = {event: ui.checkbox(_(label), value=event in webhook.events).mark(f'edit-event-{event}')
                 for event, label in webhooks.EVENTS.items()}
        error = ui.label().classes('text-negative').mark('edit-webhook-error')

        def save() -> None:
            try:
                webhooks.update_webhook(user, webhook.id, url.value or '',
                                        [event for event, box in boxes.items() if box.value], ip=client_ip())
            except webhooks.WebhookRefused as refusal:
                error.text = explain(refusal)
                return
            dialog.close()
            redraw()

        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=dialog.close).props('flat')
            ui.button(_('Save'), on_click=guarded(save)).props('unelevated').mark('save-webhook')
    dialog.open()


def _call_row(user: User, call: Call, language: str, redraw) -> None:
    if call.sent:
        state, colour = _('Delivered'), 'positive'
    elif call.given_up:
        state, colour = _('Given up'), 'negative'
    else:
        state, colour = _('Will retry'), 'warning'
    with ui.column().classes('w-full gap-0 border-t pt-2').mark(f'call-{call.id}'):
        with ui.row().classes('w-full items-center gap-2'):
            ui.badge(state, color=colour).props('rounded')
            ui.label(_(webhooks.EVENTS.get(call.event, call.event))).classes('text-sm')
            ui.label(format_relative(language, call.created_at, utcnow())).classes('text-xs text-gray-600')
            ui.space()

            def again(call_id: int = call.id) -> None:
                webhooks.send_again(user, call_id, ip=client_ip())
                ui.notify(_('The call will be sent again in a moment.'), type='positive')
                redraw()

            ui.button(_('Send again'), on_click=guarded(again)).props('flat dense no-caps') \
                .mark(f'send-again-{call.id}')
        for attempt in call.attempts:
            answer = str(attempt.status_code) if attempt.status_code else '—'
            ui.label(f'{answer} · {attempt.answer}').classes('text-xs font-mono text-gray-700 break-all') \
                .props('dir=ltr').mark(f'attempt-{attempt.id}')
