"""How review looks in a real browser, in English and Arabic, at desktop and phone width: the review queue, a post's
page with its discussion and timeline, and the composer as a contributor sees their own post in review and a
teammate's, read-only. Screenshots in tests/artifacts/review-*.png to look at; nothing wider than a phone."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from services.core.models import Role, utcnow
from services.posts import comments, editing, review
from services.posts.editing import SaveAction
from tests.browser.conftest import screenshot, telegram_settings, watched_page
from tests.harness import boot, own_password, teammate, to_telegram


@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return telegram_settings(telegram)


@pytest.fixture
def discussed(signed_in_page, tmp_path) -> dict[str, int]:
    """carl's post back in review after a change edith asked for, with a comment; and a draft of edith's. Written
    into the running app's database through the services."""
    boot(DATA_DIR=str(tmp_path / 'data'), DATABASE_URL=f'sqlite:///{tmp_path / "data" / "dashboard.db"}')
    carl, edith = teammate('carl', Role.CONTRIBUTOR), teammate('edith', Role.EDITOR)
    when = utcnow() + timedelta(days=2)
    own = editing.save_post(carl.id, to_telegram('Our spring collection arrives on Monday', when), SaveAction.SUBMIT,
                            actor=carl).id
    review.request_changes(own, edith, 'Say which Monday, and add the opening hours.', review_round=1)
    editing.save_post(carl.id, to_telegram('Our spring collection arrives on Monday 14 March, 9:00 to 18:00', when),
                      SaveAction.SUBMIT, post_id=own, actor=carl)
    comments.add_comment(own, edith, '@carl better. Could the photo come first?')
    theirs = editing.save_post(edith.id, to_telegram('Weekly roundup: five links worth your time'), SaveAction.DRAFT,
                               actor=edith).id
    return {'own': own, 'theirs': theirs}


def test_review_pages_in_both_languages_and_widths(app_server, signed_in_page, browser, discussed):
    admin = signed_in_page
    carl = watched_page(browser.new_context(viewport={'width': 1280, 'height': 800}, locale='en-US'))
    carl.goto(app_server + '/login')
    carl.get_by_label('Username').fill('carl')
    carl.get_by_label('Password', exact=True).fill(own_password('carl'))
    carl.get_by_label('Password', exact=True).press('Enter')
    expect(carl.get_by_text('Welcome, carl.')).to_be_visible()
    shots = {'queue': (admin, '/review'), 'post': (admin, f'/history/{discussed["own"]}'),
             'compose-own': (carl, f'/compose?post={discussed["own"]}'),
             'compose-teammate': (carl, f'/compose?post={discussed["theirs"]}')}
    for language in ('en', 'ar'):
        if language == 'ar':
            for page in (admin, carl):
                page.set_viewport_size({'width': 1280, 'height': 800})
                page.goto(app_server + '/')
                page.get_by_text('العربية').click()
                expect(page.locator('html')).to_have_attribute('dir', 'rtl')
        for width, label in ((1280, 'desktop'), (360, 'phone')):
            for name, (page, path) in shots.items():
                page.set_viewport_size({'width': width, 'height': 800 if width > 400 else 740})
                page.goto(app_server + path)
                page.wait_for_load_state('networkidle')
                screenshot(page, f'review-{name}-{language}-{label}')
                if width == 360:
                    overflow = page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
                    assert overflow <= 1, f'{path} in {language} is {overflow} px wider than a phone'
    assert admin.console_errors == [] and carl.console_errors == []
