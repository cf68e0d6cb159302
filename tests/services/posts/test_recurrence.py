"""Recurring posts: an RFC 5545 rule over local wall-clock time; each occurrence its own post, the next one made
when one is claimed for sending, whatever becomes of it."""
from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.core.errors import UserError
from services.core.models import DeliveryStatus, PostStatus, utcnow
from services.platforms import base
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.recurrence import Recurrence, occurrences
from services.posts.versions import Version
from services.publishing.engine import get_engine
from tests.fakes.telegram import FakeTelegram
from tests.harness import boot_with_engine, first_admin
from tests.harness.builders import deliveries_of, post_of, telegram_chats

BERLIN = 'Europe/Berlin'


def berlin(instant: datetime) -> str:
    return instant.astimezone(ZoneInfo(BERLIN)).strftime('%a %Y-%m-%d %H:%M %Z')


def test_a_weekly_post_across_the_spring_change_goes_at_the_same_local_time():
    first = datetime(2027, 3, 22, 8, tzinfo=UTC)  # Monday 09:00 in Berlin, winter time
    rule = Recurrence('weekly', BERLIN, count=3).rule(first)
    assert rule == 'DTSTART:20270322T090000\nRRULE:FREQ=WEEKLY;COUNT=3'
    assert [berlin(instant) for instant in occurrences(rule, BERLIN, first, 5)] == [
        'Mon 2027-03-29 09:00 CEST', 'Mon 2027-04-05 09:00 CEST']  # three in all, the first included


def test_chosen_weekdays_every_two_weeks_until_a_date():
    first = datetime(2027, 1, 4, 8, tzinfo=UTC)  # Monday 09:00
    rule = Recurrence('weekly', BERLIN, interval=2, weekdays=(0, 3), until=date(2027, 1, 21)).rule(first)
    assert [berlin(instant) for instant in occurrences(rule, BERLIN, first, 9)] == [
        'Thu 2027-01-07 09:00 CET', 'Mon 2027-01-18 09:00 CET', 'Thu 2027-01-21 09:00 CET']


def test_a_rule_that_makes_no_sense_is_refused():
    first = datetime(2027, 1, 4, 8, tzinfo=UTC)
    for wrong in (Recurrence('hourly'), Recurrence('daily', interval=0), Recurrence('daily', count=0),
                  Recurrence('daily', BERLIN, until=date(2027, 1, 1))):
        with pytest.raises(UserError):
            wrong.rule(first)


async def test_a_failed_occurrence_does_not_stop_the_next_which_keeps_the_local_time_and_the_versions():
    with FakeTelegram() as fake:  # it knows none of the chats: every send is refused ("chat not found")
        boot_with_engine(TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='0')
        admin = first_admin(time_zone=BERLIN)
        [chat] = telegram_chats('Arabic')
        first_time = (utcnow() + timedelta(seconds=1)).replace(microsecond=0)
        post = editing.save_post(admin.id, PostInput(
            text='Every day', channels=[chat], versions={chat: Version(text='كل يوم')}, scheduled_at=first_time,
            recurrence=Recurrence('daily', BERLIN, count=2)), SaveAction.SCHEDULE, actor=admin)
        assert post.series_id == post.id
        await asyncio.sleep(max(0.0, (first_time - utcnow()).total_seconds()) + 0.2)
        await get_engine().publish_post(post.id)
        await get_engine().wait_idle()

        assert post_of(post.id).status == PostStatus.FAILED
        following = post_of(post.id + 1)
        assert (following.status, following.series_id, following.text) == (PostStatus.SCHEDULED, post.id, 'Every day')
        assert berlin(following.scheduled_at) == berlin(first_time + timedelta(days=1))
        assert [(d.channel_id, d.text, d.status) for d in deliveries_of(following.id)] == [
            (chat, 'كل يوم', DeliveryStatus.PENDING)]
        # the second of two is the last: claiming it makes no third
        assert occurrences(following.recurrence, BERLIN, following.scheduled_at, 1) == []
    await base.close_http_client()  # opened in this test's loop: later tests get their own
