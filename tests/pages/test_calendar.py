"""The calendar as a user drives it: week, month and list; reschedule through the dialog (DST included); cancel."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from nicegui import ui
from nicegui.testing import User

from services.core import db
from services.core.models import Delivery, DeliveryStatus, PostStatus, Role, utcnow
from services.core.models import User as Account
from services.core.timezones import local_to_utc, utc_to_local
from services.publishing import due_timer
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness import confirm_in_dialog, connected, media_rows, post_of, reschedule_in_dialog, scheduled
from tests.services.publishing.test_due_timer import next_transition

pytestmark = pytest.mark.both_databases

BERLIN = 'Europe/Berlin'  # the admin's time zone


@pytest.fixture
async def planner(user: User, admin) -> User:
    connected('telegram')
    await open_signed_in(user, *ADMIN)
    return user


def schedule_at(day: date, at: time, text: str = 'Launch day', media: int = 0) -> int:
    return scheduled(text, at=local_to_utc(day, at, BERLIN), media_ids=media_rows(media))


def local(value: datetime) -> str:
    return utc_to_local(value, BERLIN).strftime('%Y-%m-%d %H:%M')


def in_two_days() -> date:
    return utc_to_local(utcnow(), BERLIN).date() + timedelta(days=2)


async def test_the_list_shows_a_scheduled_post_with_its_time_platforms_and_media(planner: User):
    post_id = schedule_at(in_two_days(), time(9, 30), media=2)
    await planner.open('/calendar?view=list')
    await planner.should_see(marker=f'post-{post_id}')
    await planner.should_see('Launch day')
    await planner.should_see('9:30')
    await planner.should_see('Telegram')
    await planner.should_see('2 photos or videos')


@pytest.mark.parametrize('view', ['week', 'month'])
async def test_week_and_month_put_the_post_on_its_day(planner: User, view: str):
    day = in_two_days()
    post_id = schedule_at(day, time(9, 30))
    await planner.open(f'/calendar?view={view}&start={day.isoformat()}')
    with planner.scope(marker=f'day-{day.isoformat()}'):
        await planner.should_see(marker=f'post-{post_id}')
    other = day + timedelta(days=1 if day.weekday() < 6 else -1)
    with planner.scope(marker=f'day-{other.isoformat()}'):
        await planner.should_not_see(marker=f'post-{post_id}')


async def test_an_empty_week_says_so(planner: User):
    await planner.open('/calendar?view=week')
    await planner.should_see(marker='calendar-empty')


async def test_reschedule_through_the_dialog_moves_the_post_and_its_job(planner: User):
    post_id = schedule_at(in_two_days(), time(9, 30))
    await planner.open('/calendar?view=list')
    target = in_two_days() + timedelta(days=3)
    await reschedule_in_dialog(planner, post_id, target, '18:15')
    await eventually(lambda: local(post_of(post_id).scheduled_at) == f'{target.isoformat()} 18:15')
    await planner.should_see('Scheduled for', kind=ui.notification, retries=20)
    assert due_timer.get_scheduler().next_run(post_id) == post_of(post_id).scheduled_at
    await planner.should_see('6:15', retries=20)  # the list was redrawn


async def test_a_time_that_happens_twice_asks_which_one_is_meant(planner: User):
    post_id = schedule_at(in_two_days(), time(9, 30))
    day = next_transition(forward=False)
    await planner.open('/calendar?view=list')
    await reschedule_in_dialog(planner, post_id, day, '02:30')
    await planner.should_see('This time happens twice on that day', retries=20)
    planner.find(marker='fold-1').click()
    later = local_to_utc(day, time(2, 30), BERLIN, fold=1)
    await eventually(lambda: post_of(post_id).scheduled_at == later)
    assert due_timer.get_scheduler().next_run(post_id) == later


async def test_a_time_that_does_not_exist_is_refused_in_the_dialog(planner: User):
    post_id = schedule_at(in_two_days(), time(9, 30))
    before = post_of(post_id).scheduled_at
    await planner.open('/calendar?view=list')
    await reschedule_in_dialog(planner, post_id, next_transition(forward=True), '02:30')
    await planner.should_see('02:30 does not exist on that day because the clocks go forward', retries=20)
    assert post_of(post_id).scheduled_at == before


async def test_cancel_asks_first_then_the_post_leaves_the_calendar(planner: User):
    post_id = schedule_at(in_two_days(), time(9, 30))
    await planner.open('/calendar?view=list')
    await confirm_in_dialog(planner, f'cancel-{post_id}', 'confirm-cancel')
    await planner.should_see('The post was cancelled.', kind=ui.notification, retries=20)
    await planner.should_see(marker='calendar-empty', retries=20)
    assert post_of(post_id).status == PostStatus.CANCELLED
    assert due_timer.get_scheduler().next_run(post_id) is None
    with db.session() as session:
        assert session.get(Delivery, 1).status == DeliveryStatus.CANCELLED


async def test_open_goes_to_the_composer(planner: User):
    post_id = schedule_at(in_two_days(), time(9, 30))
    await planner.open('/calendar?view=list')
    planner.find(marker=f'open-{post_id}').click()
    await planner.should_see('Edit the post', retries=40)


async def test_a_viewer_sees_the_calendar_but_cannot_move_or_cancel(planner: User):
    post_id = schedule_at(in_two_days(), time(9, 30))
    with db.session() as session:
        session.exec(sa.update(Account).where(Account.id == 1).values(role=Role.VIEWER))
    await planner.open('/calendar?view=list')
    await planner.should_see(marker=f'post-{post_id}')
    await planner.should_see(marker=f'open-{post_id}')
    await planner.should_not_see(marker=f'reschedule-{post_id}')
    await planner.should_not_see(marker=f'cancel-{post_id}')
