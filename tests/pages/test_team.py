"""A small team: the admin adds an editor and a viewer; each sees what the role allows; all of it audited."""
from __future__ import annotations

import httpx
import pytest
from nicegui import ui
from nicegui.testing import User

from services.core.errors import UserError
from services.core.models import Role
from services.team import users
from tests.conftest import ADMIN, audit_actions, on_sign_in_page, open_signed_in


async def test_admin_adds_a_viewer_who_must_choose_a_password_and_cannot_compose(user: User, admin):
    await open_signed_in(user, *ADMIN)
    await user.open('/users')
    user.find(marker='new-username').type('vera')
    user.find(marker='new-role').elements.pop().set_value(Role.VIEWER.value)
    user.find(marker='add-user').click()
    await user.should_see(marker='temporary-password', retries=40)
    temporary = user.find(marker='temporary-password').elements.pop().text
    assert audit_actions('vera') == ['user.created']

    user.find(marker='user-menu').click()
    user.find(marker='sign-out').click()
    await on_sign_in_page(user, 'You have signed out.')
    await open_signed_in(user, 'vera', temporary)  # to the settings page: the password must change first
    await user.should_see(marker='must-change')
    user.find(marker='current').type(temporary)
    user.find(marker='new').type('vera has her own now')
    user.find(marker='repeat').type('vera has her own now')
    user.find(marker='save-password').click()
    await user.should_see(marker='welcome', retries=40)
    await user.should_not_see('Write')  # no link to what the role does not allow
    await user.open('/compose')
    await user.should_see('Your role does not allow this. Ask an administrator.', kind=ui.notification)
    await user.should_see(marker='welcome')
    assert 'forbidden' in [a for a in audit_actions('draft_posts')]


async def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(user: User, admin):
    with pytest.raises(UserError, match='last active administrator'):
        users.set_role(admin, admin.id, Role.EDITOR, ip='')
    with pytest.raises(UserError, match='last active administrator'):
        users.set_active(admin, admin.id, False, ip='')
    second, _password = users.create_user(admin, 'ada', Role.ADMIN, language='en', time_zone='UTC', ip='')
    users.set_active(admin, second.id, False, ip='')  # another admin may go while one stays
    assert audit_actions('ada') == ['user.created', 'user.deactivated']


async def test_an_editor_cannot_manage_users_by_any_path(user: User, admin):
    editor, _password = users.create_user(admin, 'eddie', Role.EDITOR, language='en', time_zone='UTC', ip='')
    with pytest.raises(UserError, match='does not allow'):
        users.create_user(editor, 'mallory', Role.ADMIN, language='en', time_zone='UTC', ip='')
    assert users.find_user('mallory') is None


async def test_security_headers_on_pages_and_routes(user: User, admin):
    async with httpx.AsyncClient(transport=httpx.ASGITransport(user.http_client._transport.app),
                                 base_url='http://test') as client:
        for path in ('/login', '/healthz', '/uploads/nothing.jpg', '/api/v1/posts'):
            response = await client.get(path)
            assert response.headers['x-content-type-options'] == 'nosniff'
            assert response.headers['x-frame-options'] == 'DENY'
            assert "frame-ancestors 'none'" in response.headers['content-security-policy']
