"""Several processes on one database: a delivery being sent carries its process's lease, and only a delivery whose
lease has run out (its process is gone) is judged interrupted; a process starting beside a live one leaves that
one's sends alone."""
from __future__ import annotations

import asyncio
import os

import pytest
from sqlmodel import select

from services.core import db
from services.core.config import configure, load_settings
from services.core.models import Delivery, DeliveryAttempt, DeliveryStatus
from services.platforms import base
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine, records
from services.team import users
from tests.conftest import eventually
from tests.fakes.telegram import FakeTelegram, Fault
from tests.harness import connected, leases_run_out
from tests.harness.builders import channels_of

SLOW = 60.0  # an answer no test waits for


@pytest.fixture
async def sending(app_env):
    """Process A's engine sending one delivery, its request held by a slow Telegram; B is another process."""
    with FakeTelegram() as fake:
        settings = configure(load_settings({**os.environ, 'SECRET_KEY': 's' * 40, 'TELEGRAM_API_URL': fake.base_url,
                                            'TELEGRAM_PACING_SECONDS': '0'}, env_file=None))
        db.init_db(settings.database_url)
        users.forget_cached_state()
        author = users.create_first_admin('author', 'a long password!', language='en', time_zone='UTC', ip='')
        connected('telegram')
        post = editing.save_post(author.id, PostInput(text='Once', channels=channels_of(['telegram'])),
                                 SaveAction.PUBLISH)
        process_a = engine.Engine(settings)
        fake.inject(Fault.slow(SLOW))
        task = asyncio.create_task(process_a.publish_post(post.id))
        await eventually(lambda: fake.pending_faults == 0)  # the request has reached Telegram
        yield fake, process_a, task, delivery_of(post.id).id
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await process_a.stop()
        await base.close_http_client()


def delivery_of(post_id: int) -> Delivery:
    with db.session() as session:
        return session.exec(select(Delivery).where(Delivery.post_id == post_id)).one()


def reload(delivery_id: int) -> Delivery:
    with db.session() as session:
        return session.get(Delivery, delivery_id)


async def test_a_process_starting_beside_a_live_one_leaves_its_sends_alone(sending):
    fake, process_a, _task, delivery_id = sending
    sent = reload(delivery_id)
    assert (sent.status, sent.owner) == (DeliveryStatus.PUBLISHING, process_a.instance)

    assert records.recover_abandoned() == []  # what process B does when it starts, and every half lease

    assert reload(delivery_id).status == DeliveryStatus.PUBLISHING


async def test_a_live_process_keeps_renewing_its_lease(sending):
    _fake, process_a, _task, delivery_id = sending
    before = reload(delivery_id).lease_until
    await asyncio.sleep(0.01)

    assert await process_a.renew_leases() == 1

    assert reload(delivery_id).lease_until > before


async def test_the_sends_of_a_process_that_is_gone_become_interrupted_once_their_lease_runs_out(sending):
    fake, process_a, task, delivery_id = sending
    task.cancel()  # process A is killed: nothing renews its lease any more
    await asyncio.gather(task, return_exceptions=True)
    await process_a.stop()
    assert records.recover_abandoned() == [] and reload(delivery_id).status == DeliveryStatus.PUBLISHING

    leases_run_out()
    records.recover_abandoned()

    gone = reload(delivery_id)
    assert (gone.status, gone.owner, gone.lease_until) == (DeliveryStatus.INTERRUPTED, None, None)
    with db.session() as session:
        outcomes = session.exec(select(DeliveryAttempt.outcome).where(DeliveryAttempt.delivery_id == delivery_id))
        assert list(outcomes) == ['interrupted']
    assert fake.sent == []  # and nothing sent it again
