"""Saving an occurrence of a recurring post in the composer asks: this one only, or this and all later ones."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from nicegui.testing import User

from services.core.models import utcnow
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.recurrence import Recurrence
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness.builders import post_of, telegram_chats

BERLIN = 'Europe/Berlin'


@pytest.fixture
async def series(user: User, admin) -> tuple[User, int, datetime]:
    """The composer open on the first post of a daily series (09:00 Berlin from the day after tomorrow)."""
    [chat] = telegram_chats('Morning')
    day = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo(BERLIN)).date()
    first = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)
    post = editing.save_post(admin.id, PostInput(text='Good morning', channels=[chat], scheduled_at=first,
                                                 recurrence=Recurrence('daily', BERLIN, count=5)), SaveAction.SCHEDULE)
    await open_signed_in(user, *ADMIN, f'/compose?post={post.id}')
    await user.should_see(marker='save-changes')
    return user, post.id, first


async def edit_and_answer(user: User, text: str, answer: str) -> None:
    text_field = user.find(marker='post-text')
    for element in text_field.elements:
        element.value = text
    user.find(marker='save-changes').click()
    await user.should_see('Save the change for this post only, or for this one and all later ones?')
    user.find(marker=answer).click()


async def test_this_one_only_takes_the_post_out_of_its_series_which_goes_on(series):
    user, post_id, first = series
    await edit_and_answer(user, 'Only this morning', 'applies-this')
    await eventually(lambda: post_of(post_id).text == 'Only this morning')
    assert post_of(post_id).recurrence is None
    following = post_of(post_id + 1)
    assert (following.text, following.series_id, following.scheduled_at) == ('Good morning', post_id,
                                                                              first + timedelta(days=1))


async def test_this_and_all_later_ones_keeps_the_series_with_the_new_text(series):
    user, post_id, _first = series
    await edit_and_answer(user, 'Good morning, team', 'applies-later')
    await eventually(lambda: post_of(post_id).text == 'Good morning, team')
    assert post_of(post_id).recurrence is not None
    assert post_of(post_id + 1) is None  # the next one is made from it when it goes


async def test_backing_out_of_the_question_saves_nothing(series):
    user, post_id, _first = series
    text_field = user.find(marker='post-text')
    for element in text_field.elements:
        element.value = 'Not saved'
    user.find(marker='save-changes').click()
    await user.should_see(marker='applies-this')
    user.find('Cancel').click()
    await user.should_not_see(marker='applies-this')
    assert post_of(post_id).text == 'Good morning'
