"""What a new user stumbled on (issue 21), in a real browser and in both languages: editing a scheduled post keeps it
scheduled, the attempt log fits a phone, the composer's problems follow the form, Remove asks first, the calendar's
list starts today; and the composer asks before unsaved work is left."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from services.core import i18n
from services.core.db import create_db_engine
from services.core.models import Delivery, DeliveryAttempt, Post
from tests.browser.conftest import screenshot, telegram_settings

LONG_ERROR = ('Forbidden: bot was kicked from the channel chat, so the message could not be delivered; the platform '
              'answered with https://api.telegram.org/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijk/sendMessage and '
              'the description "Forbidden: bot is not a member of the channel chat" (error_code 403) ') * 2

def words_in(language: str) -> dict[str, str]:
    """What the pages say in `language`, from the catalogue; a message with a placeholder gives its start."""
    def say(msgid: str, **params: object) -> str:
        return i18n.translate(language, msgid, **{name: '\0' for name in params}).split('\0')[0].strip()

    return {'save_changes': say('Save changes'), 'unschedule': say('Unschedule'), 'scheduled': say('Scheduled'),
            'publish': say('Publish now'), 'no_platform': say('Choose at least one channel.'),
            'no_text': say('Write some text or add a photo or video.'), 'text': say('Text'),
            'ready': say('Ready for every chosen platform.'), 'remove': say('Remove'), 'keep': say('Keep it'),
            'today': say('Today'), 'list': say('List'), 'next': say('Next'), 'previous': say('Previous'),
            'published': say('Published'), 'from_today': say('From today, %(day)s', day=''),
            'still_scheduled': say('Changes saved. The post is still scheduled for %(when)s.', when=''),
            'unscheduled': say('Unscheduled: the post is a draft now and will not be published until you schedule it '
                               'again.'),
            'from_env': say('This account is set by environment variables: it comes back the next time the app '
                            'starts unless they are removed from the environment.')}


@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return telegram_settings(telegram)


@pytest.fixture
def database(app_server, tmp_path):
    """The running app's own database (the pages read it on every load)."""
    engine = create_db_engine(f'sqlite:///{tmp_path / "data" / "dashboard.db"}')
    yield engine
    engine.dispose()


def add_post(engine, text: str, status: str, when: datetime, *, delivery: str = 'pending',
             errors: tuple[str, ...] = ()) -> int:
    """A post to Telegram straight into the database, with one failed attempt per error in `errors`."""
    with Session(engine) as session:
        post = Post(author_id=1, text=text, status=status, scheduled_at=when)
        session.add(post)
        session.flush()
        row = Delivery(post_id=post.id, platform='telegram', status=delivery, account_id=1,
                       last_error=errors[-1] if errors else None)
        session.add(row)
        session.flush()
        session.add_all(DeliveryAttempt(delivery_id=row.id, outcome='failed', error_detail=error, finished_at=when)
                        for error in errors)
        session.commit()
        return post.id


def read_post(engine, post_id: int) -> Post:
    with Session(engine) as session:
        return session.exec(select(Post).where(Post.id == post_id)).one()


def in_language(page, app_server: str, language: str) -> dict[str, str]:
    """Switch the signed-in user to `language` and return the words to look for."""
    page.goto(app_server + '/')
    page.get_by_text({'en': 'English', 'ar': 'العربية'}[language]).click()
    expect(page.locator('html')).to_have_attribute('dir', i18n.direction(language), timeout=15000)
    return words_in(language)


def test_saving_changes_to_a_scheduled_post_keeps_it_scheduled(app_server, signed_in_page, database):
    page = signed_in_page
    due = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    for language in ('en', 'ar'):
        words = in_language(page, app_server, language)
        post_id = add_post(database, f'Spring sale ({language})', 'scheduled', due)
        page.goto(f'{app_server}/compose?post={post_id}')
        expect(page.get_by_role('button', name=words['save_changes'])).to_be_visible(timeout=15000)
        expect(page.get_by_role('button', name=words['unschedule'])).to_be_visible()
        page.get_by_label(words['text']).fill(f'Spring sale, now with prices ({language})')
        page.get_by_role('button', name=words['save_changes']).click()
        expect(page).to_have_url(f'{app_server}/history/{post_id}', timeout=15000)
        expect(page.get_by_text(words['still_scheduled'])).to_be_visible()
        expect(page.get_by_text(words['scheduled'], exact=True).first).to_be_visible()
        saved = read_post(database, post_id)
        assert (saved.status, saved.scheduled_at, saved.text) == \
            ('scheduled', due, f'Spring sale, now with prices ({language})')

        page.goto(f'{app_server}/compose?post={post_id}')
        page.get_by_role('button', name=words['unschedule']).click()
        expect(page.get_by_text(words['unscheduled'])).to_be_visible(timeout=15000)
        assert read_post(database, post_id).status == 'draft'
    assert page.console_errors == []


def test_the_attempt_log_fits_a_phone(app_server, signed_in_page, database):
    page = signed_in_page
    post_id = add_post(database, 'Launch video, take two', 'failed', datetime.now(UTC) - timedelta(hours=1),
                       delivery='failed', errors=(LONG_ERROR, 'Bad Request: chat not found', LONG_ERROR))
    for language in ('en', 'ar'):
        in_language(page, app_server, language)
        page.set_viewport_size({'width': 360, 'height': 740})
        page.goto(f'{app_server}/history/{post_id}')
        # a known error reads as its sentence; the platform's own words wait, folded, under Details
        expect(page.locator('.attempt-error').first).to_be_visible(timeout=15000)
        page.wait_for_load_state('networkidle')
        screenshot(page, f'new-user-attempt-log-{language}-phone')
        overflow = page.evaluate('document.documentElement.scrollWidth - window.innerWidth')
        assert overflow <= 1, f'the post page in {language} is {overflow} px wider than a phone'
        widths = page.evaluate('''() => [...document.querySelectorAll('.attempt-error')]
                                  .map(e => [e.getBoundingClientRect().width, e.getBoundingClientRect().height])''')
        assert len(widths) == 3
        for width, height in widths:
            assert width > 250, f'an error squeezed into {width} px'  # words, not one letter a line
            assert height < 400, f'an error grew {height} px tall'
        height = page.evaluate('document.documentElement.scrollHeight')
        assert height < 2600, f'the post page in {language} grew to {height} px'
        page.set_viewport_size({'width': 1280, 'height': 800})
    assert page.console_errors == []


def test_composer_problems_follow_the_form_and_never_repeat(app_server, signed_in_page):
    page = signed_in_page
    for language in ('en', 'ar'):
        words = in_language(page, app_server, language)
        page.set_viewport_size({'width': 360, 'height': 740})
        page.goto(app_server + '/compose')
        page.get_by_role('button', name=words['publish']).click()
        problems = page.locator('.compose-problem')
        expect(problems.filter(has_text=words['no_platform'])).to_have_count(1, timeout=15000)
        expect(problems.filter(has_text=words['no_text'])).to_have_count(1)
        screenshot(page, f'new-user-composer-errors-{language}-phone')

        page.get_by_label(words['text']).fill('x' * 5000)  # over Telegram's 4,096 for a text message
        expect(problems.filter(has_text=words['no_text'])).to_have_count(0)
        expect(problems.filter(has_text=words['no_platform'])).to_have_count(1)
        box = page.get_by_role('checkbox', name='Telegram')
        box.click()
        expect(box).to_have_attribute('aria-checked', 'true')
        expect(problems.filter(has_text=words['no_platform'])).to_have_count(0)
        page.get_by_role('button', name=words['publish']).click()
        expect(problems).to_have_count(1)  # Telegram's limit, said once though both the check and the refusal found it
        expect(problems.filter(has_text='4096')).to_have_count(1)
        text_box = page.get_by_label(words['text'])
        assert text_box.bounding_box()['height'] < 400  # the long text scrolls inside the box
        page.set_viewport_size({'width': 1280, 'height': 800})
        screenshot(page, f'new-user-composer-errors-{language}-desktop')
        text_box.fill('Short and sweet')
        expect(problems).to_have_count(0)
        expect(page.get_by_text(words['ready'])).to_be_visible()
    assert page.console_errors == []


def test_leaving_the_composer_with_unsaved_work_asks_first(app_server, signed_in_page):
    page = signed_in_page
    asked = []

    def stay(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.on('dialog', stay)
    posts_link = page.locator('.app-header').get_by_text('Posts', exact=True)
    page.goto(app_server + '/compose')
    page.get_by_text('Where it goes', exact=True).click()  # a gesture (the browser asks only after one)
    posts_link.click()
    expect(page).to_have_url(app_server + '/history')
    assert asked == []  # nothing to lose: no question

    page.goto(app_server + '/compose')
    page.get_by_label('Text').fill('Half a thought')
    page.get_by_role('checkbox', name='Telegram').click()
    expect(page.get_by_role('checkbox', name='Telegram')).to_have_attribute('aria-checked', 'true')
    posts_link.click()
    page.wait_for_timeout(1000)
    assert asked == ['beforeunload']
    assert page.url == app_server + '/compose'
    expect(page.get_by_label('Text')).to_have_value('Half a thought')
    page.remove_listener('dialog', stay)

    with page.expect_file_chooser() as chooser:  # anywhere on the drop zone, not only a small "+"
        # the file input covers the whole face, which is its label
        page.get_by_label('Drop photos and videos here, or click to choose').click()
    assert chooser.value.is_multiple()
    expect(page.get_by_text('0.0B')).to_have_count(0)


def test_remove_on_the_accounts_page_asks_first(app_server, signed_in_page, database):
    page = signed_in_page
    add_post(database, 'Due soon', 'scheduled', datetime.now(UTC) + timedelta(days=1))
    for language in ('ar', 'en'):
        words = in_language(page, app_server, language)
        page.goto(app_server + '/accounts')
        page.get_by_role('button', name=words['remove']).first.click()
        dialog = page.get_by_role('dialog')
        expect(dialog).to_contain_text(words['from_env'], timeout=15000)
        expect(dialog).to_contain_text('Telegram')
        screenshot(page, f'new-user-remove-account-{language}')
        if language == 'ar':
            dialog.get_by_role('button', name=words['keep']).click()
            expect(page.get_by_role('dialog')).to_have_count(0)
            page.goto(app_server + '/accounts')
            expect(page.get_by_role('button', name=words['remove'])).to_have_count(1)
        else:
            expect(dialog).to_contain_text('1 scheduled post goes to Telegram')
            dialog.get_by_role('button', name=words['remove']).click()
            expect(page.get_by_text('was removed.')).to_be_visible(timeout=15000)
            expect(page.get_by_text('No account is connected yet. Connect one below.')).to_be_visible()
    assert page.console_errors == []


def test_the_calendar_list_starts_today_and_shows_what_went_out(app_server, signed_in_page, database):
    page = signed_in_page
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)  # the user's zone is UTC, as the browser's
    add_post(database, 'Went out this morning', 'published', max(now - timedelta(minutes=1), today),
             delivery='published')
    add_post(database, 'Tomorrow at dawn', 'scheduled', now + timedelta(days=1))
    for language in ('en', 'ar'):
        words = in_language(page, app_server, language)
        page.goto(app_server + '/calendar')
        expect(page.get_by_text('Tomorrow at dawn').first).to_be_visible(timeout=15000)
        expect(page.locator('.calendar-entry', has_text='Went out this morning')
               .get_by_text(words['published'], exact=True)).to_be_visible()
        previous, following = (page.get_by_role('button', name=words[name]) for name in ('previous', 'next'))
        if language == 'ar':  # earlier is to the right, and its arrow points right: the glyph as drawn left to right
            assert previous.bounding_box()['x'] > following.bounding_box()['x']
            assert previous.locator('.q-icon').evaluate('i => [i.textContent, getComputedStyle(i).direction]') == \
                ['chevron_right', 'ltr']
        following.click()
        page.get_by_role('button', name=words['next']).click()
        page.wait_for_load_state('networkidle')
        page.get_by_text(words['list'], exact=True).click()
        expect(page.get_by_text(words['from_today'])).to_be_visible(timeout=15000)
        expect(page.get_by_text('Tomorrow at dawn')).to_be_visible()
        expect(page.get_by_role('button', name=words['today'])).to_be_visible()
        expect(page.locator('.calendar-entry', has_text='Went out this morning')
               .get_by_text(words['published'], exact=True)).to_be_visible()
        screenshot(page, f'new-user-calendar-list-{language}')
    assert page.console_errors == []
