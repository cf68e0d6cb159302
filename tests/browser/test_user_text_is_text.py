"""What people type is shown as text on every page that shows it, never run as HTML or script."""
from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PASSWORD, USERNAME, telegram_settings

ATTACK = '<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script> **not bold** [link](javascript:1)'



@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return telegram_settings(telegram)  # a connected platform, so the composer shows its preview


def test_post_text_with_html_and_markdown_is_shown_literally(app_server, signed_in_page):
    page = signed_in_page
    token = httpx.post(app_server + '/api/v1/token', json={'username': USERNAME, 'password': PASSWORD}).json()
    created = httpx.post(app_server + '/api/v1/posts', json={'text': ATTACK},
                         headers={'Authorization': f'Bearer {token["access_token"]}'})
    assert created.status_code == 201, created.text
    post_id = created.json()['id']
    for path in ('/history', f'/history/{post_id}', f'/compose?post={post_id}'):
        page.goto(app_server + path)
        if path.startswith('/compose'):
            expect(page.get_by_label('Text')).to_have_value(ATTACK)
            page.get_by_role('checkbox', name='Telegram').click()  # its preview shows the text too
            expect(page.get_by_text('**not bold**').last).to_be_visible()
        else:
            expect(page.get_by_text('<img src=x onerror=').first).to_be_visible()
        assert page.locator('img[src="x"]').count() == 0, path
        assert page.locator('a[href^="javascript:"]').count() == 0, path
        assert page.evaluate('window.__xss') is None, path
    assert page.console_errors == []
