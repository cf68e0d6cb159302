"""The media library in a real browser, in English and Arabic, wide and on a phone: no WCAG finding, nothing wider
than the screen, every control big enough to tap; screenshots of each for a person to look at."""
from __future__ import annotations

import asyncio
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import expect

from services.core import i18n
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


def conversion_worker_of(app_folder: Path) -> int:
    """The pid of the conversion worker started by the app process running in `app_folder`."""
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            if b'services.media.conversion_worker' not in Path(f'/proc/{pid}/cmdline').read_bytes():
                continue
            parent = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[1]
            if os.readlink(f'/proc/{parent}/cwd') == str(app_folder):
                return int(pid)
        except OSError:
            continue  # it ended meanwhile
    raise AssertionError(f'no conversion worker of the app in {app_folder}')


def test_the_conversion_progress_bar_survives_a_reload_and_a_change_of_language(app_server, signed_in_page, tmp_path):
    boot(DATA_DIR=str(tmp_path / 'data'))
    long_clip = stored(make_video(tmp_path, 'mp4', size=(1280, 720), frames=1440, fps=120, name='long-take.mp4'))
    post = editing.save_post(1, PostInput(text='Long take', media_ids=[long_clip], channels=listed('instagram')),
                             SaveAction.DRAFT)
    page, audit = signed_in_page, Audit()
    page.goto(f'{app_server}/compose?post={post.id}')
    page.get_by_role('button', name='Convert for Instagram').click()
    bar = page.locator('[role=progressbar][aria-label="Conversion progress"]')
    expect(bar).to_be_visible(timeout=15000)
    worker = conversion_worker_of(tmp_path)
    os.kill(worker, signal.SIGSTOP)  # held where it is: on a busy machine it could finish before the Cancel below
    for language, width in (('en', 1280), ('ar', 1280), ('ar', 360), ('en', 360)):
        page.set_viewport_size({'width': width, 'height': 800})
        page.reload()  # a reloaded page finds the conversion where it is
        if language == 'ar':
            page.get_by_text('العربية').click()
        else:
            page.get_by_text('English').click()
        expect(page.locator('html')).to_have_attribute('dir', 'rtl' if language == 'ar' else 'ltr', timeout=15000)
        named = i18n.translate(language, 'Conversion progress')
        expect(page.locator(f'[role=progressbar][aria-label="{named}"]')).to_be_visible(timeout=15000)
        audit.check(page, f'{language} {width} converting')
        screenshot(page, f'conversion-progress-{language}-{width}')
    page.get_by_role('button', name='Cancel').click()
    os.kill(worker, signal.SIGCONT)  # it finds itself cancelled at its next step
    expect(page.get_by_role('button', name='Convert for Instagram')).to_be_visible(timeout=30000)
    audit.assert_clean('conversion progress')
    assert page.console_errors == []


def test_a_tall_clip_in_an_instagram_carousel_offers_to_fit_it_with_bars_or_crop_it(app_server, signed_in_page,
                                                                                    tmp_path):
    boot(DATA_DIR=str(tmp_path / 'data'))
    tall = stored(make_video(tmp_path, 'mp4', size=(240, 720), frames=72, fps=24, sound='aac', name='tall.mp4'))
    photo = stored(make_image(tmp_path, 'jpg', size=(400, 400), name='square.jpg'))
    post = editing.save_post(1, PostInput(text='Carousel', media_ids=[tall, photo], channels=listed('instagram')),
                             SaveAction.DRAFT)
    page = signed_in_page
    page.set_viewport_size({'width': 360, 'height': 740})
    page.goto(f'{app_server}/compose?post={post.id}')
    expect(page.get_by_role('button', name='Fit with bars')).to_be_visible(timeout=15000)
    screenshot(page, 'conversion-framing-en-360')

    page.get_by_role('button', name='Fit with bars').click()

    expect(page.get_by_text('tall.mp4 is converted for Instagram')).to_be_visible(timeout=60000)
    expect(page.get_by_text('takes videos from 4:5 (tall) to 16:9 (wide)')).to_have_count(0)
    page.evaluate('window.scrollTo(0, 0)')  # a whole-page shot draws the fixed header where the page is scrolled to
    screenshot(page, 'conversion-framed-en-360')
    assert page.console_errors == []
