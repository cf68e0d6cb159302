"""Every main page in a real browser, in English and Arabic, at desktop and phone width: screenshots to look at,
no console errors, nothing wider than a phone."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import each_language, each_width, in_arabic, overflow, screenshot

PAGES = {'home': '/', 'compose': '/compose', 'calendar': '/calendar', 'history': '/history',
         'post': '/history/{missed}', 'channels': '/channels', 'users': '/users', 'audit': '/audit',
         'settings': '/settings'}


def test_every_page_in_both_languages_and_widths(app_server, signed_in_page, sample_posts):
    page = signed_in_page
    for language in each_language(page, app_server):
        for name, path in PAGES.items():
            for label in each_width(page):
                page.goto(app_server + path.format(**sample_posts))
                page.wait_for_load_state('networkidle')
                expect(page.locator('html')).to_have_attribute('dir', 'rtl' if language == 'ar' else 'ltr')
                screenshot(page, f'tour-{name}-{language}-{label}')
                if label == 'phone':
                    wider = overflow(page)
                    assert wider <= 1, f'{path} in {language} is {wider} px wider than a phone'
    assert page.console_errors == []


def test_phone_navigation_opens_as_a_drawer(app_server, signed_in_page):
    page = signed_in_page
    page.set_viewport_size({'width': 360, 'height': 740})
    page.goto(app_server + '/')
    page.get_by_role('button', name='Menu', exact=True).click()
    page.get_by_role('listitem').filter(has_text='Calendar').click()
    expect(page).to_have_url(app_server + '/calendar')
    page.get_by_role('button', name='Menu', exact=True).click()
    page.wait_for_timeout(400)
    screenshot(page, 'nav-drawer-en-phone')
    box = page.get_by_role('listitem').filter(has_text='Posts').bounding_box()
    assert box['height'] >= 40  # a touch target
    page.set_viewport_size({'width': 1280, 'height': 800})
    in_arabic(page, app_server)
    page.set_viewport_size({'width': 360, 'height': 740})
    page.get_by_role('button', name='القائمة', exact=True).click()
    page.wait_for_timeout(400)
    drawer = page.get_by_role('listitem').filter(has_text='المنشورات').bounding_box()
    assert drawer['x'] + drawer['width'] > 300  # it slides in from the right, the start of an Arabic page
    screenshot(page, 'nav-drawer-ar-phone')
