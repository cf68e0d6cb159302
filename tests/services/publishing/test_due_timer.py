"""The scheduler against the fake Telegram: on time, moved, cancelled, missed, late at start, DST, 10,000 posts."""
from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.models import AuditEvent, Delivery, DeliveryStatus, Post, PostStatus, Role, User, utcnow
from services.core.timezones import AmbiguousTime, local_to_utc
from services.posts import actions, editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import due_timer, engine
from services.team.permissions import Forbidden
from tests.conftest import eventually
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram
from tests.harness import boot_with_engine, deliveries_of, first_admin, post_of, scheduled, stop_services
from tests.harness.builders import channel_of, channels_of

BERLIN = 'Europe/Berlin'


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
async def author(fake):
    """Settings, database, the env Telegram account pointing at the fake, and an author; the scheduler is not
    started (each test starts it when its posts are in place)."""
    settings, runner = boot_with_engine(TELEGRAM_API_URL=fake.base_url, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
                                        TELEGRAM_CHAT_ID=str(DEFAULT_CHAT_ID), TELEGRAM_PACING_SECONDS='0',
                                        MISFIRE_GRACE_MINUTES='15')
    accounts.sync_env_accounts(settings)
    yield first_admin('author', time_zone=BERLIN)
    await due_timer.stop_scheduler()
    await runner.wait_idle()
    await stop_services()


async def start() -> due_timer.PostScheduler:
    return await due_timer.start_scheduler(get_settings())


def schedule(author, when: datetime, text: str = 'On time') -> int:
    """A post scheduled for `when`, which may be past (as if saved before the app went down)."""
    return scheduled(text, at=when, author_id=author.id)


async def test_a_scheduled_post_is_sent_at_its_time_and_not_before(author, fake):
    jobs = await start()
    when = utcnow() + timedelta(seconds=1)
    post_id = schedule(author, when)
    assert jobs.next_run(post_id) == when
    await asyncio.sleep(0.5)
    assert fake.sent == []
    await eventually(lambda: post_of(post_id).status == PostStatus.PUBLISHED, seconds=10)
    assert [m.text for m in fake.sent] == ['On time']
    assert deliveries_of(post_id)[0].published_at >= when
    assert jobs.next_run(post_id) is None


async def test_a_job_that_fires_twice_publishes_once(author, fake):
    await start()
    post_id = schedule(author, utcnow() + timedelta(seconds=1))
    await eventually(lambda: post_of(post_id).status == PostStatus.PUBLISHED, seconds=10)
    await due_timer.fire(post_id)
    await due_timer.fire(post_id)
    await engine.get_engine().wait_idle()
    assert len(fake.sent) == 1


async def test_reschedule_moves_the_job_and_the_old_time_passes_without_a_send(author, fake):
    jobs = await start()
    post_id = schedule(author, utcnow() + timedelta(seconds=1))
    later = utcnow() + timedelta(hours=2)
    actions.reschedule(post_id, later)
    assert jobs.next_run(post_id) == later
    await asyncio.sleep(1.5)
    await due_timer.fire(post_id)  # a stale job firing anyway: the post is not due, so nothing happens
    await engine.get_engine().wait_idle()
    assert fake.sent == [] and post_of(post_id).status == PostStatus.SCHEDULED

    soon = utcnow() + timedelta(seconds=1)
    actions.reschedule(post_id, soon)
    await eventually(lambda: post_of(post_id).status == PostStatus.PUBLISHED, seconds=10)
    assert len(fake.sent) == 1


async def test_a_post_cannot_be_rescheduled_into_the_past(author):
    post_id = schedule(author, utcnow() + timedelta(hours=1))
    with pytest.raises(UserError, match='already passed'):
        actions.reschedule(post_id, utcnow() - timedelta(minutes=1))


async def test_cancel_removes_the_job_and_nothing_is_sent(author, fake):
    jobs = await start()
    post_id = schedule(author, utcnow() + timedelta(seconds=1))
    actions.cancel(post_id)
    assert jobs.next_run(post_id) is None
    await asyncio.sleep(1.5)
    await due_timer.fire(post_id)
    await engine.get_engine().wait_idle()
    assert fake.sent == []
    assert post_of(post_id).status == PostStatus.CANCELLED
    assert [d.status for d in deliveries_of(post_id)] == [DeliveryStatus.CANCELLED]
    with pytest.raises(UserError, match='no longer waiting'):
        actions.cancel(post_id)


async def test_editing_saving_as_draft_and_deleting_keep_the_jobs_in_step(author):
    jobs = await start()
    post_id = schedule(author, utcnow() + timedelta(hours=1))
    moved = utcnow() + timedelta(hours=3)
    editing.save_post(author.id, PostInput(text='Edited', channels=channels_of(['telegram']), scheduled_at=moved),
                    SaveAction.SCHEDULE, post_id=post_id)
    assert jobs.next_run(post_id) == moved
    editing.save_post(author.id, PostInput(text='Edited', channels=channels_of(['telegram']), scheduled_at=moved),
                    SaveAction.DRAFT, post_id=post_id)
    assert jobs.next_run(post_id) is None
    other = schedule(author, utcnow() + timedelta(hours=2))
    editing.delete_post(other, author)
    assert jobs.job_count() == 0


async def test_a_post_late_beyond_the_grace_becomes_missed_and_is_not_sent(author, fake):
    post_id = schedule(author, utcnow() - timedelta(minutes=20))
    jobs = await start()
    await engine.get_engine().wait_idle()
    assert post_of(post_id).status == PostStatus.MISSED
    assert jobs.next_run(post_id) is None and fake.sent == []
    assert [d.status for d in deliveries_of(post_id)] == [DeliveryStatus.PENDING]  # kept for Publish now


async def test_a_post_late_within_the_grace_is_published_at_start(author, fake):
    post_id = schedule(author, utcnow() - timedelta(minutes=10))
    await start()
    await eventually(lambda: post_of(post_id).status == PostStatus.PUBLISHED, seconds=10)
    assert [m.text for m in fake.sent] == ['On time']


async def test_the_grace_is_judged_against_the_clock_given_at_start(author, fake):
    due = utcnow() + timedelta(minutes=30)
    post_id = schedule(author, due)
    jobs = await due_timer.start_scheduler(get_settings(), now=due + timedelta(minutes=16))
    assert post_of(post_id).status == PostStatus.MISSED and jobs.next_run(post_id) is None


async def test_a_missed_post_can_be_published_now_or_rescheduled(author, fake):
    first = schedule(author, utcnow() - timedelta(hours=1), text='Rescued')
    second = schedule(author, utcnow() - timedelta(hours=1), text='Moved')
    jobs = await start()
    actions.publish_missed_now(first)
    await eventually(lambda: post_of(first).status == PostStatus.PUBLISHED, seconds=10)
    later = utcnow() + timedelta(days=1)
    actions.reschedule(second, later)
    assert post_of(second).status == PostStatus.SCHEDULED and jobs.next_run(second) == later
    assert [m.text for m in fake.sent] == ['Rescued']
    with pytest.raises(UserError):
        actions.publish_missed_now(first)


def next_transition(forward: bool) -> date:
    """The next day on which Berlin's clocks go forward (or back), at least two days from now."""
    zone, day = ZoneInfo(BERLIN), utcnow().date() + timedelta(days=2)
    for _ in range(366):
        before = datetime.combine(day, time(0), tzinfo=zone).utcoffset()
        after = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if after != before and (after > before) == forward:
            return day
        day += timedelta(days=1)
    raise AssertionError('no transition within a year')


async def test_a_time_that_happens_twice_is_scheduled_at_the_instant_chosen(author):
    jobs = await start()
    day = next_transition(forward=False)
    post_id = schedule(author, utcnow() + timedelta(hours=1))
    with pytest.raises(AmbiguousTime) as ambiguous:
        local_to_utc(day, time(2, 30), BERLIN)
    actions.reschedule(post_id, local_to_utc(day, time(2, 30), BERLIN, fold=1))
    assert jobs.next_run(post_id) == ambiguous.value.later == datetime.combine(day, time(1, 30), tzinfo=UTC)
    actions.reschedule(post_id, local_to_utc(day, time(2, 30), BERLIN, fold=0))
    assert jobs.next_run(post_id) == ambiguous.value.earlier == datetime.combine(day, time(0, 30), tzinfo=UTC)


async def test_a_time_that_does_not_exist_is_refused_and_the_job_kept(author):
    jobs = await start()
    when = utcnow() + timedelta(hours=1)
    post_id = schedule(author, when)
    day = next_transition(forward=True)
    with pytest.raises(UserError, match='does not exist'):
        actions.reschedule(post_id, local_to_utc(day, time(2, 30), BERLIN))
    assert jobs.next_run(post_id) == when
    # either side of the gap works, an hour apart in UTC although two hours apart on the clock
    actions.reschedule(post_id, local_to_utc(day, time(3, 30), BERLIN))
    after_gap = jobs.next_run(post_id)
    actions.reschedule(post_id, local_to_utc(day, time(1, 30), BERLIN))
    assert after_gap - jobs.next_run(post_id) == timedelta(hours=1)


def insert_scheduled(author_id: int, times: list[datetime]) -> None:
    """Many scheduled posts at once, each with a pending Telegram delivery (save_post one by one is slow)."""
    now = utcnow()
    with db.session() as session:
        channel_id = channel_of('telegram')
        first = session.exec(sa.insert(Post).returning(Post.id), params=[
            {'author_id': author_id, 'text': f'Post {i}', 'options': {}, 'status': PostStatus.SCHEDULED,
             'scheduled_at': when, 'created_at': now, 'updated_at': now} for i, when in enumerate(times)]).all()
        session.exec(sa.insert(Delivery), params=[
            {'post_id': post_id, 'platform': 'telegram', 'channel_id': channel_id, 'status': DeliveryStatus.PENDING,
             'attempt_count': 0, 'created_at': now, 'updated_at': now} for (post_id,) in first])


async def test_ten_thousand_pending_posts_are_all_loaded_at_start(author):
    base_time = utcnow() + timedelta(days=1)
    insert_scheduled(author.id, [base_time + timedelta(seconds=i) for i in range(10_000)])
    jobs = await start()
    assert jobs.job_count() == 10_000
    with db.session() as session:
        ids = session.exec(select(Post.id).order_by(Post.id)).all()
    assert jobs.next_run(ids[0]) == base_time and jobs.next_run(ids[-1]) == base_time + timedelta(seconds=9_999)


async def test_a_viewer_may_not_move_cancel_or_publish_and_nothing_changes(author):
    jobs = await start()
    when = utcnow() + timedelta(hours=1)
    post_id = schedule(author, when)
    with db.session() as session:
        viewer = User(username='watcher', password_hash='-', role=Role.VIEWER)
        session.add(viewer)
    with pytest.raises(Forbidden):
        actions.cancel(post_id, actor=viewer)
    with pytest.raises(Forbidden):
        actions.reschedule(post_id, when + timedelta(hours=1), actor=viewer)
    assert post_of(post_id).status == PostStatus.SCHEDULED and jobs.next_run(post_id) == when


async def test_cancelling_is_written_to_the_audit_log(author):
    post_id = schedule(author, utcnow() + timedelta(hours=1))
    actions.cancel(post_id, actor=author, ip='10.0.0.7')
    with db.session() as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == 'post.cancel')).one()
    assert (event.actor_id, event.target, event.ip) == (author.id, str(post_id), '10.0.0.7')


async def test_a_post_scheduled_by_a_process_whose_event_never_arrived_still_fires_when_due(author):
    jobs = await start()
    with db.session() as session:  # written by another process; its event was lost
        post = Post(author_id=author.id, text='Heard of late', status=PostStatus.SCHEDULED,
                    scheduled_at=utcnow() - timedelta(seconds=1))
        session.add(post)
        session.flush()
        post_id = post.id
    assert jobs.next_run(post_id) is None

    assert await jobs.fire_due() == 1

    await engine.get_engine().wait_idle()
    assert post_of(post_id).status != PostStatus.SCHEDULED  # taken by the engine (no delivery: nothing to send)
