"""The calendar shows the coming occurrences of a recurring post, read from its rule, as "Repeats" (not movable)."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from nicegui.testing import User

from services.core.models import utcnow
from services.core.timezones import local_to_utc, utc_to_local
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.recurrence import Recurrence
from tests.conftest import ADMIN, open_signed_in
from tests.harness import connected
from tests.harness.builders import channels_of

BERLIN = 'Europe/Berlin'


@pytest.fixture
async def planner(user: User, admin) -> User:
    connected('telegram')
    await open_signed_in(user, *ADMIN)
    return user


def daily(first: date, count: int, text: str = 'Good morning') -> int:
    data = PostInput(text=text, channels=channels_of(['telegram']), scheduled_at=local_to_utc(first, time(9), BERLIN),
                     recurrence=Recurrence('daily', BERLIN, count=count))
    return editing.save_post(1, data, SaveAction.SCHEDULE).id


def card_of(element):
    """The calendar entry (the element a drag would take) holding `element`."""
    while not {'calendar-repeat', 'calendar-entry'} & set(element.classes):
        element = element.parent_slot.parent
    return element


async def test_the_month_shows_a_daily_post_on_each_following_day_until_its_rule_ends(planner: User):
    first = utc_to_local(utcnow(), BERLIN).date() + timedelta(days=2)
    post_id = daily(first, count=4)
    await planner.open(f'/calendar?view=month&start={first.isoformat()}')
    with planner.scope(marker=f'day-{first.isoformat()}'):
        await planner.should_see(marker=f'post-{post_id}')
        await planner.should_not_see('Repeats')
    for later in (1, 2, 3):
        day = first + timedelta(days=later)
        if day.month == first.month:
            with planner.scope(marker=f'day-{day.isoformat()}'):
                await planner.should_see('Repeats')
                await planner.should_see('Good morning')
    with planner.scope(marker=f'day-{(first + timedelta(days=4)).isoformat()}'):
        await planner.should_not_see('Repeats')


async def test_the_week_shows_occurrences_that_cannot_be_dragged_and_follow_an_edit_of_the_series(planner: User):
    soon = utc_to_local(utcnow(), BERLIN).date() + timedelta(days=2)
    first = soon + timedelta(days=-soon.weekday() % 7)  # a Monday: its week (Berlin's weeks start on Monday)
    post_id = daily(first, count=10)
    await planner.open(f'/calendar?view=week&start={first.isoformat()}')
    day = first + timedelta(days=3)
    with planner.scope(marker=f'day-{day.isoformat()}'):
        await planner.should_see('Repeats')
    repeat = planner.find(marker=f'repeats-{post_id}-{local_to_utc(day, time(9), BERLIN).date().isoformat()}')
    [holder] = [card_of(element) for element in repeat.elements]
    assert 'calendar-repeat' in holder.classes and 'draggable' not in holder.props
    [stored] = [card_of(element) for element in planner.find(marker=f'reschedule-{post_id}').elements]
    assert stored.props['draggable'] == 'true'  # the series' waiting post moves like any other
    details = editing.get_post(post_id)
    editing.save_post(1, PostInput(text='Good evening', channels=details.channel_ids,
                                   scheduled_at=details.post.scheduled_at), SaveAction.SCHEDULE, post_id=post_id)
    with planner.scope(marker=f'day-{day.isoformat()}'):
        await planner.should_see('Good evening', retries=40)
