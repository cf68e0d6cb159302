"""Each use case changes the state and hands the work on, and tells of it with exactly one event after its commit."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from services.core import db, events
from services.core.models import Delivery, DeliveryStatus, Post, PostStatus, utcnow
from services.posts import actions, editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import due_timer, engine, records
from tests.harness import first_admin, publishing_to, to_telegram

P, D = PostStatus, DeliveryStatus


@pytest.fixture
async def author(fake, app_env):
    async with publishing_to(fake):
        yield first_admin('author')


def heard_while(act) -> tuple[object, list]:
    """What `act()` returns, and every event emitted while it ran (the engine's tasks have not run yet)."""
    found: list = []
    stop_deliveries, stop_posts = events.subscribe(found.append), events.subscribe_schedule(found.append)
    try:
        return act(), found
    finally:
        stop_deliveries()
        stop_posts()


def saved(author, action: SaveAction = SaveAction.DRAFT, when=None) -> Post:
    """A post with one Telegram delivery, saved as `action` says for `when` (which may be past: saved back then)."""
    return editing.save_post(author.id, to_telegram(when=when), action,
                             now=when - timedelta(minutes=1) if when else None)


def with_status(post_id: int, status: str, delivery_status: str | None = None) -> int:
    """Put the post (and its delivery) where the test needs it, as earlier events would have; the delivery's id."""
    with db.session() as session:
        session.get(Post, post_id).status = status
        delivery = session.exec(select(Delivery).where(Delivery.post_id == post_id)).one()
        delivery.status = delivery_status or delivery.status
        return delivery.id


async def test_publish_now_announces_the_post_and_the_engine_sends_it(author, fake):
    post, heard = heard_while(lambda: actions.save(author.id, to_telegram('Now'), SaveAction.PUBLISH))
    # due now: the calendar shows a post published now on the day it went out
    assert heard == [events.PostScheduleChanged(post.id, P.PUBLISHING, post.scheduled_at)]
    assert post.scheduled_at is not None
    await engine.get_engine().wait_idle()
    assert [m.text for m in fake.sent] == ['Now']


async def test_publish_now_from_a_worker_thread_is_sent_by_the_engine(author, fake):
    """The REST API saves in worker threads: the hand-off reaches the engine's loop all the same."""
    await asyncio.to_thread(actions.save, author.id, to_telegram('From a thread'), SaveAction.PUBLISH)
    await engine.get_engine().wait_idle()
    assert [m.text for m in fake.sent] == ['From a thread']


async def test_schedule_announces_the_post_for_the_due_post_timer(author):
    when = utcnow() + timedelta(days=1)
    post, heard = heard_while(lambda: actions.save(author.id, to_telegram('Later', when), SaveAction.SCHEDULE))
    assert heard == [events.PostScheduleChanged(post.id, P.SCHEDULED, when)]


async def test_an_edit_announces_the_post(author):
    post = saved(author)
    _same, heard = heard_while(lambda: actions.save(author.id, PostInput(text='Better'), SaveAction.DRAFT,
                                                    post_id=post.id))
    assert heard == [events.PostScheduleChanged(post.id, P.DRAFT, None)]


async def test_a_delete_announces_the_post_gone(author):
    post = saved(author)
    _media, heard = heard_while(lambda: editing.delete_post(post.id, author))
    assert heard == [events.PostScheduleChanged(post.id, None, None)]
    with db.session() as session:
        assert session.exec(select(Delivery).where(Delivery.post_id == post.id)).all() == []  # gone with it


async def test_cancel_announces_the_post_and_its_delivery_waits_no_more(author):
    when = utcnow() + timedelta(days=1)
    post = saved(author, SaveAction.SCHEDULE, when)
    _same, heard = heard_while(lambda: actions.cancel(post.id))
    assert heard == [events.PostScheduleChanged(post.id, P.CANCELLED, when)]
    assert editing.get_post(post.id).deliveries[0].status == D.CANCELLED


async def test_reschedule_announces_the_new_time(author):
    post = saved(author, SaveAction.SCHEDULE, utcnow() + timedelta(days=1))
    later = utcnow() + timedelta(days=2)
    _same, heard = heard_while(lambda: actions.reschedule(post.id, later))
    assert heard == [events.PostScheduleChanged(post.id, P.SCHEDULED, later)]


async def test_missed_posts_are_announced_one_by_one(author):
    when = utcnow() - timedelta(hours=1)
    first, second = saved(author, SaveAction.SCHEDULE, when), saved(author, SaveAction.SCHEDULE, when)
    count, heard = heard_while(lambda: due_timer.mark_missed(utcnow()))
    assert count == 2
    assert sorted(heard, key=lambda e: e.post_id) == [events.PostScheduleChanged(first.id, P.MISSED, when),
                                                      events.PostScheduleChanged(second.id, P.MISSED, when)]


async def test_publish_missed_now_announces_the_post_and_the_engine_sends_it(author, fake):
    when = utcnow() + timedelta(days=1)
    post = saved(author, SaveAction.SCHEDULE, when)
    with_status(post.id, P.MISSED)
    _same, heard = heard_while(lambda: actions.publish_missed_now(post.id))
    assert heard == [events.PostScheduleChanged(post.id, P.PUBLISHING, when)]
    await engine.get_engine().wait_idle()
    assert [m.text for m in fake.sent] == ['A post']


async def test_retry_announces_the_delivery_queued_again_and_the_engine_sends_it(author, fake):
    post = saved(author, SaveAction.PUBLISH)
    delivery_id = with_status(post.id, P.FAILED, D.FAILED)
    post_id, heard = heard_while(lambda: actions.retry(delivery_id))
    assert post_id == post.id
    assert [(e.delivery_id, e.status, e.post_status) for e in heard] == [(delivery_id, D.PENDING, P.PUBLISHING)]
    await engine.get_engine().wait_idle()
    assert [m.text for m in fake.sent] == ['A post']
    assert actions.retry(delivery_id) is None  # published: nothing to retry


async def test_an_interrupted_delivery_is_announced_with_its_settled_post(author):
    post = saved(author, SaveAction.PUBLISH)
    delivery_id = with_status(post.id, P.PUBLISHING, D.PUBLISHING)  # what a kill during the send leaves
    resumable, heard = heard_while(records.recover_abandoned)
    assert resumable == []
    assert [(e.delivery_id, e.status, e.post_status) for e in heard] == [(delivery_id, D.INTERRUPTED, P.FAILED)]
