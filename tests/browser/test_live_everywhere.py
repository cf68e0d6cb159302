"""Two signed-in browsers on one app: each change made in one (A) appears in the other (B) without a reload.

Which change is watched on which page (each change and each page at least once):

| change made in A                              | B watches      | B sees                                        |
|-----------------------------------------------|----------------|-----------------------------------------------|
| publish now (a new post, from the composer)   | Posts          | the post on top, Telegram · chat · Published   |
| delete (a draft, from the composer)           | Posts          | its row gone                                  |
| retry a failed delivery (the fake fails once) | the post page  | Retry gone, the link to the post              |
| edit (a draft's text), then publish it now    | the post page  | the new text; then Published, Open not Edit   |
| reschedule (the calendar's dialog)            | Calendar, list | the new time                                  |
| cancel (from the calendar)                    | Home           | the post leaves Due next                      |
| missed                                        | Home           | the post under Needs attention, Missed        |

A post turns missed only when the app starts after its time has passed (the due-post timer judges lateness at
start), so that step restarts the app on the same port under B: B's page finds the new process and is rebuilt by
NiceGUI itself, with nobody reloading it. Every other step checks that B's page was never reloaded.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests import app_process
from tests.browser.conftest import PASSWORD, USERNAME, screenshot, telegram_channel, telegram_settings, watched_page
from tests.fakes.telegram import Fault

LIVE = 15_000  # ms a change may take to reach the other browser (it takes well under a second)


@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return {**telegram_settings(telegram), 'PUBLISH_MAX_ATTEMPTS': '1'}


class RunningApp:
    """`python app.py` as the browser tests run it, which this test may also restart on the same port."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.process, self.base_url = app_process.start_app(env, cwd, log=cwd / 'app.log')

    def restart(self, monkeypatch, before_start: Callable[[], object]) -> None:
        """Stop the app, run `before_start`, and start it again on the same port with the same data."""
        app_process.stop_app(self.process)
        before_start()
        port = int(self.base_url.rsplit(':', 1)[1])
        monkeypatch.setattr(app_process, 'free_port', lambda: port)
        self.process, self.base_url = app_process.start_app(self.env, self.cwd, log=self.cwd / 'app.log')


@pytest.fixture
def running_app(tmp_path, app_extra_env):
    app = RunningApp(app_process.app_env(DATA_DIR=str(tmp_path / 'data'), **app_extra_env), tmp_path)
    yield app
    app_process.stop_app(app.process)


@pytest.fixture
def app_server(running_app) -> str:
    return running_app.base_url


def seed(data_dir: Path, posts: list[tuple[str, str, datetime | None]]) -> list[int]:
    """(text, status, scheduled_at) posts by the admin with one Telegram delivery each, written straight into the
    app's database (no change event: the pages read them when they load). Returns their ids."""
    from sqlmodel import Session

    from services.core.db import create_db_engine
    from services.core.models import Delivery, Post

    engine = create_db_engine(f'sqlite:///{data_dir / "dashboard.db"}')
    ids = []
    with Session(engine) as session:
        for text, status, when in posts:
            post = Post(author_id=1, text=text, status=status, scheduled_at=when)
            session.add(post)
            session.flush()
            session.add(Delivery(post_id=post.id, platform='telegram', channel_id=telegram_channel(session),
                                 status='pending'))
            ids.append(post.id)
        session.commit()
    engine.dispose()
    return ids


@pytest.fixture
def watcher(browser, app_server) -> Page:
    """Browser B: a second browser context, signed in as the same admin through the sign-in form."""
    context = browser.new_context(viewport={'width': 1280, 'height': 800}, locale='en-US', timezone_id='UTC')
    yield watched_page(context)
    context.close()


def sign_in(page: Page, base_url: str) -> None:
    page.goto(base_url + '/login')
    page.get_by_label('Username').fill(USERNAME)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_label('Password', exact=True).press('Enter')
    expect(page.get_by_text(f'Welcome, {USERNAME}.')).to_be_visible(timeout=15000)


def watch(page: Page, url: str, shows: str) -> None:
    """Open `url` in B, wait until it shows `shows`, and mark the document: a reload would wipe the mark."""
    page.goto(url)
    expect(page.get_by_text(shows).first).to_be_visible(timeout=15000)
    page.wait_for_function('window.socket && window.socket.connected')
    page.evaluate('window.__not_reloaded = true')


def not_reloaded(page: Page) -> None:
    assert page.evaluate('window.__not_reloaded') is True, 'the page was reloaded'


def compose(page: Page, base_url: str, text: str, post_id: int | None = None) -> None:
    page.goto(base_url + (f'/compose?post={post_id}' if post_id else '/compose'))
    page.get_by_label('Text').fill(text)
    box = page.get_by_role('checkbox', name='Telegram')
    if box.get_attribute('aria-checked') != 'true':
        box.click()
    expect(box).to_have_attribute('aria-checked', 'true')


def publish_now(page: Page) -> None:
    """Publish now in the composer, which then opens the post's page (wait for it, or the next goto is cut off)."""
    with page.expect_navigation(url=re.compile(r'/history/\d+$')):
        page.get_by_role('button', name='Publish now').click()


def card_of(page: Page, text: str):
    return page.locator('.q-card').filter(has_text=text)


def test_every_change_made_in_one_browser_appears_in_the_other(app_server, running_app, signed_in_page, watcher,
                                                               telegram, tmp_path, monkeypatch):
    actor, data_dir = signed_in_page, tmp_path / 'data'
    now = datetime.now(UTC)
    to_delete, to_edit, to_move, to_cancel = seed(data_dir, [
        ('A draft nobody needs', 'draft', None),
        ('First words', 'draft', None),
        ('Moves to the evening', 'scheduled', (now + timedelta(days=2)).replace(hour=9, minute=0)),
        ('Going out on Sunday', 'scheduled', now + timedelta(days=3)),
    ])
    sign_in(watcher, app_server)

    # Posts: publish now, then delete
    watch(watcher, app_server + '/history', 'A draft nobody needs')
    compose(actor, app_server, 'Fresh from the composer')
    publish_now(actor)
    fresh = card_of(watcher, 'Fresh from the composer')
    expect(fresh.get_by_text(re.compile(r'^Telegram · .+ · Published$'))).to_be_visible(timeout=LIVE)  # its channel
    expect(watcher.locator('.q-card').filter(has_text='Telegram ·').first).to_contain_text('Fresh from the composer')
    compose(actor, app_server, 'A draft nobody needs', to_delete)
    actor.get_by_role('button', name='Delete').click()
    with actor.expect_navigation(url=re.compile(r'/history$')):  # the app opens Posts once it is deleted
        actor.locator('.q-dialog').get_by_role('button', name='Delete').click()
    expect(watcher.get_by_text('A draft nobody needs')).to_have_count(0, timeout=LIVE)
    not_reloaded(watcher)

    # The post page: retry, edit, publish
    telegram.inject(Fault.chat_not_found())
    compose(actor, app_server, 'Second time lucky')
    publish_now(actor)
    expect(actor.get_by_role('button', name='Retry')).to_be_visible(timeout=15000)
    watch(watcher, actor.url, 'Telegram cannot find this chat')  # the explained error; the raw one is under Details
    expect(watcher.get_by_role('button', name='Retry')).to_be_visible()
    actor.get_by_role('button', name='Retry').click()
    expect(watcher.get_by_text('View the post')).to_be_visible(timeout=LIVE)
    expect(watcher.get_by_role('button', name='Retry')).to_have_count(0)
    not_reloaded(watcher)
    assert [m.text for m in telegram.sent] == ['Fresh from the composer', 'Second time lucky']

    watch(watcher, f'{app_server}/history/{to_edit}', 'First words')
    expect(watcher.get_by_role('button', name='Edit')).to_be_visible()
    compose(actor, app_server, 'Better words', to_edit)
    actor.get_by_role('button', name='Save draft').click()  # a saved draft stays open in the composer
    expect(actor.get_by_text('Draft saved.')).to_be_visible()
    expect(watcher.get_by_text('Better words')).to_be_visible(timeout=LIVE)
    expect(watcher.get_by_text('First words')).to_have_count(0)
    publish_now(actor)
    expect(watcher.get_by_text('View the post')).to_be_visible(timeout=LIVE)
    expect(watcher.get_by_role('button', name='Edit')).to_have_count(0)  # issue 21 item 6
    expect(watcher.get_by_role('button', name='Duplicate as a new draft')).to_be_visible()
    not_reloaded(watcher)
    screenshot(watcher, 'live-post-page-en-desktop')

    # Calendar: reschedule
    watch(watcher, app_server + '/calendar?view=list', 'Moves to the evening')
    actor.goto(app_server + '/calendar?view=list')
    card_of(actor, 'Moves to the evening').get_by_role('button', name='Reschedule').click()
    dialog = actor.locator('.q-dialog')
    dialog.get_by_label('Time', exact=True).fill('18:45')
    dialog.get_by_role('button', name='Reschedule').click()
    expect(card_of(watcher, 'Moves to the evening').get_by_text('6:45 PM')).to_be_visible(timeout=LIVE)
    not_reloaded(watcher)

    # Home: cancel
    watch(watcher, app_server + '/', 'Going out on Sunday')
    actor.goto(app_server + '/calendar?view=list')
    card_of(actor, 'Going out on Sunday').get_by_role('button', name='Cancel the post').click()
    actor.locator('.q-dialog').get_by_role('button', name='Cancel the post').click()
    due_next = watcher.locator('.q-card').filter(has_text='Due next').last
    expect(due_next.get_by_text('Going out on Sunday')).to_have_count(0, timeout=LIVE)
    expect(due_next.get_by_text('Moves to the evening')).to_be_visible()
    not_reloaded(watcher)

    assert actor.console_errors == [] and watcher.console_errors == []

    # Home: missed, across a restart of the app under the open page
    running_app.restart(monkeypatch, before_start=lambda: seed(
        data_dir, [('Nobody was there at nine', 'scheduled', datetime.now(UTC) - timedelta(hours=2))]))
    attention = watcher.locator('.q-card').filter(has_text='Needs attention').last
    expect(attention.get_by_text('Nobody was there at nine')).to_be_visible(timeout=30_000)
    expect(attention.get_by_text('Missed', exact=True)).to_be_visible()
    screenshot(watcher, 'live-home-en-desktop')
    assert [e for e in actor.console_errors + watcher.console_errors if 'ERR_CONNECTION_REFUSED' not in e] == []
