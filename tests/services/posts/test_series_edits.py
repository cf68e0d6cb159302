"""Editing an occurrence of a recurring post: "this one" takes it out of its series, which goes on without it;
"this and all later ones" changes what the later occurrences are made of, and the ones already made."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.core.models import PostStatus, utcnow
from services.posts import editing, recurrence, state
from services.posts.editing import PostInput, SaveAction
from services.posts.recurrence import Recurrence
from tests.harness import boot, first_admin
from tests.harness.builders import post_of, telegram_chats

BERLIN = 'Europe/Berlin'


def berlin(instant: datetime) -> str:
    return instant.astimezone(ZoneInfo(BERLIN)).strftime('%Y-%m-%d %H:%M')


def a_daily_series(text: str = 'Good morning') -> tuple[int, int, datetime]:
    """(admin id, the series' first post, its time): every day at 09:00 Berlin from the day after tomorrow."""
    boot()
    admin = first_admin(time_zone=BERLIN)
    [chat] = telegram_chats('Morning')
    day = (utcnow() + timedelta(days=2)).astimezone(ZoneInfo(BERLIN)).date()
    first = datetime(day.year, day.month, day.day, 9, tzinfo=ZoneInfo(BERLIN)).astimezone(UTC)
    post = editing.save_post(admin.id, PostInput(text=text, channels=[chat], scheduled_at=first,
                                                 recurrence=Recurrence('daily', BERLIN, count=5)),
                             SaveAction.SCHEDULE)
    return admin.id, post.id, first


def edit(author_id: int, post_id: int, text: str, when: datetime, applies_to: str,
         repeat: Recurrence | None = None) -> None:
    chats = editing.get_post(post_id).channel_ids
    editing.save_post(author_id, PostInput(text=text, channels=chats, scheduled_at=when, applies_to=applies_to,
                                           recurrence=repeat), SaveAction.SCHEDULE, post_id=post_id)


def made_next(post_id: int) -> int:
    """What claiming occurrence `post_id` makes: the series' next occurrence."""
    with state.transaction() as change:
        return recurrence.follow_on(change, post_id)


def test_this_one_only_takes_the_occurrence_out_and_the_series_goes_on_as_it_was():
    author, first_id, first = a_daily_series()
    edit(author, first_id, 'A one-off greeting', first + timedelta(hours=2), 'this')

    edited = post_of(first_id)
    assert (edited.text, edited.recurrence, berlin(edited.scheduled_at)) == (
        'A one-off greeting', None, berlin(first + timedelta(hours=2)))
    following = post_of(first_id + 1)
    assert (following.text, following.status, following.series_id) == ('Good morning', PostStatus.SCHEDULED,
                                                                       first_id)
    assert berlin(following.scheduled_at) == berlin(first + timedelta(days=1))
    assert following.recurrence is not None  # it carries the rule on
    assert post_of(made_next(following.id)).text == 'Good morning'


def test_this_and_all_later_ones_changes_the_rule_and_the_text_of_what_follows():
    author, first_id, first = a_daily_series()
    edit(author, first_id, 'Good evening', first, 'later', Recurrence('weekly', BERLIN, count=3))

    following = post_of(made_next(first_id))
    assert following.text == 'Good evening'
    assert berlin(following.scheduled_at) == berlin(first + timedelta(days=7))


def test_this_and_all_later_ones_also_changes_an_occurrence_made_already():
    author, first_id, first = a_daily_series()
    already = made_next(first_id)  # as when the first was missed: the next one waits already
    edit(author, first_id, 'Changed for all', first, 'later')
    assert post_of(already).text == 'Changed for all'
    assert berlin(post_of(already).scheduled_at) == berlin(first + timedelta(days=1))

    edit(author, first_id, 'Only the first', first, 'this')  # the series goes on with the one that waits
    assert post_of(first_id + 2) is None
    assert (post_of(first_id).recurrence, post_of(already).text) == (None, 'Changed for all')
