"""Dragging posts in the calendar (Playwright's drag in Debian's Chromium): to another day and hour in the week
view in English and in Arabic (where the week runs right to left), to another day in the month view; a second
browser sees each move without a reload; "Undo" puts the post back; a drop into the past is refused, saying why."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from services.core import i18n
from tests.browser.conftest import (
    each_language,
    each_width,
    in_arabic,
    overflow,
    screenshot,
    telegram_settings,
    watched_page,
)
from tests.browser.test_live_everywhere import not_reloaded, seed, sign_in, watch

LIVE = 15_000


@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return telegram_settings(telegram)


@pytest.fixture
def watcher(browser) -> Page:
    context = browser.new_context(viewport={'width': 1280, 'height': 800}, locale='en-US', timezone_id='UTC')
    yield watched_page(context)
    context.close()


def post_time(data_dir, post_id: int) -> datetime:
    from sqlmodel import Session

    from services.core.db import create_db_engine
    from services.core.models import Post

    engine = create_db_engine(f'sqlite:///{data_dir / "dashboard.db"}')
    with Session(engine) as session:
        found = session.get(Post, post_id).scheduled_at
    engine.dispose()
    return found


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at `hour`:`minute` in the admin's zone (UTC, the default)."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo('UTC')).astimezone(UTC)


def week_url(base: str, day: date) -> str:
    return f'{base}/calendar?view=week&start={day.isoformat()}'


def drag(page: Page, post_id: int, day: date, hour: int | None = None, *, shot: str = '') -> None:
    """Drag the post's card onto the day's cell (the month view) or onto one of its hours (the week view, whose
    hours show once a drag has begun); `shot`: a screenshot while the post is held over the target."""
    source = page.locator(f'[data-drag-post="{post_id}"]')
    cell = page.locator(f'[data-drop-day="{day.isoformat()}"]')
    source.hover()
    page.mouse.down()
    box = source.bounding_box()
    page.mouse.move(box['x'] + box['width'] / 2 + 5, box['y'] + box['height'] / 2 + 5)  # the drag begins
    (cell.locator(f'[data-drop-hour="{hour}"]') if hour is not None else cell.get_by_role('heading')).hover()
    if shot:
        screenshot(page, shot, full_page=False)
    page.mouse.up()


def say(language: str, msgid: str, **params) -> str:
    return i18n.translate(language, msgid, **params)


def test_a_post_dragged_in_the_week_moves_in_both_languages_another_browser_follows_and_undo_puts_it_back(
        app_server, signed_in_page, watcher, tmp_path):
    page, data = signed_in_page, tmp_path / 'data'
    week = date.today() + timedelta(days=14)
    [first, second] = seed(data, [('Drag me to Thursday', 'scheduled', at(week, 10, 30)),
                                  ('اسحبني إلى يوم آخر', 'scheduled', at(week, 11, 0))])
    sign_in(watcher, app_server)
    watch(watcher, week_url(app_server, week), 'Drag me to Thursday')

    page.goto(week_url(app_server, week))
    days = [date.fromisoformat(d) for d in page.locator('[data-drop-day]').evaluate_all(
        'cells => cells.map(c => c.dataset.dropDay)')]
    target = next(day for day in days if day != week)
    drag(page, first, target, 14, shot='calendar-drag-in-progress-en')
    expect(page.get_by_text('Moved to')).to_be_visible()
    assert post_time(data, first) == at(target, 14, 30)  # the hour dropped on, the post's own minutes
    expect(page.locator(f'[data-drop-day="{target.isoformat()}"]').get_by_text('Drag me to Thursday')).to_be_visible()
    expect(watcher.locator(f'[data-drop-day="{target.isoformat()}"]').get_by_text('Drag me to Thursday')) \
        .to_be_visible(timeout=LIVE)
    not_reloaded(watcher)

    page.get_by_role('button', name='Undo').click()
    expect(page.get_by_text('Moved back to')).to_be_visible()
    assert post_time(data, first) == at(week, 10, 30)
    expect(watcher.locator(f'[data-drop-day="{week.isoformat()}"]').get_by_text('Drag me to Thursday')) \
        .to_be_visible(timeout=LIVE)

    # Arabic: the week runs right to left; a drop still lands on the day it was dropped on
    in_arabic(page, app_server)
    page.goto(week_url(app_server, week))
    cells = page.locator('[data-drop-day]')
    first_box, last_box = cells.first.bounding_box(), cells.last.bounding_box()
    assert first_box['x'] > last_box['x'], 'the week runs right to left in Arabic'
    target = days[-1]
    drag(page, second, target, 9, shot='calendar-drag-in-progress-ar')
    expect(page.locator('.q-notification').filter(has_text=say('ar', 'Undo'))).to_be_visible()
    assert post_time(data, second) == at(target, 9, 0)
    expect(watcher.locator(f'[data-drop-day="{target.isoformat()}"]').get_by_text('اسحبني إلى يوم آخر')) \
        .to_be_visible(timeout=LIVE)
    page.get_by_role('button', name=say('ar', 'Undo')).click()
    expect(page.locator('.q-notification').filter(has_text=say('ar', 'Moved back to %(when)s.', when='').strip(' .'))) \
        .to_be_visible()
    assert post_time(data, second) == at(week, 11, 0)
    assert not page.console_errors, page.console_errors


def test_a_post_dragged_to_another_day_of_the_month_keeps_its_time_and_a_drop_into_the_past_is_refused(
        app_server, signed_in_page, tmp_path):
    page, data = signed_in_page, tmp_path / 'data'
    day = date.today() + timedelta(days=10)
    other = day - timedelta(days=1) if day.day > 1 else day + timedelta(days=1)
    now = datetime.now(UTC)
    due = now + timedelta(hours=1) if (now + timedelta(hours=1)).date() == now.date() else now + timedelta(minutes=5)
    [later, soon] = seed(data, [('A post for another day', 'scheduled', at(day, 8, 15)),
                                ('Due within the hour', 'scheduled', due)])
    page.goto(f'{app_server}/calendar?view=month&start={day.isoformat()}')
    drag(page, later, other)
    expect(page.get_by_text('Moved to')).to_be_visible()
    assert post_time(data, later) == at(other, 8, 15)

    page.goto(week_url(app_server, now.date()))
    drag(page, soon, now.date(), 0)  # today at 00:MM: already passed
    expect(page.get_by_text('The chosen time has already passed. Pick a time in the future.')).to_be_visible()
    assert post_time(data, soon) == due


def seed_series(data_dir, text: str, first: datetime) -> int:
    """A post repeating every day at `first`'s time (UTC) ten times, written straight into the app's database."""
    from sqlmodel import Session

    from services.core.db import create_db_engine
    from services.core.models import Delivery, Post
    from services.posts.recurrence import Recurrence
    from tests.browser.conftest import telegram_channel

    engine = create_db_engine(f'sqlite:///{data_dir / "dashboard.db"}')
    with Session(engine) as session:
        post = Post(author_id=1, text=text, status='scheduled', scheduled_at=first,
                    recurrence=Recurrence('daily', 'UTC', count=10).rule(first), recurrence_zone='UTC')
        session.add(post)
        session.flush()
        post.series_id = post.id
        session.add(Delivery(post_id=post.id, platform='telegram', channel_id=telegram_channel(session),
                             status='pending'))
        session.commit()
        post_id = post.id
    engine.dispose()
    return post_id


def test_a_series_shows_its_coming_days_and_editing_it_asks_which_in_both_languages_and_on_a_phone(
        app_server, signed_in_page, tmp_path):
    page = signed_in_page
    week = date.today() + timedelta(days=14)
    post_id = seed_series(tmp_path / 'data', 'Good morning, every day', at(week, 9))
    for language in each_language(page, app_server):
        for label in each_width(page):
            page.goto(week_url(app_server, week))
            later = page.locator(f'[data-drop-day="{(week + timedelta(days=1)).isoformat()}"] .calendar-repeat')
            if (week + timedelta(days=1)).isoformat() in page.locator('[data-drop-day]').evaluate_all(
                    'cells => cells.map(c => c.dataset.dropDay)'):
                expect(later.get_by_text(say(language, 'Repeats'))).to_be_visible()
                assert later.get_attribute('draggable') is None
            screenshot(page, f'calendar-repeats-{language}-{label}', full_page=label == 'desktop')
            assert overflow(page) <= 1

            page.goto(f'{app_server}/compose?post={post_id}')
            page.get_by_role('button', name=say(language, 'Save changes')).click()
            question = page.get_by_role('dialog')
            expect(question.get_by_role('button', name=say(language, 'This and all later ones'))).to_be_visible()
            page.wait_for_timeout(500)  # the dialog's opening animation, for the picture only
            screenshot(page, f'calendar-series-question-{language}-{label}', full_page=False)
            question.get_by_role('button', name=say(language, 'Cancel')).click()
    page.set_viewport_size({'width': 1280, 'height': 800})
    page.goto(f'{app_server}/calendar?view=month&start={week.isoformat()}')
    screenshot(page, 'calendar-repeats-ar-month')
    assert not page.console_errors, page.console_errors
