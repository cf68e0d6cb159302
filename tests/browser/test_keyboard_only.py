"""Without a mouse: write a post, choose Telegram, publish it; write another and schedule it; move it in the calendar
through the reschedule dialog, which holds the focus while open, closes on Escape and gives the focus back. Only
`keyboard.press` and typing after signing in; what has the focus is asked of the page, never clicked."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

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


def write(page, app_server: str, text: str) -> None:
    page.goto(app_server + '/compose')
    page.wait_for_load_state('networkidle')
    tab_to(page, 'Text')
    page.keyboard.type(text)
    tab_to(page, 'Telegram')
    page.keyboard.press('Space')


def test_write_publish_schedule_and_reschedule_a_post_with_the_keyboard_alone(app_server, signed_in_page, telegram):
    page = signed_in_page
    page.goto(app_server + '/')
    page.keyboard.press('Tab')
    assert focused(page) == 'Skip to the content'  # the first stop, shown when focused
    screenshot(page, 'keyboard-skip-link-en')

    write(page, app_server, 'Straight out, no mouse')
    tab_to(page, 'Publish now')
    screenshot(page, 'keyboard-publish-focused-en')
    page.keyboard.press('Enter')
    expect(page.get_by_text('Published').first).to_be_visible(timeout=30000)
    assert [m.text for m in telegram.sent] == ['Straight out, no mouse']

    write(page, app_server, 'Later, no mouse')
    tab_to(page, 'Schedule')
    page.keyboard.press('Enter')
    expect(page.get_by_text('Scheduled').first).to_be_visible(timeout=15000)

    page.goto(app_server + '/calendar?view=list')
    page.wait_for_load_state('networkidle')
    tab_to(page, 'Reschedule')
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
    assert focused(page) == 'Reschedule'  # back where it was

    page.keyboard.press('Enter')
    expect(dialog).to_be_visible()
    page.wait_for_timeout(500)
    screenshot(page, 'keyboard-reschedule-dialog-en')
    tab_to(page, 'Reschedule', most=12)
    page.keyboard.press('Enter')
    expect(page.get_by_text('Scheduled for')).to_be_visible(timeout=15000)
    assert page.console_errors == []
