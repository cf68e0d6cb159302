"""First run to Arabic in a real browser, with screenshots at desktop and phone width."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.app_process import printed_setup_link
from tests.browser.conftest import screenshot

USERNAME, PASSWORD = 'admin', 'a real long password'


def test_first_run_sign_in_and_arabic_right_to_left(app_server, page, tmp_path):
    page.goto(app_server + '/')
    expect(page).to_have_url(app_server + '/setup')
    expect(page.get_by_text('Open the setup link the app printed when it started')).to_be_visible()
    screenshot(page, 'setup-without-code-en-desktop')
    page.get_by_text('العربية').click()
    expect(page.locator('html')).to_have_attribute('dir', 'rtl')
    page.set_viewport_size({'width': 360, 'height': 740})
    screenshot(page, 'setup-without-code-ar-phone')
    page.set_viewport_size({'width': 1280, 'height': 800})
    page.console_errors.clear()  # Chromium reports the refusal's 403 status as a console error
    page.goto(printed_setup_link(tmp_path / 'app.log'))
    expect(page.get_by_text('Welcome! Create the administrator account.')).to_be_visible()
    screenshot(page, 'setup-en-desktop')
    page.get_by_label('Username').fill(USERNAME)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_label('Repeat the password').fill(PASSWORD)
    page.get_by_role('button', name='Create the administrator').click()
    expect(page.get_by_text(f'Welcome, {USERNAME}.')).to_be_visible(timeout=15000)

    page.get_by_role('button', name='Account menu').click()
    page.get_by_text('Sign out').click()
    expect(page.get_by_text('You have signed out.')).to_be_visible()
    page.goto(app_server + '/setup')  # gone once the admin exists
    expect(page).to_have_url(app_server + '/login')
    screenshot(page, 'login-en-desktop')

    page.get_by_label('Username').fill(USERNAME)
    page.get_by_label('Password', exact=True).fill(PASSWORD)
    page.get_by_label('Password', exact=True).press('Enter')
    expect(page.get_by_text(f'Welcome, {USERNAME}.')).to_be_visible(timeout=15000)
    expect(page.locator('html')).to_have_attribute('dir', 'ltr')
    screenshot(page, 'home-en-desktop')
    page.set_viewport_size({'width': 360, 'height': 740})
    screenshot(page, 'home-en-phone')

    page.set_viewport_size({'width': 1280, 'height': 800})
    page.get_by_text('العربية').click()
    expect(page.locator('html')).to_have_attribute('dir', 'rtl', timeout=15000)
    expect(page.locator('html')).to_have_attribute('lang', 'ar')
    expect(page.get_by_text(f'مرحبًا، {USERNAME}.')).to_be_visible()
    expect(page.get_by_text('الرئيسية').first).to_be_visible()
    screenshot(page, 'home-ar-desktop')
    page.set_viewport_size({'width': 360, 'height': 740})
    screenshot(page, 'home-ar-phone')
    no_overflow = page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')
    assert no_overflow, 'the Arabic home page scrolls sideways at 360 px'

    page.get_by_role('button', name='قائمة الحساب').click()
    page.get_by_text('تسجيل الخروج').click()
    expect(page.get_by_text('لقد سجّلت الخروج.')).to_be_visible()
    expect(page.locator('html')).to_have_attribute('dir', 'rtl')
    screenshot(page, 'login-ar-phone')
    assert page.console_errors == []
