"""Versions in a real browser: an Arabic version reads right to left and an English one left to right in the
preview, whatever the page's language; every tab of the composer (the main post, a channel with its own text and
media, one that uses the main post, one with its own options and a problem) breaks no WCAG rule, its controls are
big enough to tap and nothing overflows a phone, in English and Arabic."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect

from services.connections import accounts, channels
from services.media import library
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.versions import Version
from tests.browser.conftest import in_arabic, screenshot
from tests.browser.test_accessibility import Audit
from tests.browser.test_touch_targets import small_targets
from tests.fakes.telegram import DEFAULT_TOKEN
from tests.harness import SECRET_KEY, boot
from tests.media_samples import make_image

ARABIC = 'مرحبا بكم في نشرتنا الأسبوعية: خمس قصص تستحق القراءة'
ENGLISH = 'Welcome to our weekly newsletter: five stories worth reading'
DIRECTION = 'element => getComputedStyle(element).direction'
OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth'
MAIN_TAB = {'en': 'Main post', 'ar': 'المنشور الرئيسي'}
# each tab by (a part of) its name, and what shows once it is open
TABS = {'main': ('', None), 'arabic': ('الأخبار', {'en': 'Text for this channel', 'ar': 'نص هذه القناة'}),
        'uses-main': ('Team announcements', {'en': 'Uses the main post', 'ar': 'تستخدم المنشور الرئيسي'}),
        'options': ('Brand channel', {'en': 'Options for this channel', 'ar': 'خيارات هذه القناة'})}


@pytest.fixture
def app_extra_env() -> dict[str, str]:
    return {'SECRET_KEY': SECRET_KEY}  # the channels are written from this process, with the app's key


def stored(path: Path) -> int:
    """The id of the photo at `path`, stored as an upload is (in a thread of its own: Playwright's loop runs in
    this one)."""
    async def chunks():
        yield path.read_bytes()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, library.store_upload(chunks(), path.name, uploaded_by=1)).result().id


@pytest.fixture
def post_with_versions(signed_in_page, tmp_path) -> int:
    """A draft with two photos to four channels, written into the running app's database: three chats of one bot
    (an Arabic version with the photos the other way round, an English one, one without its own version) and a
    YouTube channel with its own title and privacy."""
    boot(DATA_DIR=str(tmp_path / 'data'))
    for name, chat in (('الأخبار', '-1001000000001'), ('English news', '-1001000000002'),
                       ('Team announcements with a long name', '-1001000000003')):
        accounts.save_account('telegram', name, {'bot_token': DEFAULT_TOKEN, 'chat_id': chat})
    accounts.save_account('youtube', 'Brand channel', {'client_id': 'id', 'client_secret': 'secret',
                                                       'refresh_token': 'refresh'})
    photos = [stored(make_image(tmp_path, 'jpg', size=size, name=name))  # two sizes: two files, not one
              for name, size in (('harbour.jpg', (320, 240)), ('market.jpg', (240, 320)))]
    ids = {channel.remote_name: channel.id for channel in channels.list_channels()}
    versions = {ids['الأخبار']: Version(text=ARABIC, media_ids=photos[::-1]),
                ids['English news']: Version(text=ENGLISH),
                ids['Brand channel']: Version(text='Our weekly video',
                                              options={'title': 'Five stories', 'privacy': 'unlisted'})}
    return editing.save_post(1, PostInput(text='Our weekly newsletter', media_ids=photos, channels=list(ids.values()),
                                          options={'youtube': {'title': 'Weekly'}}, versions=versions),
                             SaveAction.DRAFT).id


def caption(page, text: str):
    """The preview's caption holding `text` (the composer's own fields hold their text as a value, not as text)."""
    return page.locator('div[dir=auto]', has_text=text).last


def open_tab(page, tab: str, language: str) -> None:
    name, shows = TABS[tab]
    page.get_by_role('tab', name=MAIN_TAB[language] if tab == 'main' else name).click()
    if shows:
        expect(page.get_by_text(shows[language]).first).to_be_visible(timeout=15000)
    page.wait_for_timeout(400)  # the tab's underline slides under it


def test_arabic_and_english_versions_read_in_their_own_direction_in_the_preview(app_server, signed_in_page,
                                                                                 post_with_versions):
    page = signed_in_page
    page.goto(f'{app_server}/compose?post={post_with_versions}')
    expect(caption(page, ARABIC)).to_be_visible(timeout=15000)
    for language in ('en', 'ar'):
        if language == 'ar':
            in_arabic(page)
            expect(caption(page, ARABIC)).to_be_visible(timeout=15000)
        assert caption(page, ARABIC).evaluate(DIRECTION) == 'rtl'
        assert caption(page, ENGLISH).evaluate(DIRECTION) == 'ltr'
        open_tab(page, 'arabic', language)
        field = page.get_by_label(TABS['arabic'][1][language])
        expect(field).to_have_value(ARABIC)
        assert field.evaluate(DIRECTION) == 'rtl'  # the user writes it right to left too
        assert caption(page, ARABIC).evaluate(DIRECTION) == 'rtl'  # the tab's own preview
        open_tab(page, 'main', language)
    assert page.console_errors == []


def test_every_tab_of_the_composer_is_accessible_and_fits_a_phone(app_server, signed_in_page, post_with_versions):
    page = signed_in_page
    audit, offenders = Audit(), []
    for language in ('en', 'ar'):
        page.goto(f'{app_server}/compose?post={post_with_versions}')
        if language == 'ar':
            in_arabic(page)
        for width, height, device in ((1280, 800, 'desktop'), (360, 740, 'phone')):
            page.set_viewport_size({'width': width, 'height': height})
            for tab in TABS:
                open_tab(page, tab, language)
                where = f'{tab} {language} {width}'
                audit.check(page, where)
                assert page.evaluate(OVERFLOW) <= 1, f'the {where} tab is wider than the window'
                if device == 'phone':
                    offenders += small_targets(page, where)
                screenshot(page, f'compose-versions-{tab}-{language}-{device}')
            open_tab(page, 'main', language)
    audit.assert_clean('compose-versions')
    assert offenders == [], '\n'.join(offenders)
    assert page.console_errors == []
