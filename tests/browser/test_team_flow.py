"""Issue 8 as a new team would live it: the admin adds an editor and a viewer; each signs in and sees only what the
role allows; the viewer cannot publish through the page or the API; the audit log shows all of it."""
from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, USERNAME, screenshot


def add_person(page: Page, username: str, role: str) -> str:
    """Add a user on the Users page; returns the temporary password shown once."""
    page.get_by_label('Username').fill(username)
    page.get_by_label('Role').click()
    page.get_by_role('option', name=role).click()
    page.get_by_role('button', name='Add').click()
    shown = page.locator('.select-all')
    expect(shown).to_be_visible()
    temporary = shown.inner_text().strip()
    page.get_by_role('button', name='Close').click()
    expect(page.get_by_text(username, exact=True)).to_be_visible()
    return temporary


def sign_out(page: Page) -> None:
    page.get_by_role('button', name='Account menu').click()
    page.get_by_text('Sign out').click()
    expect(page.get_by_text('You have signed out.')).to_be_visible()


def sign_in(page: Page, username: str, password: str) -> None:
    page.get_by_label('Username').fill(username)
    page.get_by_label('Password', exact=True).fill(password)
    page.get_by_role('button', name='Sign in').click()


def choose_own_password(page: Page, temporary: str, own: str) -> None:
    expect(page.get_by_text('You signed in with a temporary password. Choose your own to continue.')).to_be_visible()
    page.get_by_label('Current password').fill(temporary)
    page.get_by_label('New password', exact=True).fill(own)
    page.get_by_label('Repeat the new password').fill(own)
    page.get_by_role('button', name='Change password').click()
    expect(page.get_by_text('Your password has been changed. Other sessions were signed out.')).to_be_visible()


def test_admin_adds_an_editor_and_a_viewer_who_see_only_what_their_role_allows(app_server, signed_in_page):
    page = signed_in_page
    page.goto(app_server + '/users')
    viewer_temporary = add_person(page, 'vera', 'Viewer')
    editor_temporary = add_person(page, 'eddie', 'Editor')
    sign_out(page)

    sign_in(page, 'vera', viewer_temporary)
    choose_own_password(page, viewer_temporary, 'vera has her own one')
    page.goto(app_server + '/')
    header = page.locator('header')
    expect(header.get_by_role('link', name='Calendar')).to_be_visible()
    expect(header.get_by_role('link', name='Write')).to_have_count(0)
    expect(header.get_by_role('link', name='Users')).to_have_count(0)
    page.goto(app_server + '/compose')  # typed in by hand: the server refuses it, not just the menu
    expect(page).to_have_url(app_server + '/')
    expect(page.get_by_text('Your role does not allow this. Ask an administrator.')).to_be_visible()
    screenshot(page, 'team-viewer-refused-en-desktop')
    token = httpx.post(app_server + '/api/v1/token',
                       json={'username': 'vera', 'password': 'vera has her own one'}).json()['access_token']
    refused = httpx.post(app_server + '/api/v1/posts', headers={'Authorization': f'Bearer {token}'},
                         json={'text': 'sneaky', 'platforms': ['telegram'], 'action': 'publish'})
    assert refused.status_code == 403 and refused.json()['error']['code'] == 'forbidden'
    sign_out(page)

    sign_in(page, 'eddie', editor_temporary)
    choose_own_password(page, editor_temporary, 'eddie has his own one')
    page.goto(app_server + '/compose')
    expect(page).to_have_url(app_server + '/compose')
    expect(page.locator('header').get_by_role('link', name='Users')).to_have_count(0)
    sign_out(page)

    sign_in(page, USERNAME, PASSWORD)
    page.goto(app_server + '/audit')
    for what in ('User added', 'Changed their password', 'Refused: not allowed for the role', 'Signed in',
                 'Signed out'):
        expect(page.get_by_text(what).first).to_be_visible()
    for who in ('vera', 'eddie'):
        expect(page.get_by_role('cell', name=who, exact=True).first).to_be_visible()
    screenshot(page, 'team-audit-en-desktop')
    assert page.console_errors == []
