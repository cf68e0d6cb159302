"""Without a mouse: write a post, choose Telegram, publish it; write another and schedule it; move it in the calendar
through the reschedule dialog, which holds the focus while open, closes on Escape and gives the focus back. Only
`keyboard.press` and typing after signing in; what has the focus is asked of the page, never clicked. In English,
and in Arabic (right to left, chosen with the keyboard) at desktop and phone width; each focused state is kept as a
screenshot in tests/artifacts (keyboard-*.png)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from services.core import i18n
from tests.browser.conftest import screenshot, telegram_settings

FOCUSED = '''() => {  // the focused control's name as a screen reader would start it: no icon ligatures
    const element = document.activeElement;
    const words = node => {
        const copy = node.cloneNode(true);
        copy.querySelectorAll('.q-icon').forEach(icon => icon.remove());
        return copy.textContent;
    };
    const label = element.getAttribute('aria-label') || (element.closest('label') && words(element.closest('label')))
        || words(element) || '';
    return label.trim().replace(/\\s+/g, ' ');
}'''


@pytest.fixture
def app_extra_env(telegram) -> dict[str, str]:
    return telegram_settings(telegram)


def focused(page) -> str:
    return page.evaluate(FOCUSED)


def tab_to(page, name: str, *, most: int = 80) -> None:
    """Press Tab until the focus is on the control whose name starts with `name` (case aside)."""
    for _step in range(most):
        page.keyboard.press('Tab')
        if focused(page).casefold().startswith(name.casefold()):
            return
    raise AssertionError(f'{name!r} is not reachable with Tab (last focus: {focused(page)!r})')


def say(language: str, msgid: str) -> str:
    return i18n.translate(language, msgid)


def write(page, app_server: str, text: str, language: str) -> None:
    page.goto(app_server + '/compose')
    page.wait_for_load_state('networkidle')
    tab_to(page, say(language, 'Text'))
    page.keyboard.type(text)
    tab_to(page, 'Telegram')
    page.keyboard.press('Space')


@pytest.mark.parametrize(('language', 'width'), [('en', 1280), ('ar', 1280), ('ar', 360)],
                         ids=['english', 'arabic', 'arabic-phone'])
def test_write_publish_schedule_and_reschedule_a_post_with_the_keyboard_alone(app_server, signed_in_page, telegram,
                                                                               language, width):
    page = signed_in_page
    page.set_viewport_size({'width': width, 'height': 800})
    shot = f'{language}-{width}'
    page.goto(app_server + '/')
    if language != 'en':  # chosen with the keyboard too, in the header's language switch
        tab_to(page, 'العربية')
        screenshot(page, f'keyboard-language-switch-{shot}', full_page=False)
        page.keyboard.press('Enter')
        expect(page.locator('html')).to_have_attribute('dir', 'rtl', timeout=15000)
        page.wait_for_load_state('networkidle')
    page.keyboard.press('Tab')
    assert focused(page) == say(language, 'Skip to the content')  # the first stop, shown when focused
    screenshot(page, f'keyboard-skip-link-{shot}', full_page=False)

    write(page, app_server, 'Straight out, no mouse', language)
    screenshot(page, f'keyboard-platform-focused-{shot}', full_page=False)
    tab_to(page, say(language, 'Publish now'), most=12)  # straight on from where it goes: no way round the page
    screenshot(page, f'keyboard-publish-focused-{shot}', full_page=False)
    page.keyboard.press('Enter')
    expect(page.get_by_text(say(language, 'Published')).first).to_be_visible(timeout=30000)
    assert [m.text for m in telegram.sent] == ['Straight out, no mouse']

    write(page, app_server, 'Later, no mouse', language)
    tab_to(page, say(language, 'Pick from a calendar'), most=12)  # the picker opens from the keyboard, Escape closes it
    page.keyboard.press('Enter')
    expect(page.locator('.q-date')).to_be_visible()
    page.wait_for_timeout(400)  # the menu has faded in
    screenshot(page, f'keyboard-date-picker-{shot}', full_page=False)
    page.keyboard.press('Escape')
    expect(page.locator('.q-date')).to_be_hidden()
    tab_to(page, say(language, 'Schedule'))
    page.keyboard.press('Enter')
    expect(page.get_by_text(say(language, 'Scheduled')).first).to_be_visible(timeout=15000)

    page.goto(app_server + '/calendar?view=list')
    page.wait_for_load_state('networkidle')
    tab_to(page, say(language, 'Reschedule'))
    screenshot(page, f'keyboard-calendar-reschedule-focused-{shot}', full_page=False)
    page.keyboard.press('Enter')
    dialog = page.get_by_role('dialog')
    expect(dialog).to_be_visible()
    page.wait_for_timeout(500)
    assert page.evaluate('document.querySelector(".q-dialog").contains(document.activeElement)')
    for _step in range(12):  # the focus goes round inside the dialog, never behind it
        page.keyboard.press('Tab')
        assert page.evaluate('document.querySelector(".q-dialog").contains(document.activeElement)')
    page.keyboard.press('Escape')
    expect(dialog).to_be_hidden()
    assert focused(page) == say(language, 'Reschedule')  # back where it was

    page.keyboard.press('Enter')
    expect(dialog).to_be_visible()
    page.wait_for_timeout(500)
    screenshot(page, f'keyboard-reschedule-dialog-{shot}', full_page=False)
    tab_to(page, say(language, 'Reschedule'), most=12)
    screenshot(page, f'keyboard-reschedule-confirm-focused-{shot}', full_page=False)
    page.keyboard.press('Enter')
    expect(page.get_by_text(say(language, 'Scheduled for %(when)s.').split('%')[0].strip())).to_be_visible(
        timeout=15000)
    assert page.console_errors == []
