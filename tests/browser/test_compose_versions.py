"""Versions in a real browser: an Arabic version reads right to left and an English one left to right in the
preview, whatever the page's language; the channels' tabs scroll on a phone and nothing overflows."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from services.connections import accounts, channels
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.versions import Version
from tests.browser.conftest import screenshot
from tests.fakes.telegram import DEFAULT_TOKEN
from tests.harness import SECRET_KEY, boot

ARABIC = 'مرحبا بكم في نشرتنا الأسبوعية: خمس قصص تستحق القراءة'
ENGLISH = 'Welcome to our weekly newsletter: five stories worth reading'
DIRECTION = 'element => getComputedStyle(element).direction'
OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth'


@pytest.fixture
def app_extra_env() -> dict[str, str]:
    return {'SECRET_KEY': SECRET_KEY}  # the channels are written from this process, with the app's key


@pytest.fixture
def post_with_versions(signed_in_page, tmp_path) -> tuple[int, dict[str, int]]:
    """A draft to four channels, written into the running app's database: three chats of one bot (an Arabic version
    for one, an English one for another, the third without its own) and a YouTube channel with its own title."""
    boot(DATA_DIR=str(tmp_path / 'data'))
    for name, chat in (('الأخبار', '-1001000000001'), ('English news', '-1001000000002'),
                       ('Team announcements with a long name', '-1001000000003')):
        accounts.save_account('telegram', name, {'bot_token': DEFAULT_TOKEN, 'chat_id': chat})
    accounts.save_account('youtube', 'Brand channel', {'client_id': 'id', 'client_secret': 'secret',
                                                       'refresh_token': 'refresh'})
    ids = {channel.remote_name: channel.id for channel in channels.list_channels()}
    arabic, english, brand = ids['الأخبار'], ids['English news'], ids['Brand channel']
    versions = {arabic: Version(text=ARABIC), english: Version(text=ENGLISH),
                brand: Version(text='Our weekly video', options={'title': 'Five stories', 'privacy': 'unlisted'})}
    post = editing.save_post(1, PostInput(text='Our weekly newsletter', channels=list(ids.values()),
                                          options={'youtube': {'title': 'Weekly'}}, versions=versions),
                             SaveAction.DRAFT)
    return post.id, ids


def caption(page, text: str):
    """The preview's caption holding `text` (the composer's own fields hold their text as a value, not as text)."""
    return page.locator('div[dir=auto]', has_text=text).last


def test_arabic_and_english_versions_read_in_their_own_direction_in_the_preview(app_server, signed_in_page,
                                                                                 post_with_versions):
    page = signed_in_page
    post_id, ids = post_with_versions
    page.goto(f'{app_server}/compose?post={post_id}')
    expect(caption(page, ARABIC)).to_be_visible(timeout=15000)
    customise = {'en': 'Customise for this channel', 'ar': 'خصّصه لهذه القناة'}
    needs_video = {'en': 'needs exactly one video', 'ar': 'YouTube · Brand channel'}
    for language in ('en', 'ar'):
        if language == 'ar':
            page.get_by_text('العربية').click()
            expect(page.locator('html')).to_have_attribute('dir', 'rtl', timeout=15000)
            expect(caption(page, ARABIC)).to_be_visible(timeout=15000)
        assert caption(page, ARABIC).evaluate(DIRECTION) == 'rtl'
        assert caption(page, ENGLISH).evaluate(DIRECTION) == 'ltr'
        screenshot(page, f'compose-versions-{language}-desktop')

        page.get_by_role('tab', name='الأخبار').click()
        field = page.get_by_label({'en': 'Text for this channel', 'ar': 'نص هذه القناة'}[language])
        expect(field).to_have_value(ARABIC, timeout=15000)
        assert field.evaluate(DIRECTION) == 'rtl'  # the user writes it right to left too
        page.wait_for_timeout(500)  # the tab's underline slides under it
        screenshot(page, f'compose-version-tab-{language}-desktop')
        page.get_by_role('tab', name='Team announcements').click()
        expect(page.get_by_role('button', name=customise[language])).to_be_visible(timeout=15000)
        screenshot(page, f'compose-version-uses-main-{language}-desktop')
        page.get_by_role('tab', name='Brand channel').click()
        expect(page.get_by_text(needs_video[language]).first).to_be_visible(timeout=15000)
        page.wait_for_timeout(500)
        screenshot(page, f'compose-version-options-{language}-desktop')
        page.get_by_role('tab', name='الأخبار').click()
        page.set_viewport_size({'width': 360, 'height': 740})
        page.wait_for_timeout(300)
        assert page.evaluate(OVERFLOW) <= 1
        screenshot(page, f'compose-version-tab-{language}-phone')
        page.get_by_role('tab', name={'en': 'Main post', 'ar': 'المنشور الرئيسي'}[language]).click()
        expect(caption(page, ENGLISH)).to_be_visible(timeout=15000)
        assert page.evaluate(OVERFLOW) <= 1
        screenshot(page, f'compose-versions-{language}-phone')
        page.set_viewport_size({'width': 1280, 'height': 800})
    assert page.console_errors == []
