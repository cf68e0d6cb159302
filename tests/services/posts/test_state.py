"""The transition tables of posts and deliveries, and the transaction that moves them.

The allowed moves are written out here rather than read from services.posts.state, so that a change to the rules
shows up as a failing test.
"""
from __future__ import annotations

import os

import pytest
from sqlmodel import select

from services.core import db, events
from services.core.config import configure, load_settings
from services.core.models import Delivery, DeliveryAttempt, DeliveryStatus, Post, PostStatus, utcnow
from services.posts import state
from services.team import users
from tests.harness.builders import channel_of

P, D = PostStatus, DeliveryStatus
POST_MOVES = {  # from: what it may become
    P.DRAFT: {P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING},
    P.IN_REVIEW: {P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING, P.REJECTED},
    P.REJECTED: {P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING},
    P.SCHEDULED: {P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING, P.MISSED, P.CANCELLED},
    P.MISSED: {P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING, P.CANCELLED},
    P.CANCELLED: {P.DRAFT, P.IN_REVIEW, P.SCHEDULED, P.PUBLISHING},
    P.PUBLISHING: {P.PUBLISHED, P.PARTLY_PUBLISHED, P.FAILED},
    P.PARTLY_PUBLISHED: {P.PUBLISHING},
    P.FAILED: {P.PUBLISHING},
    P.PUBLISHED: set(),
}
DELIVERY_MOVES = {
    D.PENDING: {D.PUBLISHING, D.FAILED, D.CANCELLED},
    D.PUBLISHING: {D.PUBLISHED, D.FAILED, D.PENDING, D.INTERRUPTED},
    D.FAILED: {D.PENDING},
    D.INTERRUPTED: {D.PENDING},
    D.CANCELLED: {D.PENDING},
    D.PUBLISHED: set(),
}


@pytest.fixture
def author(app_env):
    settings = configure(load_settings({**os.environ, 'SECRET_KEY': 's' * 40}, env_file=None))
    db.init_db(settings.database_url)
    return users.create_first_admin('author', 'a long password!', language='en', time_zone='UTC', ip='')


@pytest.fixture
def heard():
    """Every event emitted while the test runs."""
    found: list = []
    stop_deliveries, stop_posts = events.subscribe(found.append), events.subscribe_schedule(found.append)
    yield found
    stop_deliveries()
    stop_posts()


def post_in(author, status: str) -> int:
    with db.session() as session:
        post = Post(author_id=author.id, status=status)
        session.add(post)
        session.flush()
        return post.id


def delivery_in(author, status: str, post_status: str = P.PUBLISHING, platform: str = 'telegram') -> int:
    with db.session() as session:
        delivery = Delivery(post_id=post_in(author, post_status), platform=platform, channel_id=channel_of(platform),
                            status=status)
        session.add(delivery)
        session.flush()
        return delivery.id


def status_of(table, row_id: int) -> str | None:
    with db.session() as session:
        return session.exec(select(table.status).where(table.id == row_id)).first()


def test_the_tables_cover_every_status():
    assert set(state.POST_MOVES) == set(POST_MOVES) == set(PostStatus)
    assert set(state.DELIVERY_MOVES) == set(DELIVERY_MOVES) == set(DeliveryStatus)


@pytest.mark.parametrize('source', list(PostStatus))
def test_every_allowed_post_move_succeeds_and_every_other_is_refused(author, source):
    for target in PostStatus:
        post_id = post_in(author, source)
        with state.transaction() as change:
            moved = change.move_post(post_id, target)
        allowed = target in POST_MOVES[source]
        assert (moved, status_of(Post, post_id)) == (allowed, target if allowed else source), (source, target)


@pytest.mark.parametrize('source', list(DeliveryStatus))
def test_every_allowed_delivery_move_succeeds_and_every_other_is_refused(author, source):
    for target in DeliveryStatus:
        delivery_id = delivery_in(author, source)
        with state.transaction() as change:
            moved = change.move_delivery(delivery_id, target)
        allowed = target in DELIVERY_MOVES[source]
        assert (moved, status_of(Delivery, delivery_id)) == (allowed, target if allowed else source), \
            (source, target)


def test_asking_for_a_move_the_table_forbids_is_a_bug_not_a_refusal(author):
    post_id, delivery_id = post_in(author, P.PUBLISHED), delivery_in(author, D.PUBLISHED)
    with pytest.raises(state.IllegalMove), state.transaction() as change:
        change.move_post(post_id, P.PUBLISHING, only_from=[P.PUBLISHED])
    with pytest.raises(state.IllegalMove), state.transaction() as change:
        change.move_delivery(delivery_id, D.PENDING, only_from=[D.PUBLISHED])
    with pytest.raises(state.IllegalMove), state.transaction() as change:
        change.new_post(author.id, P.PUBLISHED)
    assert (status_of(Post, post_id), status_of(Delivery, delivery_id)) == (P.PUBLISHED, D.PUBLISHED)


def test_a_narrowed_move_leaves_a_post_in_another_allowed_status_alone(author):
    draft = post_in(author, P.DRAFT)
    with state.transaction() as change:
        moved = change.move_post(draft, P.SCHEDULED, only_from=[P.SCHEDULED, P.MISSED])  # a reschedule
    assert not moved and status_of(Post, draft) == P.DRAFT


def test_the_event_goes_out_after_the_commit_and_never_for_a_rollback(author, heard):
    post_id = post_in(author, P.SCHEDULED)
    seen_in_database: list = []
    stop = events.subscribe_schedule(lambda event: seen_in_database.append(status_of(Post, event.post_id)))
    try:
        with pytest.raises(RuntimeError), state.transaction() as change:
            change.move_post(post_id, P.CANCELLED)
            change.announce_post(post_id)
            raise RuntimeError('something failed before the commit')
        assert heard == [] and status_of(Post, post_id) == P.SCHEDULED

        with state.transaction() as change:
            change.move_post(post_id, P.CANCELLED)
            change.announce_post(post_id)
            change.announce_post(post_id)  # one change, one event
    finally:
        stop()
    assert heard == [events.PostScheduleChanged(post_id, P.CANCELLED, None)]
    assert seen_in_database == [P.CANCELLED]  # a listener reading the database finds the change there


def test_a_delivery_event_carries_its_posts_settled_status(author, heard):
    delivery_id = delivery_in(author, D.PUBLISHING)
    with state.transaction() as change:
        change.move_delivery(delivery_id, D.PUBLISHED, remote_url='https://t.me/fakechannel/1')
        post_id = change.session.get(Delivery, delivery_id).post_id
        change.settle_posts([post_id])
        change.announce_delivery(delivery_id)
    assert heard == [events.DeliveryChanged(post_id=post_id, delivery_id=delivery_id, platform='telegram',
                                            channel_id=channel_of('telegram'),
                                            status=D.PUBLISHED, post_status=P.PUBLISHED, author_id=author.id,
                                            error=None, remote_url='https://t.me/fakechannel/1')]


@pytest.mark.parametrize(('deliveries', 'settled'), [
    ((D.PUBLISHED, D.PENDING), P.PUBLISHING),
    ((D.PUBLISHED, D.PUBLISHING), P.PUBLISHING),
    ((D.PUBLISHED, D.PUBLISHED), P.PUBLISHED),
    ((D.PUBLISHED, D.FAILED), P.PARTLY_PUBLISHED),
    ((D.PUBLISHED, D.INTERRUPTED), P.PARTLY_PUBLISHED),
    ((D.FAILED, D.INTERRUPTED), P.FAILED),
])
def test_a_post_settles_from_its_deliveries(author, deliveries, settled):
    post_id = post_in(author, P.PUBLISHING)
    with db.session() as session:
        session.add_all(Delivery(post_id=post_id, platform=platform, channel_id=channel_of(platform), status=status)
                        for platform, status in zip(('telegram', 'youtube'), deliveries, strict=True))
    with state.transaction() as change:
        change.settle_posts([post_id])
    assert status_of(Post, post_id) == settled


def test_a_batch_move_moves_only_the_posts_in_a_status_that_may(author, heard):
    first, second, other = post_in(author, P.SCHEDULED), post_in(author, P.SCHEDULED), post_in(author, P.DRAFT)
    with state.transaction() as change:
        moved = change.move_posts(P.MISSED, only_from=[P.SCHEDULED], where=[Post.id.in_([first, second, other])])
        for post_id in moved:
            change.announce_post(post_id)
    assert sorted(moved) == [first, second]
    assert sorted(event.post_id for event in heard) == [first, second]
    assert {event.status for event in heard} == {P.MISSED} and status_of(Post, other) == P.DRAFT


def test_an_attempt_is_logged_with_the_delivery(author):
    delivery_id = delivery_in(author, D.PUBLISHING)
    with state.transaction() as change:
        change.move_delivery(delivery_id, D.FAILED, last_error='Bad Request: chat not found')
        change.record_attempt(delivery_id, 'rejected', utcnow(), error='Bad Request: chat not found')
    with db.session() as session:
        attempts = session.exec(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)).all()
        last_error = session.exec(select(Delivery.last_error).where(Delivery.id == delivery_id)).one()
    assert [(a.outcome, a.error_detail) for a in attempts] == [('rejected', 'Bad Request: chat not found')]
    assert last_error == 'Bad Request: chat not found'
