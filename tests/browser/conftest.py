"""A real app process and Debian's Chromium driven by Playwright (never `playwright install`)."""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.app_process import app_env, printed_setup_link, start_app, stop_app
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / 'tests' / 'artifacts'
CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
# The suite runs on both cores (pytest-xdist): a page beside another test's browser and app takes longer to change.
expect.set_options(timeout=15_000)
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']


@pytest.fixture
def telegram():
    """A fake Telegram in this process; a module points the app at it through `app_extra_env`."""
    with FakeTelegram() as fake:
        yield fake


def telegram_settings(fake: FakeTelegram) -> dict[str, str]:
    """The app's settings for a Telegram channel on `fake`, pacing off (the fake has no rate limit)."""
    return {'TELEGRAM_API_URL': fake.base_url, 'TELEGRAM_BOT_TOKEN': DEFAULT_TOKEN,
            'TELEGRAM_CHAT_ID': str(DEFAULT_CHAT_ID), 'TELEGRAM_PACING_SECONDS': '0'}


@pytest.fixture
def app_extra_env() -> dict[str, str]:
    """More environment for the app process (a test module overrides this fixture, e.g. to point at a fake)."""
    return {}


@pytest.fixture
def app_server(tmp_path, app_extra_env):
    """`python app.py` as a real process on a free port with an empty data folder; yields its base URL."""
    process, base_url = start_app(app_env(DATA_DIR=str(tmp_path / 'data'), **app_extra_env), tmp_path,
                                  log=tmp_path / 'app.log')
    yield base_url
    stop_app(process)


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail('Debian chromium is missing: the test command installs it (apt-get install -y chromium)')
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={'width': 1280, 'height': 800}, locale='en-US')
    yield watched_page(context)
    context.close()


def watched_page(context):
    """A new page of `context` that keeps its console errors and uncaught exceptions in `page.console_errors`."""
    page = context.new_page()
    page.console_errors = []
    page.on('console', lambda message: page.console_errors.append(message.text) if message.type == 'error' else None)
    page.on('pageerror', lambda error: page.console_errors.append(str(error)))
    return page


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """tests/artifacts/`name`.png: the whole page, or (`full_page` False) what the window shows, as a user sees it:
    a whole-page shot draws the fixed header where the page was scrolled to, and the skip link hidden above it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f'{name}.png'
    page.screenshot(path=str(path), full_page=full_page)
    return path


# (label, width, height) of a desktop window and of a phone held upright
WIDTHS = (('desktop', 1280, 800), ('phone', 360, 740))
OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth'


def in_arabic(page, base_url: str | None = None) -> None:
    """Choose العربية in the header, as a user does (of the home page at `base_url` when given, else of the page
    open), and wait for the page to turn right to left."""
    if base_url is not None:
        page.goto(base_url + '/')
    page.get_by_text('العربية').click()
    expect(page.locator('html')).to_have_attribute('dir', 'rtl', timeout=15000)


def each_language(page, base_url: str) -> Iterator[str]:
    """'en', then 'ar' once the signed-in user has chosen Arabic: the test looks at each language as it comes."""
    yield 'en'
    in_arabic(page, base_url)
    yield 'ar'


def each_width(page) -> Iterator[str]:
    """'desktop', then 'phone', the window resized to each before it comes."""
    for label, width, height in WIDTHS:
        page.set_viewport_size({'width': width, 'height': height})
        yield label


def overflow(page) -> int:
    """How many pixels the page is wider than its window (more than 1: it scrolls sideways)."""
    return page.evaluate(OVERFLOW)


USERNAME, PASSWORD = 'admin', 'a real long password'


@pytest.fixture
def signed_in_page(app_server, page, tmp_path):
    """A browser page signed in as the first admin, created through the setup link the app printed."""
    from playwright.sync_api import expect

    page.goto(printed_setup_link(tmp_path / 'app.log'))
    page.get_by_label('Username').fill(USERNAME)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_label('Repeat the password').fill(PASSWORD)
    page.get_by_role('button', name='Create the administrator').click()
    expect(page.get_by_text(f'Welcome, {USERNAME}.')).to_be_visible(timeout=15000)
    return page


@pytest.fixture
def sample_posts(signed_in_page, tmp_path) -> dict[str, int]:
    """A scheduled, a missed and a failed post, written straight into the running app's database (the pages
    read it on every load), so every list and card has something to show. Returns their ids by status."""
    from datetime import UTC, datetime, timedelta

    from sqlmodel import Session, select

    from services.core.db import create_db_engine
    from services.core.models import Channel, Delivery, DeliveryAttempt, Post

    now = datetime.now(UTC)
    rows = {'scheduled': ('Spring sale starts tomorrow at nine', now + timedelta(days=1), 'pending'),
            'missed': ('The weekly roundup: five links worth your time', now - timedelta(hours=2), 'pending'),
            'failed': ('Launch video, take two', now - timedelta(hours=5), 'failed')}
    engine = create_db_engine(f'sqlite:///{tmp_path / "data" / "dashboard.db"}')
    ids = {}
    with Session(engine) as session:
        channel = session.exec(select(Channel).where(Channel.platform == 'telegram')).first()
        if channel is None:  # the posts' channel, as one whose bot was removed since
            channel = Channel(platform='telegram', remote_name='Team news', status='disconnected')
            session.add(channel)
            session.flush()
        for status, (text, when, delivery_status) in rows.items():
            post = Post(author_id=1, text=text, status=status, scheduled_at=when)
            session.add(post)
            session.flush()
            delivery = Delivery(post_id=post.id, platform='telegram', channel_id=channel.id, status=delivery_status,
                                last_error='Bad Request: chat not found' if status == 'failed' else None)
            session.add(delivery)
            session.flush()
            if status == 'failed':
                session.add(DeliveryAttempt(delivery_id=delivery.id, outcome='failed',
                                            error_detail='Bad Request: chat not found', finished_at=when))
            ids[status] = post.id
        session.commit()
    engine.dispose()
    return ids


def telegram_channel(session) -> int:
    """The app's Telegram channel (from its environment), for rows a test writes straight into its database."""
    from sqlmodel import select

    from services.core.models import Channel

    return session.exec(select(Channel.id).where(Channel.platform == 'telegram').order_by(Channel.id)).first()
