"""The media library in a real browser, in English and Arabic, wide and on a phone: no WCAG finding, nothing wider
than the screen, every control big enough to tap; screenshots of each for a person to look at."""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect

from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from tests.browser.conftest import screenshot
from tests.browser.test_accessibility import Audit
from tests.browser.test_touch_targets import small_targets
from tests.harness import SECRET_KEY, boot
from tests.harness.builders import listed
from tests.media_samples import make_image, make_video

OVERFLOW = 'document.documentElement.scrollWidth - window.innerWidth'


@pytest.fixture
def app_extra_env() -> dict[str, str]:
    return {'SECRET_KEY': SECRET_KEY}


def stored(path: Path) -> int:
    """The id of the file at `path`, stored as an upload is (in a thread: Playwright's loop runs in this one)."""
    from services.media import library

    async def chunks():
        yield path.read_bytes()

    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, library.store_upload(chunks(), path.name, uploaded_by=1)).result().id


@pytest.fixture
def library_files(signed_in_page, tmp_path) -> list[int]:
    """A clip with sound, a photo named in Arabic that a draft uses, and a picture with a very long name; last, the
    id of a draft to Instagram and YouTube with a 120 fps clip."""
    boot(DATA_DIR=str(tmp_path / 'data'))
    ids = [stored(make_video(tmp_path, 'mp4', size=(320, 180), frames=72, fps=24, sound='aac', name='harbour.mp4')),
           stored(make_image(tmp_path, 'jpg', size=(300, 400), name='سوق-المدينة.jpg')),
           stored(make_image(tmp_path, 'png', size=(400, 300), name='a-very-long-file-name-from-a-phone-camera-'
                                                                       '20261206-101112-final-final.png'))]
    editing.save_post(1, PostInput(text='Market day', media_ids=[ids[1]]), SaveAction.DRAFT)
    fast = stored(make_video(tmp_path, 'mp4', size=(360, 640), frames=480, fps=120, name='slow-motion.mp4'))
    post = editing.save_post(1, PostInput(text='Fast', media_ids=[fast], channels=listed('instagram', 'youtube'),
                                          options={'youtube': {'title': 'Fast'}}), SaveAction.DRAFT)
    return [*ids, post.id]


def test_the_library_reads_well_in_both_languages_wide_and_on_a_phone(app_server, signed_in_page, library_files):
    page, audit = signed_in_page, Audit()
    for language in ('en', 'ar'):
        page.set_viewport_size({'width': 1280, 'height': 800})
        page.goto(app_server + '/media')
        if language == 'ar':
            page.get_by_text('العربية').click()
            expect(page.locator('html')).to_have_attribute('dir', 'rtl', timeout=15000)
        expect(page.get_by_text('harbour.mp4')).to_be_visible(timeout=15000)
        audit.check(page, f'{language} wide')
        screenshot(page, f'media-library-{language}')
        page.set_viewport_size({'width': 360, 'height': 740})
        page.wait_for_timeout(300)
        assert page.evaluate(OVERFLOW) <= 1, f'the library in {language} is wider than a phone'
        assert small_targets(page, f'{language} /media') == []
        audit.check(page, f'{language} phone')
        screenshot(page, f'media-library-{language}-phone')
        page.goto(app_server + '/compose')
        page.locator('[aria-label]', has_text='').first.wait_for(timeout=15000)
        page.get_by_role('button', name='Add from the library' if language == 'en' else 'أضف من المكتبة').click()
        expect(page.get_by_role('dialog')).to_be_visible()
        page.wait_for_timeout(500)  # until it has finished growing in
        audit.check_dialog(page, f'{language} library picker')
        screenshot(page, f'library-picker-{language}-phone')
    audit.assert_clean('media-library')
    assert page.console_errors == []


def test_a_clip_instagram_refuses_is_converted_with_a_progress_bar_in_both_languages(app_server, signed_in_page,
                                                                                      library_files):
    page, audit = signed_in_page, Audit()
    page.set_viewport_size({'width': 360, 'height': 740})
    page.goto(f'{app_server}/compose?post={library_files[-1]}')
    for language, button in (('ar', 'حوِّل لمنصة Instagram'), ('en', 'Convert for Instagram')):
        page.get_by_text('العربية' if language == 'ar' else 'English').click()
        expect(page.locator('html')).to_have_attribute('dir', 'rtl' if language == 'ar' else 'ltr', timeout=15000)
        expect(page.get_by_role('button', name=button)).to_be_visible(timeout=15000)
        audit.check(page, f'{language} offer')
        screenshot(page, f'conversion-offer-{language}-phone')
    page.get_by_role('button', name='Convert for Instagram').click()
    expect(page.get_by_text('is converted for Instagram')).to_be_visible(timeout=60000)
    audit.check(page, 'en converted')
    screenshot(page, 'conversion-done-en-phone')
    audit.assert_clean('conversion')
    assert page.console_errors == []
