"""How the warnings look in a real browser, in English and Arabic, at desktop and phone width: the bell open, the
notification choices on Settings, a composer warning under the time and a calendar post's warning icon. Screenshots
in tests/artifacts/ to look at; nothing wider than a phone."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.models import PlatformAccount, utcnow
from tests.browser.conftest import each_language, each_width, overflow, screenshot
from tests.harness import boot, scheduled
from tests.harness.boot import SECRET_KEY
from tests.harness.builders import listed, stored_photo, telegram_chats


@pytest.fixture
def app_extra_env() -> dict[str, str]:
    return {'SECRET_KEY': SECRET_KEY}


@pytest.fixture
def posts_at_risk(signed_in_page, tmp_path) -> dict[str, int]:
    """A Telegram channel that needs reconnecting and an Instagram one whose token runs out before its post and
    could not be renewed, each with a post due tomorrow, written into the running app's database."""
    boot(DATA_DIR=str(tmp_path / 'data'), DATABASE_URL=f'sqlite:///{tmp_path / "data" / "dashboard.db"}')
    telegram_chats('Arabic')
    [account_id] = [row.id for row in accounts.list_accounts() if row.platform == 'telegram']
    listed('instagram')
    with db.session() as session:
        account = session.exec(select(PlatformAccount).where(PlatformAccount.platform == 'instagram')).one()
        account.token_expires_at, account.renew_failed_at = utcnow() + timedelta(hours=3), utcnow()
    telegram = scheduled('Eid greetings to all our readers', days=1, platforms=['telegram'])
    instagram = scheduled('Behind the scenes', days=1.1, platforms=['instagram'],
                          media_ids=[_outside_the_loop(stored_photo)])
    accounts.mark_needs_reconnect(account_id)
    return {'telegram': telegram, 'instagram': instagram}


def _outside_the_loop(make):
    """Run the coroutine function `make` in a thread of its own (Playwright's sync API holds this one's loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def test_the_warnings_in_both_languages_and_widths(app_server, signed_in_page, posts_at_risk):
    page = signed_in_page
    for language in each_language(page, app_server):
        for label in each_width(page):
            page.goto(app_server + '/calendar?view=list')
            icon = page.locator('[role=img][aria-label]').first
            expect(icon).to_be_visible()
            icon.hover()
            page.wait_for_timeout(600)
            screenshot(page, f'warnings-calendar-{language}-{label}', full_page=False)
            page.locator('button[aria-label*="notification" i], button[aria-label*="إشعار"]').first.click()
            page.wait_for_timeout(1000)  # the menu fades in
            screenshot(page, f'warnings-bell-{language}-{label}', full_page=False)
            page.goto(app_server + f'/compose?post={posts_at_risk["instagram"]}')
            warning = page.locator('.bg-amber-50').last
            expect(warning).to_be_visible()
            warning.scroll_into_view_if_needed()
            screenshot(page, f'warnings-compose-{language}-{label}', full_page=False)
            page.goto(app_server + '/settings')
            page.wait_for_load_state('networkidle')
            screenshot(page, f'warnings-settings-{language}-{label}')
            if label == 'phone':
                wider = overflow(page)
                assert wider <= 1, f'/settings in {language} is {wider} px wider than a phone'
    assert page.console_errors == []
