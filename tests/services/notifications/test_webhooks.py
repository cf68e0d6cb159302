"""Outgoing webhooks against a local receiver that verifies the signature: the events asked for, signed; a 500
retried; a redirect refused; Send again; only administrators set them up."""
from __future__ import annotations

import json
import time

import pytest
from sqlmodel import select

from services.connections import channels
from services.core import db
from services.core.models import OutboxMessage, Role, WebhookAttempt
from services.notifications import outbox, webhooks
from services.publishing import engine
from services.team.permissions import Forbidden
from tests.fakes.telegram import FakeTelegram, Fault
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.harness import boot, connected, first_admin, queued, scheduled, stop_services
from tests.harness.builders import teammate


@pytest.fixture
def receiver():
    with WebhookReceiver() as server:
        yield server


@pytest.fixture
async def setup(receiver):
    """The engine on a fake Telegram whose every send fails, an admin, and the outbox sender."""
    with FakeTelegram() as fake:
        settings = boot(TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='0', PUBLISH_MAX_ATTEMPTS='1',
                        OUTBOX_RETRY_SECONDS='0')
        admin = first_admin('admin')
        connected('telegram')
        yield engine.init_engine(settings), outbox.OutboxSender(settings), admin, fake
        await stop_services()


def hooked(receiver: WebhookReceiver, admin, events: list[str], path: str = '/hook') -> webhooks.Webhook:
    webhook, secret = webhooks.create_webhook(admin, receiver.base_url + path, events)
    receiver.secret = secret
    return webhook


async def test_a_failed_delivery_reaches_the_webhook_signed(setup, receiver):
    publisher, sender, admin, fake = setup
    webhook = hooked(receiver, admin, ['delivery.failed'])
    fake.inject(Fault.chat_not_found())
    post_id = queued('Launch day', author_id=admin.id)
    await publisher.publish_post(post_id)
    assert await sender.run_once() == 1
    [body] = receiver.verified
    assert body['event'] == 'delivery.failed'
    assert body['data']['post_id'] == post_id and body['data']['error'] == 'Bad Request: chat not found'
    [channel] = channels.list_channels(platform='telegram')
    assert body['data']['channel_id'] == channel.id
    assert body['data']['channel_name'] == (channel.name or channel.remote_name) != ''
    [call] = receiver.calls
    assert call['headers']['x-webhook-event'] == 'delivery.failed' and call['path'] == '/hook'
    stale = int(time.time()) - 600
    replayed = webhooks.signature(receiver.secret, stale, call['body'])
    assert not receiver.verify(replayed, call['body'])  # the same body signed ten minutes ago: refused
    [logged] = webhooks.recent_calls(webhook.id)
    assert logged.sent and [(a.status_code, a.ok) for a in logged.attempts] == [(200, True)]


async def test_only_the_events_asked_for_are_sent(setup, receiver):
    publisher, sender, admin, fake = setup
    hooked(receiver, admin, ['post.scheduled'])
    fake.inject(Fault.chat_not_found())
    await publisher.publish_post(queued('Fails', author_id=admin.id))
    post_id = scheduled('Tomorrow', author_id=admin.id)
    await sender.run_once()
    assert [(body['event'], body['data']['post_id']) for body in receiver.verified] == [('post.scheduled', post_id)]


async def test_a_receiver_that_answers_500_gets_the_call_again(setup, receiver):
    _publisher, sender, admin, _fake = setup
    webhook = hooked(receiver, admin, ['post.scheduled'])
    receiver.answers = [500]
    scheduled('Tomorrow', author_id=admin.id)
    assert await sender.run_once() == 0
    assert await sender.run_once() == 1
    assert [call['status'] for call in receiver.calls] == [500, 200]
    assert receiver.calls[0]['body'] == receiver.calls[1]['body']
    [logged] = webhooks.recent_calls(webhook.id)
    assert [(a.status_code, a.answer) for a in logged.attempts] == [(200, 'ok'), (500, 'answer 500')]


async def test_a_redirect_is_refused_and_not_followed(setup, receiver):
    _publisher, sender, admin, _fake = setup
    webhook = hooked(receiver, admin, ['post.scheduled'])
    with WebhookReceiver() as elsewhere:
        receiver.redirect_to = elsewhere.base_url + '/internal'
        scheduled('Tomorrow', author_id=admin.id)
        assert await sender.run_once() == 0
        assert await sender.run_once() == 0  # given up: not tried again
        assert elsewhere.calls == []
    assert len(receiver.calls) == 1
    [logged] = webhooks.recent_calls(webhook.id)
    assert logged.given_up and not logged.sent
    assert logged.attempts[0].status_code == 302 and 'redirect refused' in logged.attempts[0].answer


async def test_send_again_repeats_the_call_with_the_same_event_id(setup, receiver):
    _publisher, sender, admin, _fake = setup
    webhook = hooked(receiver, admin, ['post.scheduled'])
    scheduled('Tomorrow', author_id=admin.id)
    await sender.run_once()
    [first] = webhooks.recent_calls(webhook.id)
    webhooks.send_again(admin, first.id)
    assert await sender.run_once() == 1
    first_body, second_body = receiver.verified
    assert first_body == second_body
    assert len(webhooks.recent_calls(webhook.id)) == 2


async def test_only_administrators_set_up_webhooks_and_only_to_web_addresses(setup, receiver):
    _publisher, _sender, admin, _fake = setup
    editor = teammate('editor', Role.EDITOR)
    with pytest.raises(Forbidden):
        webhooks.create_webhook(editor, receiver.base_url, ['post.published'])
    for address in ('file:///etc/passwd', 'ftp://example.com/x', 'example.com/hook'):
        with pytest.raises(webhooks.WebhookRefused):
            webhooks.create_webhook(admin, address, ['post.published'])
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.create_webhook(admin, receiver.base_url, [])
    webhook, secret = webhooks.create_webhook(admin, receiver.base_url, ['post.published', 'not.an.event'])
    assert webhook.events == ['post.published'] and len(secret) >= 32
    assert secret not in json.dumps(webhook.secret_encrypted)


async def test_a_call_that_ends_after_its_webhook_was_deleted_records_nothing_and_raises_nothing(setup, receiver):
    _publisher, _sender, admin, _fake = setup
    hooked(receiver, admin, ['post.scheduled'])
    scheduled('Tomorrow', author_id=admin.id)
    with db.session() as session:
        row = session.exec(select(OutboxMessage)).one()
        session.delete(row)  # as deleting the webhook does with its calls, while this one is under way

    outcome = webhooks.call(row)

    assert outcome.ok and len(receiver.verified) == 1
    with db.session() as session:
        assert session.exec(select(WebhookAttempt)).all() == []
