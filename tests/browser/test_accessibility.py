"""axe-core (Deque's accessibility engine, through axe-playwright-python) finds no WCAG 2.1 A or AA violation, and
nothing its best-practice rules ask for a screen reader's sake (one h1, headings in order, one main landmark, all
content in landmarks, unique landmarks, a way past the header, named dialogs), on any page: sign-in and setup,
every signed-in page of the tour, the composer with media and with its problems, the calendar's three views, a
published and a failed post, the reschedule and confirm dialogs and the phone's drawer; in English and Arabic, at
1280 and 360 px. Every stop's findings go to tests/artifacts/axe-summary.json."""
from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlmodel import Session

from services.core import i18n
from services.core.db import create_db_engine
from services.core.models import Delivery, Post
from tests.app_process import printed_setup_link
from tests.browser.conftest import ARTIFACTS, PASSWORD, USERNAME, telegram_channel
from tests.browser.test_compose_flow import DROP
from tests.browser.test_touch_targets import PAGES as TOUR
from tests.media_samples import make_image

RULES = {'runOnly': {'type': 'tag', 'values': ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
         'resultTypes': ['violations']}
WIDTHS = ((1280, 800), (360, 740))
PAGES = [*TOUR, '/calendar?view=month', '/history/{published}']
AXE = Axe()


def violations(page, within: str | None = None) -> list[str]:
    """What axe-core finds on the page as it is now (only `within` a CSS selector when given): one line per rule
    broken, with the elements that break it."""
    found = AXE.run(page, context={'include': [within]} if within else None, options=RULES).response['violations']
    return [f'{v["id"]} ({v["impact"]}) ×{len(v["nodes"])}: '
            + '; '.join(node['html'][:90] for node in v['nodes'][:4]) for v in found]


def settled(page) -> None:
    """Wait until dialogs, drawers and notices have finished moving in: half-way, their text is measured against
    what shows through them."""
    page.wait_for_timeout(300)
    page.wait_for_function('!document.querySelector(\'[class*="enter-active"], [class*="leave-active"]\')')


class Audit:
    """Findings per stop (what was looked at, in which language and width)."""

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {}

    def check(self, page, stop: str) -> None:
        settled(page)
        self.found[stop] = violations(page)

    def check_dialog(self, page, stop: str) -> None:
        """The open dialog alone: the page under its backdrop is checked on its own, and axe-core would measure
        the contrast of the page's text against the backdrop."""
        settled(page)
        self.found[stop] = violations(page, '.q-dialog')

    def assert_clean(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f'axe-{name}.json').write_text(json.dumps(self.found, indent=1, ensure_ascii=False))
        broken = {stop: lines for stop, lines in self.found.items() if lines}
        report = '\n'.join(f'{stop}:\n  ' + '\n  '.join(lines) for stop, lines in broken.items())
        total = sum(len(lines) for lines in broken.values())
        assert not broken, f'{total} violations on {len(broken)} of {len(self.found)} stops:\n{report}'


def say(language: str, msgid: str) -> str:
    return i18n.translate(language, msgid)


@pytest.fixture
def published_post(sample_posts, tmp_path) -> dict[str, int]:
    """The sample posts and one published to Telegram an hour ago."""
    engine = create_db_engine(f'sqlite:///{tmp_path / "data" / "dashboard.db"}')
    with Session(engine) as session:
        post = Post(author_id=1, text='Our new opening hours', status='published',
                    scheduled_at=datetime.now(UTC) - timedelta(hours=1))
        session.add(post)
        session.flush()
        session.add(Delivery(post_id=post.id, platform='telegram', channel_id=telegram_channel(session),
                             status='published', remote_id='42'))
        session.commit()
        post_id = post.id
    engine.dispose()
    return {**sample_posts, 'published': post_id}


def test_the_setup_and_sign_in_forms_break_no_wcag_rule(app_server, page, tmp_path):
    audit = Audit()
    setup = printed_setup_link(tmp_path / 'app.log')
    for language in ('en', 'ar'):
        for width, height in WIDTHS:
            page.set_viewport_size({'width': width, 'height': height})
            page.goto(f'{setup}&lang={language}')
            audit.check(page, f'setup {language} {width}')
    page.goto(setup + '&lang=en')
    page.get_by_label('Username').fill(USERNAME)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_label('Repeat the password').fill(PASSWORD)
    page.get_by_role('button', name='Create the administrator').click()
    expect(page.get_by_text(f'Welcome, {USERNAME}.')).to_be_visible(timeout=15000)
    page.context.clear_cookies()
    for language in ('en', 'ar'):
        for width, height in WIDTHS:
            page.set_viewport_size({'width': width, 'height': height})
            page.goto(f'{app_server}/login?lang={language}')
            audit.check(page, f'sign-in {language} {width}')
    audit.assert_clean('plain-pages')


def test_every_signed_in_page_dialog_and_drawer_breaks_no_wcag_rule(app_server, signed_in_page, published_post,
                                                                     tmp_path):
    page = signed_in_page
    audit = Audit()
    image = make_image(tmp_path, 'jpg', size=(320, 240), name='harbour.jpg')
    media = [[image.name, 'image/jpeg', base64.b64encode(image.read_bytes()).decode()]]
    for language in ('en', 'ar'):
        if language == 'ar':
            page.goto(app_server + '/')
            page.get_by_text('العربية').click()
            expect(page.locator('html')).to_have_attribute('dir', 'rtl', timeout=15000)
        for width, height in WIDTHS:
            page.set_viewport_size({'width': width, 'height': height})
            where = f'{language} {width}'
            for path in PAGES:
                page.goto(app_server + path.format(**published_post))
                page.wait_for_load_state('networkidle')
                audit.check(page, f'{path} {where}')
            page.goto(app_server + '/compose')
            page.get_by_role('button', name=say(language, 'Publish now')).click()
            audit.check(page, f'/compose with its problems {where}')
            page.evaluate(DROP, [media])
            expect(page.get_by_role('img', name='harbour.jpg')).to_be_visible(timeout=20000)  # named by its alt text
            audit.check(page, f'/compose with media {where}')
            page.goto(app_server + '/history')
            page.get_by_role('button', name=say(language, 'Reschedule')).first.click()
            expect(page.get_by_role('dialog')).to_be_visible()
            audit.check_dialog(page, f'the reschedule dialog {where}')
            page.goto(app_server + f'/compose?post={published_post["scheduled"]}')
            page.get_by_role('button', name=say(language, 'Delete')).click()
            expect(page.get_by_role('dialog')).to_be_visible()
            audit.check_dialog(page, f'the confirm dialog {where}')
            if width < 600:
                page.goto(app_server + '/')
                page.get_by_role('button', name=say(language, 'Menu'), exact=True).click()
                audit.check(page, f'the navigation drawer {where}')
    audit.assert_clean('signed-in-pages')
