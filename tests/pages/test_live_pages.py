"""Pages left open follow every change made elsewhere, without a reload: Home, the calendar, the Posts list and the
post page. The change is made as another browser or the app would make it (through the services, on the loop or in
a worker thread, as the REST API does); the page is only watched."""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa
from nicegui import run
from nicegui.testing import User

from components import live_redraw
from pages import history, home, post_detail
from services.core import db, events
from services.core.models import Delivery, DeliveryStatus, Post, PostStatus, Role, utcnow
from services.core.timezones import local_to_utc, utc_to_local
from services.posts import actions, editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import due_timer
from services.publishing.engine import get_engine
from services.team import users
from tests.conftest import ADMIN, open_signed_in
from tests.fakes.telegram import Fault
from tests.harness import in_state, missed, scheduled
from tests.harness.builders import channels_of

pytestmark = pytest.mark.both_databases

BERLIN = 'Europe/Berlin'  # the admin's time zone


@pytest.fixture
def telegram(telegram, monkeypatch):
    monkeypatch.setenv('PUBLISH_MAX_ATTEMPTS', '1')
    return telegram


@pytest.fixture
async def watcher(telegram, user: User, admin) -> User:
    """The admin's browser, signed in; the test opens the page it watches."""
    await open_signed_in(user, *ADMIN)
    return user


async def sees_within(browser: User, marker: str, text: str) -> None:
    """Wait until the element marked `marker` shows `text`. A live redraw replaces that element, so it is looked up
    afresh at every try (a scope held across the redraw would point at the old one)."""
    for _ in range(40):
        with browser.scope(marker=marker):
            try:
                await browser.should_see(text, retries=1)
                return
            except AssertionError:
                pass
    raise AssertionError(f'{marker} never showed {text!r}')


def status_of(post_id: int) -> str:
    with db.session() as session:
        return session.get(Post, post_id).status


def overdue(text: str) -> int:
    """A scheduled post whose time passed while the app was not looking (the scheduler will call it missed)."""
    post_id = scheduled(text)
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id).values(scheduled_at=utcnow() - timedelta(hours=3)))
    return post_id


async def test_a_post_that_turns_missed_appears_on_an_open_home_page(watcher: User):
    scheduled('Keeps the page from being empty')
    late = overdue('Nobody was there at nine')
    await watcher.open('/')
    with watcher.scope(marker='needs-attention'):
        await watcher.should_see('All clear: nothing failed or was missed.')
    assert due_timer.mark_missed(utcnow()) == 1
    await sees_within(watcher, 'needs-attention', 'Nobody was there at nine')
    with watcher.scope(marker='needs-attention'):
        await watcher.should_see('Missed')
        await watcher.should_see(marker=f'publish-missed-{late}')
    await sees_within(watcher, 'bar-telegram', 'Scheduled 1 · Missed 1')


async def test_publishing_from_another_browser_empties_needs_attention_on_home(watcher: User, telegram):
    late = missed('Better late than never')
    await watcher.open('/')
    await watcher.should_see(marker=f'publish-missed-{late}')
    actions.publish_missed_now(late)
    await get_engine().wait_idle()
    await sees_within(watcher, 'needs-attention', 'All clear: nothing failed or was missed.')
    await sees_within(watcher, 'bar-telegram', 'Published 1')


async def test_the_posts_list_follows_cancel_reschedule_edit_and_delete(watcher: User, admin):
    waiting = scheduled('Waiting for Friday', days=3)
    late = missed('Missed the train')
    draft = editing.save_post(1, PostInput(text='Half written', channels=channels_of(['telegram'])),
                              SaveAction.DRAFT).id
    await watcher.open('/history')
    await watcher.should_see(marker=f'publish-missed-{late}')

    actions.cancel(waiting, actor=admin)
    await sees_within(watcher, f'post-{waiting}', 'Cancelled')
    actions.reschedule(late, utcnow() + timedelta(days=2), actor=admin)
    await sees_within(watcher, f'post-{late}', 'in 2 days')
    with watcher.scope(marker=f'post-{late}'):
        await watcher.should_see('Scheduled')
    await watcher.should_not_see(marker=f'publish-missed-{late}')
    editing.save_post(1, PostInput(text='Fully written now', channels=channels_of(['telegram'])), SaveAction.DRAFT,
                      post_id=draft)
    await sees_within(watcher, f'post-{draft}', 'Fully written now')
    editing.delete_post(draft, admin)
    await watcher.should_not_see(marker=f'post-{draft}', retries=20)


async def test_a_post_saved_elsewhere_comes_in_on_top_of_the_posts_list(watcher: User):
    older = scheduled('Already here')
    await watcher.open('/history')
    await watcher.should_see(marker=f'post-{older}')
    # saved in a worker thread, as the REST API saves posts
    new = (await run.io_bound(editing.save_post, 1,
                              PostInput(text='Written on the phone', channels=channels_of(['telegram'])),
                              SaveAction.DRAFT)).id
    await watcher.should_see(marker=f'post-{new}', retries=20)
    rows = [card for card in watcher.find(marker='post-list').elements.pop().default_slot.children]
    assert [card._markers[0] for card in rows] == [f'post-{new}', f'post-{older}']


async def test_a_filtered_list_takes_in_only_new_posts_that_match(watcher: User):
    await watcher.open('/history?q=launch')
    await watcher.should_see(marker='empty-state')
    other = editing.save_post(1, PostInput(text='Lunch menu', channels=channels_of(['telegram'])), SaveAction.DRAFT).id
    match = editing.save_post(1, PostInput(text='Launch day', channels=channels_of(['telegram'])), SaveAction.DRAFT).id
    await watcher.should_see(marker=f'post-{match}', retries=20)
    await watcher.should_not_see(marker='empty-state')
    await watcher.should_not_see(marker=f'post-{other}')


def two_days_of_one_month() -> tuple[date, date]:
    """Two days after tomorrow in the same month (both shown by the month view of the first)."""
    day = utc_to_local(utcnow(), BERLIN).date() + timedelta(days=2)
    other = day + timedelta(days=1)
    return (day, other) if other.month == day.month else (day - timedelta(days=1), day)


async def test_an_open_month_follows_a_reschedule_a_new_post_and_a_cancel(watcher: User, admin):
    day, other = two_days_of_one_month()
    moving = editing.save_post(1, PostInput(text='On the move', channels=channels_of(['telegram']),
                                            scheduled_at=local_to_utc(day, time(9, 30), BERLIN)),
                               SaveAction.SCHEDULE).id
    await watcher.open(f'/calendar?view=month&start={day.isoformat()}')
    with watcher.scope(marker=f'day-{day.isoformat()}'):
        await watcher.should_see(marker=f'post-{moving}')

    actions.reschedule(moving, local_to_utc(other, time(18, 0), BERLIN), actor=admin)
    await sees_within(watcher, f'day-{other.isoformat()}', 'On the move')
    with watcher.scope(marker=f'day-{day.isoformat()}'):
        await watcher.should_not_see(marker=f'post-{moving}')

    arriving = editing.save_post(1, PostInput(text='Just planned', channels=channels_of(['telegram']),
                                              scheduled_at=local_to_utc(day, time(8, 0), BERLIN)),
                                 SaveAction.SCHEDULE).id
    await sees_within(watcher, f'day-{day.isoformat()}', 'Just planned')

    actions.cancel(moving, actor=admin)
    actions.cancel(arriving, actor=admin)
    await watcher.should_see(marker='calendar-empty', retries=20)
    await watcher.should_not_see(marker=f'post-{moving}')


async def test_the_calendar_list_shows_a_post_that_went_out_with_its_new_status(watcher: User, telegram):
    leaving = scheduled('Going out early')
    staying = scheduled('Staying put', days=2)
    await watcher.open('/calendar?view=list')
    await watcher.should_see(marker=f'post-{leaving}')
    editing.save_post(1, PostInput(text='Going out early', channels=channels_of(['telegram'])), SaveAction.PUBLISH,
                      post_id=leaving)
    await get_engine().publish_post(leaving)
    await watcher.should_see('Published', retries=20)  # the calendar shows what went out, with its status
    await watcher.should_see(marker=f'post-{leaving}')
    await watcher.should_see(marker=f'post-{staying}')


async def test_the_post_page_stops_offering_edit_once_the_post_went_out(watcher: User, telegram):
    post_id = scheduled('Soon on Telegram')
    await watcher.open(f'/history/{post_id}')
    await watcher.should_see(marker='edit-post')
    await watcher.should_see('Due')
    editing.save_post(1, PostInput(text='Soon on Telegram', channels=channels_of(['telegram'])), SaveAction.PUBLISH,
                      post_id=post_id)
    await get_engine().publish_post(post_id)
    await watcher.should_see('View the post', retries=20)
    await watcher.should_not_see(marker='edit-post')
    await watcher.should_see(marker='open-post')
    await sees_within(watcher, 'post-when', 'Written')


async def test_the_post_page_follows_a_retry_from_another_browser(watcher: User, telegram):
    telegram.inject(Fault.chat_not_found())
    saved = editing.save_post(1, PostInput(text='Second time lucky', channels=channels_of(['telegram'])),
                              SaveAction.PUBLISH)
    await get_engine().publish_post(saved.id)
    await watcher.open(f'/history/{saved.id}')
    await watcher.should_see(marker='retry-telegram')
    with db.session() as session:
        delivery_id = session.exec(sa.select(Delivery.id).where(Delivery.post_id == saved.id)).one()[0]
    assert actions.retry(delivery_id) == saved.id  # hands the post to the engine
    await get_engine().wait_idle()
    await watcher.should_see('View the post', retries=20)
    await watcher.should_not_see(marker='retry-telegram')
    await watcher.should_not_see(marker='error-telegram')  # the attempt log keeps it; the card no longer leads with it


async def test_the_post_page_follows_an_edit_a_miss_and_a_delete(watcher: User, admin):
    post_id = overdue('First words')
    await watcher.open(f'/history/{post_id}')
    await watcher.should_see('First words')
    due_timer.mark_missed(utcnow())
    await watcher.should_see(marker='publish-missed', retries=20)
    await sees_within(watcher, 'post-when', 'Was due')
    editing.save_post(1, PostInput(text='Better words', channels=channels_of(['telegram'])), SaveAction.DRAFT,
                      post_id=post_id)
    await watcher.should_see('Better words', retries=20)
    await watcher.should_not_see(marker='publish-missed')
    editing.delete_post(post_id, admin)
    await watcher.should_see(marker='missing-post', retries=20)
    await watcher.should_not_see('Better words')


async def test_a_change_made_in_english_is_shown_in_arabic_on_an_arabic_page(watcher: User, admin,
                                                                             create_user: Callable[[], User]):
    late = missed('Late again')
    users.create_user(admin, 'layla', Role.EDITOR, language='ar', time_zone='Asia/Riyadh', ip='')
    layla = users.find_user('layla')
    users.reset_password(admin, layla.id, ip='', new_password='her own password here')
    arabic = create_user()
    await open_signed_in(arabic, 'layla', 'her own password here')
    await arabic.should_see(marker=f'publish-missed-{late}')
    await watcher.open('/')
    watcher.find(marker=f'publish-missed-{late}').click()  # the admin's click, in the admin's English
    await sees_within(arabic, 'needs-attention', 'كل شيء على ما يرام: لم يفشل شيء ولم يفت شيء.')


async def test_one_change_is_read_once_for_every_open_home_page(watcher: User, create_user: Callable[[], User],
                                                               monkeypatch):
    scheduled('Something to show')
    late = overdue('Seen by four pages')
    others = [create_user() for _ in range(3)]
    await watcher.open('/')
    for browser in others:
        await open_signed_in(browser, *ADMIN)
    reads = []
    monkeypatch.setattr(home.FIGURES, 'read', lambda: reads.append(1) or home.read_figures())
    due_timer.mark_missed(utcnow())
    for browser in [watcher, *others]:
        await sees_within(browser, 'needs-attention', 'Seen by four pages')
    assert len(reads) == 1
    assert status_of(late) == PostStatus.MISSED


async def test_a_burst_of_changes_to_one_post_redraws_its_page_once(watcher: User, monkeypatch):
    post_id = in_state('Busy post', PostStatus.FAILED, DeliveryStatus.FAILED)
    await watcher.open(f'/history/{post_id}')
    reads = []
    read = post_detail._read
    monkeypatch.setattr(post_detail, '_read', lambda found_id: reads.append(found_id) or read(found_id))
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id).values(status=PostStatus.CANCELLED))
    for _ in range(30):  # e.g. thirty saves in a row from a script
        events.emit(events.PostScheduleChanged(post_id, PostStatus.CANCELLED, None))
    await watcher.should_see(marker='edit-post', retries=20)
    await sees_within(watcher, 'post-when', 'Written')
    assert reads == [post_id]


async def test_a_full_first_page_lets_its_oldest_post_go_to_older_posts_when_a_new_one_comes(watcher: User):
    ids = [editing.save_post(1, PostInput(text=f'Post number {n}', channels=channels_of(['telegram'])),
                             SaveAction.DRAFT).id
           for n in range(history.PAGE_SIZE)]
    await watcher.open('/history')
    await watcher.should_see(marker=f'post-{ids[0]}')
    await watcher.should_not_see(marker='older')
    newest = editing.save_post(1, PostInput(text='One more', channels=channels_of(['telegram'])), SaveAction.DRAFT).id
    await watcher.should_see(marker=f'post-{newest}', retries=20)
    await watcher.should_not_see(marker=f'post-{ids[0]}')
    watcher.find(marker='older').click()
    await watcher.should_see(marker=f'post-{ids[0]}', retries=20)
    await watcher.should_not_see(marker=f'post-{ids[1]}')


def test_redraws_that_took_half_a_second_make_the_next_wait_until_the_loop_has_had_its_share(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr(live_redraw.time, 'monotonic', lambda: clock[0])
    budget = live_redraw.RedrawBudget()
    assert budget.wait_seconds() == 0
    budget.spend(0.5)
    assert budget.wait_seconds() == pytest.approx(0.5 / live_redraw.REDRAW_SHARE)
    clock[0] += 0.5 / live_redraw.REDRAW_SHARE
    assert budget.wait_seconds() == 0
    clock[0] += 3600  # a quiet hour earns no more than a short burst of credit
    assert budget.wait_seconds() == 0
    budget.spend(live_redraw.BURST_CREDIT + 0.1)
    assert budget.wait_seconds() == pytest.approx(0.1 / live_redraw.REDRAW_SHARE)
