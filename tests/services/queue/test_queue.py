"""Each channel's queue: "Add to queue" puts one post per channel at that channel's next free posting time;
reordering exchanges times; removing can close the gap; a paused queue's posts wait and are laid out again on
resume."""
from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from services.connections import channels as channel_book
from services.core import db
from services.core.errors import UserError
from services.core.models import Post, PostStatus, utcnow
from services.posts.editing import PostInput, PostRefused
from services.posts.versions import Version
from services.publishing.due_timer import PostScheduler
from services.publishing.engine import get_engine
from services.queue import posting_times, queue
from services.queue.slots import NO_TIMES
from tests.harness import boot_with_engine, first_admin
from tests.harness.builders import deliveries_of, post_of, telegram_chats

BERLIN = ZoneInfo('Europe/Berlin')
MONDAY = datetime(2027, 1, 4, 6, tzinfo=UTC)  # 07:00 in Berlin, on a Monday within a year of the tests' today


@pytest.fixture
def team():
    settings, _engine = boot_with_engine()
    admin = first_admin(time_zone='Europe/Berlin')
    arabic, english = telegram_chats('Arabic', 'English')
    return settings, admin, arabic, english


def berlin(instant: datetime) -> str:
    return instant.astimezone(BERLIN).strftime('%a %d %H:%M')


def queue_times(channel_id: int) -> list[tuple[str, str]]:
    return [(item.text, berlin(item.scheduled_at)) for item in queue.queue_of(channel_id).posts]


def add(admin, text: str, channels: list[int], *, now: datetime = MONDAY, versions=None) -> list[Post]:
    return queue.add_to_queue(admin.id, PostInput(text=text, channels=channels, versions=versions or {}),
                              actor=admin, now=now)


def test_add_to_queue_gives_each_channel_its_own_next_free_slot_and_version(team):
    _settings, admin, arabic, english = team
    posting_times.set_posting_times(arabic, '', [{'time': '09:00', 'days': [0, 1, 2, 3, 4]}], admin)
    posting_times.set_posting_times(english, 'Europe/London', [{'time': '13:00', 'days': [1]}], admin)
    assert {key: berlin(value) for key, value in queue.next_slots([arabic, english], now=MONDAY).items()} == {
        arabic: 'Mon 04 09:00', english: 'Tue 05 14:00'}  # 13:00 in London is 14:00 in Berlin

    first = add(admin, 'Hello', [arabic, english], versions={arabic: Version(text='مرحبا')})
    second = add(admin, 'Again', [arabic, english])

    assert [(post.queue_channel_id, berlin(post.scheduled_at), post.status) for post in first + second] == [
        (arabic, 'Mon 04 09:00', PostStatus.SCHEDULED), (english, 'Tue 05 14:00', PostStatus.SCHEDULED),
        (arabic, 'Tue 05 09:00', PostStatus.SCHEDULED), (english, 'Tue 12 14:00', PostStatus.SCHEDULED)]
    assert [(d.channel_id, d.text) for d in deliveries_of(first[0].id)] == [(arabic, 'مرحبا')]
    assert [(d.channel_id, d.text) for d in deliveries_of(first[1].id)] == [(english, None)]
    assert queue_times(arabic) == [('مرحبا', 'Mon 04 09:00'), ('Again', 'Tue 05 09:00')]


def test_a_full_week_sends_the_next_post_to_the_week_after(team):
    _settings, admin, arabic, _english = team
    posting_times.set_posting_times(arabic, '', [{'time': '09:00', 'days': [0, 2, 4]}], admin)
    for text in ('one', 'two', 'three', 'four'):
        add(admin, text, [arabic])
    assert queue_times(arabic) == [('one', 'Mon 04 09:00'), ('two', 'Wed 06 09:00'), ('three', 'Fri 08 09:00'),
                                   ('four', 'Mon 11 09:00')]


def test_a_channel_without_posting_times_refuses_the_queue_and_nothing_is_saved(team):
    _settings, admin, arabic, english = team
    posting_times.set_posting_times(arabic, '', [{'time': '09:00', 'days': [0]}], admin)
    with pytest.raises(PostRefused) as refused:
        add(admin, 'Hello', [arabic, english])
    assert [(p.message, p.params, p.channel) for p in refused.value.problems] == [
        (NO_TIMES, {'channel': channel_book.full_title(channel_book.get_channel(english))}, english)]
    with db.session() as session:
        assert session.exec(sa.select(sa.func.count()).select_from(Post)).scalar() == 0


def test_reordering_swaps_times_and_move_to_top_pushes_the_others_down(team):
    _settings, admin, arabic, _english = team
    posting_times.set_posting_times(arabic, '', [{'time': '09:00', 'days': list(range(7))}], admin)
    one, two, three = (add(admin, text, [arabic])[0].id for text in ('one', 'two', 'three'))

    queue.move(arabic, two, +1, admin)
    assert queue_times(arabic) == [('one', 'Mon 04 09:00'), ('three', 'Tue 05 09:00'), ('two', 'Wed 06 09:00')]
    queue.move_to_top(arabic, two, admin)
    assert queue_times(arabic) == [('two', 'Mon 04 09:00'), ('one', 'Tue 05 09:00'), ('three', 'Wed 06 09:00')]
    queue.reorder(arabic, [three, one, two], admin)
    assert queue_times(arabic) == [('three', 'Mon 04 09:00'), ('one', 'Tue 05 09:00'), ('two', 'Wed 06 09:00')]
    queue.shuffle(arabic, admin, rng=random.Random(3))
    assert sorted(queue_times(arabic), key=lambda row: row[1]) == queue_times(arabic)
    assert {time for _text, time in queue_times(arabic)} == {'Mon 04 09:00', 'Tue 05 09:00', 'Wed 06 09:00'}
    with pytest.raises(UserError):
        queue.reorder(arabic, [three, one], admin)  # a post another tab added or removed meanwhile


def test_removing_a_post_leaves_its_gap_unless_asked_to_close_it(team):
    _settings, admin, arabic, _english = team
    posting_times.set_posting_times(arabic, '', [{'time': '09:00', 'days': list(range(7))}], admin)
    ids = [add(admin, text, [arabic])[0].id for text in ('one', 'two', 'three', 'four')]

    queue.remove(arabic, ids[0], admin)
    assert queue_times(arabic) == [('two', 'Tue 05 09:00'), ('three', 'Wed 06 09:00'), ('four', 'Thu 07 09:00')]
    assert post_of(ids[0]).status == PostStatus.DRAFT and post_of(ids[0]).queue_channel_id is None
    queue.remove(arabic, ids[1], admin, close_gap=True)
    assert queue_times(arabic) == [('three', 'Tue 05 09:00'), ('four', 'Wed 06 09:00')]
    # the gap left by the first is the next free slot
    assert berlin(queue.next_slots([arabic], now=MONDAY)[arabic]) == 'Mon 04 09:00'


async def test_a_paused_queue_holds_its_due_posts_and_resuming_lays_them_out_from_the_next_slot(team):
    settings, admin, arabic, english = team
    every_hour = [{'time': f'{hour:02d}:00', 'days': list(range(7))} for hour in range(24)]
    posting_times.set_posting_times(arabic, 'UTC', every_hour, admin)
    posting_times.set_posting_times(english, 'UTC', every_hour, admin)
    now = utcnow()
    held, other = add(admin, 'Waits', [arabic, english], now=now)
    later = add(admin, 'Later', [arabic], now=now)[0]
    with db.session() as session:  # both fell due an hour ago
        session.exec(sa.update(Post).where(Post.id.in_([held.id, other.id]))
                     .values(scheduled_at=now - timedelta(hours=1)))

    queue.set_paused(arabic, True, admin)
    assert queue.queue_of(arabic).paused
    assert await PostScheduler(settings).fire_due() == 1  # the English one only
    await get_engine().publish_post(held.id)
    assert post_of(held.id).status == PostStatus.SCHEDULED  # waits: nothing was sent

    queue.set_paused(arabic, False, admin, now=now)
    next_hour = (now + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    assert [item.scheduled_at for item in queue.queue_of(arabic).posts] == [next_hour, next_hour + timedelta(hours=1)]
    assert [item.post_id for item in queue.queue_of(arabic).posts] == [held.id, later.id]
