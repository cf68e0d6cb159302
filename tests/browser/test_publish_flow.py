"""Publishing in a real browser against the fake Telegram: Publish now turns Published live (no reload);
a failed delivery shows why and Retry sends it; a scheduled post fires and its page follows."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot, telegram_settings
from tests.fakes.telegram import Fault


@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return {**telegram_settings(telegram), 'RETRY_BASE_SECONDS': '0.05', 'PUBLISH_MAX_ATTEMPTS': '1'}


def write(page, app_server, text: str) -> None:
    page.goto(app_server + '/compose')
    page.get_by_label('Text').fill(text)
    box = page.get_by_role('checkbox', name='Telegram')
    box.click()  # a round trip to the server: wait for it rather than expecting an instant change
    expect(box).to_have_attribute('aria-checked', 'true')


def test_publish_now_retry_and_a_scheduled_post_live(app_server, signed_in_page, telegram):
    page = signed_in_page
    page.evaluate('window.__no_reload = true')
    write(page, app_server, 'Hello from the browser')
    page.get_by_role('button', name='Publish now').click()
    expect(page.get_by_text('View the post')).to_be_visible(timeout=15000)
    assert [m.text for m in telegram.sent] == ['Hello from the browser']
    screenshot(page, 'published-en-desktop')

    telegram.inject(Fault.chat_not_found())
    write(page, app_server, 'This one fails first')
    page.get_by_role('button', name='Publish now').click()
    expect(page.get_by_text('Telegram cannot find this chat').first).to_be_visible(timeout=15000)
    page.evaluate('window.__no_reload = true')
    page.get_by_role('button', name='Retry').click()
    expect(page.get_by_text('View the post')).to_be_visible(timeout=15000)
    assert [m.text for m in telegram.sent][-1] == 'This one fails first'

    # Due at the next full minute (the browser is on UTC, as is the user), then watched without reloading.
    due = (datetime.now(UTC) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (due - datetime.now(UTC)).total_seconds() < 15:
        due += timedelta(minutes=1)
    write(page, app_server, 'On the dot')
    page.get_by_label('Date').fill(due.strftime('%Y-%m-%d'))
    page.get_by_label('Time', exact=True).fill(due.strftime('%H:%M'))
    page.get_by_role('button', name='Schedule').click()
    expect(page.get_by_text('Scheduled', exact=True).first).to_be_visible(timeout=15000)
    page.evaluate('window.__no_reload = true')
    expect(page.get_by_text('View the post')).to_be_visible(timeout=150_000)
    assert page.evaluate('window.__no_reload') is True  # the page changed in place
    assert [m.text for m in telegram.sent][-1] == 'On the dot'
    assert page.console_errors == []
