"""Two browsers on one post's page: a comment written in one and the approval given in it appear in the other
without a reload, in real Chromium against a real app process."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, USERNAME, screenshot, telegram_channel, telegram_settings, watched_page

LIVE = 15_000  # ms a change may take to reach the other browser


@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return telegram_settings(telegram)


def in_review(data_dir: Path, text: str) -> int:
    """A post by the admin, submitted for review (round 1) with a time wanted tomorrow, written into the database."""
    from sqlmodel import Session

    from services.core.db import create_db_engine
    from services.core.models import Delivery, Post

    engine = create_db_engine(f'sqlite:///{data_dir / "dashboard.db"}')
    with Session(engine) as session:
        post = Post(author_id=1, text=text, status='in_review', review_round=1,
                    scheduled_at=datetime.now(UTC) + timedelta(days=1))
        session.add(post)
        session.flush()
        session.add(Delivery(post_id=post.id, platform='telegram', channel_id=telegram_channel(session),
                             status='pending'))
        session.commit()
        post_id = post.id
    engine.dispose()
    return post_id


@pytest.fixture
def other(browser) -> Page:
    context = browser.new_context(viewport={'width': 360, 'height': 800}, locale='en-US', timezone_id='UTC')
    yield watched_page(context)
    context.close()


def test_a_comment_and_an_approval_appear_in_the_other_browser(app_server, signed_in_page, other, tmp_path):
    page = signed_in_page
    post_id = in_review(tmp_path / 'data', 'Spring collection, take two')
    other.goto(app_server + '/login')
    other.get_by_label('Username').fill(USERNAME)
    other.get_by_label('Password', exact=True).fill(PASSWORD)
    other.get_by_label('Password', exact=True).press('Enter')
    expect(other.get_by_text(f'Welcome, {USERNAME}.')).to_be_visible(timeout=15000)
    other.goto(f'{app_server}/history/{post_id}')
    expect(other.get_by_text('No comments yet.')).to_be_visible(timeout=15000)
    other.wait_for_function('window.socket && window.socket.connected')
    other.evaluate('window.__not_reloaded = true')

    page.goto(f'{app_server}/history/{post_id}')
    page.get_by_placeholder('Write a comment. @name tells a team member.').fill('Looks good to me')
    page.get_by_role('button', name='Comment').click()
    expect(other.get_by_text('Looks good to me')).to_be_visible(timeout=LIVE)

    page.get_by_role('button', name='Approve').click()
    expect(other.get_by_text('admin approved the post')).to_be_visible(timeout=LIVE)
    expect(other.locator('.q-badge').filter(has_text='Scheduled').first).to_be_visible(timeout=LIVE)
    assert other.evaluate('window.__not_reloaded') is True, 'the page was reloaded'
    screenshot(other, 'review-live-360')
    assert page.console_errors == [] and other.console_errors == []
