"""What the engine makes of a publish whose answer was lost: it never sends it again blindly. The delivery says it
may or may not have arrived, unless the platform's client can find out at the next attempt."""
from __future__ import annotations

import dataclasses

import pytest

from services.core.models import DeliveryStatus, PostStatus
from services.platforms import registry
from services.posts import actions
from services.publishing import records
from tests.fakes.telegram import Fault
from tests.services.publishing import test_engine
from tests.services.publishing.test_engine import attempts_of, delivery_of, post_status, queue_post

fake, publisher = test_engine.fake, test_engine.publisher  # the engine tests' fake Telegram and engine


@pytest.fixture
def telegram_finds_lost_posts():
    """Telegram as if its client could ask whether a lost message went up (it cannot: this is the engine's test)."""
    original = registry.get('telegram')
    registry.register(dataclasses.replace(original, finds_lost_posts=True))
    yield
    registry.register(original)


async def test_message_whose_answer_was_lost_arrives_once_and_the_delivery_says_it_may_have(publisher, fake):
    runner, author = publisher
    fake.inject(Fault.dropped_after())  # Telegram sends the message, then the connection breaks
    post_id = queue_post(author, 'Sent once')

    await runner.publish_post(post_id)

    assert [(m.method, m.text) for m in fake.sent] == [('sendMessage', 'Sent once')]
    delivery = delivery_of(post_id)
    assert (delivery.status, delivery.attempt_count) == (DeliveryStatus.INTERRUPTED, 1)
    assert delivery.last_error == records.ANSWER_LOST_REASON
    assert 'may or may not have arrived' in delivery.last_error
    assert [a.outcome for a in attempts_of(delivery.id)] == ['interrupted']
    assert post_status(post_id) == PostStatus.FAILED


async def test_after_a_lost_answer_the_user_decides_and_retry_sends_it(publisher, fake):
    runner, author = publisher
    fake.inject(Fault.dropped())  # this time the message did not go out
    post_id = queue_post(author, 'Checked, then retried')
    await runner.publish_post(post_id)
    assert fake.sent == [] and delivery_of(post_id).status == DeliveryStatus.INTERRUPTED

    assert actions.retry(delivery_of(post_id).id) == post_id  # hands the post to the engine
    await runner.wait_idle()

    assert [m.text for m in fake.sent] == ['Checked, then retried']
    assert delivery_of(post_id).status == DeliveryStatus.PUBLISHED


async def test_a_platform_whose_client_finds_lost_posts_is_sent_again_by_the_engine(publisher, fake,
                                                                                    telegram_finds_lost_posts):
    runner, author = publisher
    fake.inject(Fault.dropped())
    post_id = queue_post(author, 'Sent at the second attempt')

    await runner.publish_post(post_id)

    assert [m.text for m in fake.sent] == ['Sent at the second attempt']
    delivery = delivery_of(post_id)
    assert delivery.status == DeliveryStatus.PUBLISHED
    assert [a.outcome for a in attempts_of(delivery.id)] == ['retry', 'published']
