"""The bell in the header, the notification choices on Settings and the Webhooks page, as a signed-in user sees
them."""
from __future__ import annotations

import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from services.core import db
from services.core.config import get_settings
from services.core.models import AuditEvent, Role
from services.core.models import User as Person
from services.notifications import inbox, webhooks
from services.notifications.kinds import Choice, Kind
from services.notifications.outbox import OutboxSender
from tests.conftest import ADMIN, open_signed_in
from tests.fakes.mail_server import MailServer
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.harness import draft, scheduled
from tests.harness.builders import channel_of, listed, own_password, teammate

pytestmark = pytest.mark.both_databases


def a_failed_post(text: str) -> int:
    post_id = draft(text)
    with db.session() as session:
        inbox.tell(session, Kind.DELIVERY_FAILED, post_id=post_id, channel_id=channel_of('telegram'),
                   detail='Bad Request: chat not found')
    return post_id


async def test_the_bell_counts_unread_and_leads_to_the_post(user: User, admin):
    post_id = a_failed_post('Launch day')
    await open_signed_in(user, *ADMIN)
    await user.should_see(marker='bell-count')
    assert user.find(marker='bell-count').elements.pop().text == '1'
    user.find(marker='bell').click()
    await user.should_see('“Launch day” could not be published to Telegram.')
    await user.should_see('Bad Request: chat not found')
    user.find(marker='notification-1').click()
    await user.should_see(marker='post-status', retries=40)
    assert user.back_history[-1] == f'/history/{post_id}'
    assert inbox.unread_count(admin.id) == 0


async def test_the_bell_counts_a_new_notification_as_soon_as_it_is_committed(user: User, admin):
    await open_signed_in(user, *ADMIN)
    await user.should_not_see(marker='bell-count')
    a_failed_post('While the page was open')
    await user.should_see(marker='bell-count')  # within a few tenths of a second: no timer is waited for
    assert user.find(marker='bell-count').elements.pop().text == '1'
    user.find(marker='bell').click()
    await user.should_see('“While the page was open” could not be published to Telegram.')


async def test_mark_all_read_empties_the_count(user: User, admin):
    a_failed_post('one')
    a_failed_post('two')
    await open_signed_in(user, *ADMIN)
    assert user.find(marker='bell-count').elements.pop().text == '2'
    user.find(marker='bell').click()
    user.find(marker='mark-all-read').click()
    await user.should_not_see(marker='mark-all-read')
    assert inbox.unread_count(admin.id) == 0
    await user.should_not_see(marker='bell-count')


async def test_an_empty_bell_says_so(user: User, admin):
    await open_signed_in(user, *ADMIN)
    user.find(marker='bell').click()
    await user.should_see(marker='no-notifications')


async def test_settings_keep_each_choice_and_the_email_address(user: User, admin):
    await open_signed_in(user, *ADMIN, path='/settings')
    user.find(marker=f'choice-{Kind.DELIVERY_FAILED}').elements.pop().set_value(Choice.EMAIL.value)
    user.find(marker=f'choice-{Kind.POST_MISSED}').elements.pop().set_value(Choice.NEVER.value)
    user.find(marker='email').type('not an address')
    user.find(marker='save-choices').click()
    await user.should_see('That does not look like an email address.')
    user.find(marker='email').clear().type('admin@example.com')
    user.find(marker='save-choices').click()
    await user.should_see('Your notification choices were saved.', kind=ui.notification)
    with db.session() as session:
        saved = session.get(Person, admin.id)
    assert saved.email == 'admin@example.com'
    assert saved.notify_choices[Kind.DELIVERY_FAILED] == Choice.EMAIL
    assert saved.notify_choices[Kind.POST_MISSED] == Choice.NEVER


@pytest.fixture
def mail_server(monkeypatch):
    """A real SMTP server the app is configured for through its environment (before `user` starts the app)."""
    with MailServer() as server:
        for name, value in server.settings.items():
            monkeypatch.setenv(name, value)
        yield server


async def test_send_a_test_email_arrives_or_says_why_not(mail_server, user: User, admin):
    await open_signed_in(user, *ADMIN, path='/settings')
    user.find(marker='test-email').click()
    await user.should_see('Enter your email address and save it first.')
    user.find(marker='email').type('admin@example.com')
    user.find(marker='save-choices').click()
    user.find(marker='test-email').click()
    await user.should_see('A test email was sent to admin@example.com.', kind=ui.notification, retries=40)
    assert len(mail_server.to('admin@example.com')) == 1
    mail_server.stop()
    user.find(marker='test-email').click()
    await user.should_see(f'The mail server 127.0.0.1:{mail_server.port} could not be reached', retries=40)


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


async def test_an_admin_adds_a_webhook_sees_its_calls_and_sends_one_again(receiver, user: User, admin):
    await open_signed_in(user, *ADMIN, path='/settings')
    user.find(marker='manage-webhooks').click()
    await user.should_see(marker='new-webhook')
    user.find(marker='webhook-url').type('ftp://example.com')
    user.find(marker='add-webhook').click()
    await user.should_see('Enter the full address the calls go to, starting with https:// (or http://).')
    user.find(marker='webhook-url').clear().type(receiver.base_url + '/hook')
    user.find(marker='event-post.scheduled').click()
    user.find(marker='add-webhook').click()
    await user.should_see(marker='webhook-secret')
    receiver.secret = user.find(marker='webhook-secret').elements.pop().value
    [webhook] = webhooks.list_webhooks()
    listed('telegram')
    scheduled('Tomorrow')
    assert await OutboxSender(get_settings()).run_once() == 1
    [body] = receiver.verified
    assert body['event'] == 'post.scheduled'
    await user.open('/webhooks')
    [call] = webhooks.recent_calls(webhook.id)
    await user.should_see('200 · ok')
    await user.should_see('Delivered')
    user.find(marker=f'send-again-{call.id}').click()
    await user.should_see('The call will be sent again in a moment.', kind=ui.notification)
    await user.should_see('Will retry')
    assert len(webhooks.recent_calls(webhook.id)) == 2


async def test_webhook_changes_are_written_to_the_audit_log(receiver, user: User, admin):
    webhook, _secret = webhooks.create_webhook(admin, receiver.base_url + '/hook', ['post.scheduled'])
    listed('telegram')
    scheduled('Tomorrow')
    await open_signed_in(user, *ADMIN, path='/webhooks')
    user.find(marker=f'edit-webhook-{webhook.id}').click()
    user.find(marker='edit-webhook-url').clear().type(receiver.base_url + '/moved')
    user.find(marker='edit-event-delivery.failed').click()
    user.find(marker='save-webhook').click()
    await user.should_not_see(marker='edit-webhook', retries=20)
    assert webhooks.list_webhooks()[0].events == ['post.scheduled', 'delivery.failed']
    [call] = webhooks.recent_calls(webhook.id)
    user.find(marker=f'send-again-{call.id}').click()
    await user.should_see('The call will be sent again in a moment.', kind=ui.notification, retries=20)
    await user.should_see(marker=f'send-again-{call.id + 1}', retries=20)  # the list is drawn again with it
    user.find(marker=f'delete-webhook-{webhook.id}').click()
    await user.should_see(marker='confirm-delete-webhook', retries=20)
    user.find(marker='confirm-delete-webhook').click()
    await user.should_see(marker='no-webhooks')
    with db.session() as session:
        rows = [(row.action, row.actor_id, row.target) for row in session.exec(
            select(AuditEvent).where(AuditEvent.action.startswith('webhook.')).order_by(AuditEvent.id))]
    moved = receiver.base_url + '/moved'
    assert rows == [('webhook.created', admin.id, receiver.base_url + '/hook'), ('webhook.edited', admin.id, moved),
                    ('webhook.sent_again', admin.id, moved), ('webhook.deleted', admin.id, moved)]
    await user.open('/audit')
    shown = [row['what'] for row in user.find(marker='audit-table').elements.pop().rows]
    assert [what for what in shown if what.startswith('Webhook')] == \
        ['Webhook deleted', 'Webhook call sent again', 'Webhook changed', 'Webhook added']  # newest first


async def test_an_editor_has_no_webhooks(user: User, admin):
    teammate('edna', Role.EDITOR)
    await open_signed_in(user, 'edna', own_password('edna'), path='/settings')
    await user.should_not_see(marker='manage-webhooks')
    await user.open('/webhooks')
    await user.should_not_see(marker='new-webhook')
