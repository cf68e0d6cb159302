import html
import re
from urllib.parse import urlsplit

import httpx
import pytest
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from services.core import db
from services.core.models import Role
from services.core.models import User as Account
from services.web.browser_session import SESSION_COOKIE
from tests.conftest import ADMIN, audit_actions, on_sign_in_page, open_signed_in, sign_in

pytestmark = pytest.mark.both_databases


def printed_setup_link(caplog) -> str:
    """The setup link the app printed at start, as the path a browser asks for (what its operator copies)."""
    printed = '\n'.join(record.getMessage() for record in caplog.get_records('setup') if record.name == 'pages.setup')
    url = urlsplit(re.findall(r'http://\S+/setup\?code=\S+', printed)[-1])
    return f'{url.path}?{url.query}'


async def send_setup(user: User, link: str, *, username: str = 'boss', password: str = 'a fine long password',
                     repeat: str | None = None, time_zone: str = 'Africa/Cairo') -> httpx.Response:
    """Open `link` and send its form as a browser would (hidden fields included). Returns the answer."""
    form = await user.http_client.get(link)
    hidden = {name: html.unescape(value)
              for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.text)}
    assert 'csrf' in hidden, f'no setup form at {link}: {form.status_code}'
    return await user.http_client.post('/setup', data={**hidden, 'username': username, 'password': password,
                                                       'repeat': password if repeat is None else repeat,
                                                       'time_zone': time_zone})


def accounts() -> list[Account]:
    with db.session() as session:
        return list(session.exec(select(Account)))


async def test_first_run_asks_for_the_printed_link_and_it_creates_the_signed_in_admin(user: User, caplog):
    landing = await user.http_client.get('/', follow_redirects=True)
    assert (landing.url.path, landing.status_code) == ('/setup', 403)
    assert 'Open the setup link the app printed when it started' in html.unescape(landing.text)
    assert 'docker logs' in landing.text and 'name="password"' not in landing.text
    link = printed_setup_link(caplog)
    form = await user.http_client.get(link)
    assert 'Welcome! Create the administrator account.' in form.text
    assert 'There is no default password' in form.text and '<option selected>UTC</option>' in form.text
    response = await send_setup(user, link, username='Boss', time_zone='Africa/Cairo')
    assert (response.status_code, response.headers['location']) == (303, '/')
    await user.open('/')
    await user.should_see('Welcome, boss.')
    [account] = accounts()
    assert (account.username, account.role, account.timezone) == ('boss', Role.ADMIN, 'Africa/Cairo')
    assert account.password_hash.startswith('$2b$')
    assert audit_actions('boss') == ['setup.admin_created']


async def test_setup_refuses_a_short_password_and_a_mismatch(user: User, caplog):
    link = printed_setup_link(caplog)
    response = await send_setup(user, link, password='short')
    assert response.status_code == 400
    assert 'The password must be at least 10 characters long.' in response.text
    assert 'value="boss"' in response.text and '<option selected>Africa/Cairo</option>' in response.text  # kept
    response = await send_setup(user, link, repeat='a different long password')
    assert response.status_code == 400 and 'The two passwords differ.' in response.text
    assert accounts() == []


async def test_setup_without_the_code_or_with_a_wrong_one_is_refused_and_throttled(user: User, caplog):
    mallory = {'username': 'mallory', 'password': 'a fine long password', 'repeat': 'a fine long password'}
    response = await user.http_client.post('/setup', data=mallory)
    assert response.status_code == 403 and 'docker logs' in response.text
    for _ in range(5):
        response = await user.http_client.get('/setup?code=a-guess')
        assert response.status_code == 403
        assert "This setup code is not valid. Use the link from the app's latest start." in html.unescape(response.text)
        assert 'docker logs' in response.text and 'name="password"' not in response.text
    assert audit_actions('') == ['setup.code_refused'] * 5  # a missing code is no guess: not audited
    response = await user.http_client.get(printed_setup_link(caplog))  # now even the right code waits
    assert response.status_code == 429
    assert 'Too many wrong setup codes. Try again in 5 minutes.' in response.text
    assert (await user.http_client.post('/setup', data={**mallory, 'code': 'another-guess'})).status_code == 429
    assert accounts() == []


async def test_setup_code_is_void_once_the_administrator_exists(user: User, caplog, create_user):
    link = printed_setup_link(caplog)
    assert (await send_setup(user, link)).status_code == 303
    latecomer = create_user()
    response = await latecomer.http_client.get(link, follow_redirects=True)
    assert response.url.path == '/login'
    assert 'autocomplete="current-password"' in response.text and 'Create the administrator' not in response.text
    late_form = await latecomer.http_client.post('/setup', data={'code': link.split('code=')[1], 'csrf': 'x',
                                                                 'username': 'mallory', 'password': 'x' * 12,
                                                                 'repeat': 'x' * 12})
    assert (late_form.status_code, late_form.headers['location']) == (303, '/login')
    assert [account.username for account in accounts()] == ['boss']


async def test_setup_page_in_arabic_is_right_to_left_and_explains_where_the_link_is(user: User, caplog):
    refused = await user.http_client.get('/setup?lang=ar')
    assert '<html lang="ar" dir="rtl">' in refused.text and 'docker logs' in refused.text
    form = await user.http_client.get(printed_setup_link(caplog) + '&lang=ar')
    assert '<html lang="ar" dir="rtl">' in form.text
    assert 'إنشاء حساب المسؤول' in form.text
    response = await send_setup(user, printed_setup_link(caplog) + '&lang=ar', username='<b>x</b>')
    assert '&lt;b&gt;x&lt;/b&gt;' in response.text and '<b>x' not in response.text
    assert (await send_setup(user, printed_setup_link(caplog) + '&lang=ar')).status_code == 303
    assert accounts()[0].language == 'ar'  # the language of the page it was created on


async def test_setup_is_gone_once_a_user_exists(user: User, admin):
    await user.open('/setup')
    assert user.plain_page.url.path == '/login'
    assert 'autocomplete="current-password"' in user.plain_page.text
    assert 'Create the administrator' not in user.plain_page.text


async def test_sign_in_goes_back_to_the_page_first_asked_for(user: User, admin):
    await user.open('/?tab=1')
    await on_sign_in_page(user, 'Please sign in to continue.')
    response = await sign_in(user, *ADMIN, form_url=str(user.plain_page.url))
    assert (response.status_code, response.headers['location']) == (303, '/?tab=1')
    await user.open(response.headers['location'])
    await user.should_see(marker='welcome')


async def test_wrong_password_and_unknown_user_get_the_same_message(user: User, admin):
    for username in ('admin', 'nobody'):
        response = await sign_in(user, username, 'wrong password!')
        assert response.status_code == 401
        assert 'Wrong username or password.' in response.text
        assert f'value="{username}"' in response.text  # kept, so only the password is typed again
    assert audit_actions('nobody') == ['login.failed']
    assert audit_actions('admin') == ['setup.admin_created', 'login.failed']


async def test_repeated_failures_lock_the_username_and_are_audited(user: User, admin):
    for _ in range(5):
        assert (await sign_in(user, 'admin', 'wrong password!')).status_code == 401
    assert audit_actions('admin').count('login.failed') == 5
    response = await sign_in(user, *ADMIN)  # even the right password waits out the lock
    assert response.status_code == 429
    assert 'Too many failed sign-ins. Try again in 5 minutes.' in response.text
    assert audit_actions('admin')[-1] == 'login.locked'


async def test_sign_in_form_from_another_site_is_refused(user: User, admin):
    await user.http_client.get('/login')
    response = await user.http_client.post('/login', data={'username': 'admin', 'password': ADMIN[1],
                                                           'csrf': 'forged', 'next': '/'})
    assert response.status_code == 400
    assert 'The sign-in form had expired. Please sign in again.' in response.text
    assert audit_actions('admin') == ['setup.admin_created']


async def test_sign_in_page_in_arabic_is_right_to_left_and_escapes_what_it_echoes(user: User, admin):
    response = await user.http_client.get('/login?lang=ar')
    assert '<html lang="ar" dir="rtl">' in response.text
    assert 'تسجيل الدخول' in response.text
    answer = await sign_in(user, '<script>alert(1)</script>', 'wrong password!', form_url='/login?lang=ar')
    assert 'اسم المستخدم أو كلمة المرور غير صحيحة.' in answer.text
    assert '<script>alert' not in answer.text and '&lt;script&gt;alert(1)&lt;/script&gt;' in answer.text
    assert (await user.http_client.get('/login?next=//evil.example')).text.count('value="/"') == 1


async def test_sign_out_ends_the_session(user: User, admin):
    await open_signed_in(user, *ADMIN)
    user.find(marker='user-menu').click()
    user.find(marker='sign-out').click()
    await on_sign_in_page(user, 'You have signed out.')
    assert audit_actions('admin')[-1] == 'logout'
    await user.open('/')
    await on_sign_in_page(user, 'Please sign in to continue.')


async def test_deactivated_user_cannot_sign_in_and_open_pages_end(user: User, admin):
    await open_signed_in(user, *ADMIN)
    with db.session() as session:
        session.get(Account, admin.id).is_active = False
    user.find(marker='user-menu').click()
    user.find(marker='settings').click()  # the next action ends the page
    await on_sign_in_page(user, 'Your account has been deactivated. Ask an administrator.')
    response = await sign_in(user, *ADMIN)
    assert response.status_code == 401
    assert 'Your account has been deactivated. Ask an administrator.' in response.text


async def test_language_switch_turns_the_shell_arabic_and_right_to_left(user: User, admin):
    await open_signed_in(user, *ADMIN)
    user.find(marker='language-switch').elements.pop().set_value('ar')  # what a click on العربية does
    await user.should_see('مرحبًا، admin.', retries=40)
    await user.should_see('الرئيسية')
    assert user.client.page.language == 'ar'
    with db.session() as session:
        assert session.get(Account, admin.id).language == 'ar'
    await user.open('/')  # saved for the user, not just this page
    await user.should_see('منشورات فريقك خلال آخر 30 يومًا')
    from nicegui.translations import translations  # NiceGUI's own "connection lost" notice too

    assert translations['ar']['connection_lost'] == 'انقطع الاتصال'


async def test_change_password_needs_the_current_one(user: User, admin):
    await open_signed_in(user, *ADMIN)
    await user.open('/settings')
    user.find(marker='current').type('not my password')
    user.find(marker='new').type('a brand new password')
    user.find(marker='repeat').type('a brand new password')
    user.find(marker='save-password').click()
    await user.should_see('The current password is wrong.', retries=40)
    user.find(marker='current').clear().type(ADMIN[1])
    user.find(marker='save-password').click()
    await user.should_see('Your password has been changed. Other sessions were signed out.', retries=40,
                          kind=ui.notification)


def session_token(user: User) -> str:
    return user.http_client.cookies[SESSION_COOKIE]


def replace_session_token(user: User, token: str) -> None:
    """The browser's session cookie, replaced (as an attacker or an old cookie would)."""
    cookie = next(cookie for cookie in user.http_client.cookies.jar if cookie.name == SESSION_COOKIE)
    user.http_client.cookies.delete(SESSION_COOKIE)
    user.http_client.cookies.set(SESSION_COOKIE, token, domain=cookie.domain, path=cookie.path)


async def test_expired_token_leads_to_sign_in_and_back(user: User, admin):
    from datetime import timedelta

    from services.core.config import get_settings
    from services.core.models import utcnow
    from services.team import auth

    await open_signed_in(user, *ADMIN)
    replace_session_token(user, auth.issue_token(admin, get_settings().secret_key,
                                                 now=utcnow() - timedelta(minutes=31)))
    await user.open('/?view=week')
    await on_sign_in_page(user, 'Your session has expired. Please sign in again.')
    response = await sign_in(user, *ADMIN, form_url=str(user.plain_page.url))
    assert response.headers['location'] == '/?view=week'


async def test_tampered_token_leads_to_sign_in(user: User, admin):
    await open_signed_in(user, *ADMIN)
    header, claims, signature = session_token(user).split('.')
    replace_session_token(user, f'{header}.{claims}.{signature[::-1]}')
    await user.open('/')
    await on_sign_in_page(user, 'Your session is not valid. Please sign in again.')


async def test_active_user_token_is_renewed(user: User, admin):
    from datetime import timedelta

    from services.core.config import get_settings
    from services.core.models import utcnow
    from services.team import auth

    await open_signed_in(user, *ADMIN)
    aging = auth.issue_token(admin, get_settings().secret_key, now=utcnow() - timedelta(minutes=20))
    replace_session_token(user, aging)
    await user.open('/')
    await user.should_see(marker='welcome')
    renewed = session_token(user)
    assert renewed != aging
    assert auth.decode_token(renewed, get_settings().secret_key)['exp'] > utcnow().timestamp() + 29 * 60


async def test_signing_in_starts_a_new_session_so_a_planted_cookie_gains_nothing(user: User, admin):
    import httpx

    await user.http_client.get('/login')
    planted = user.http_client.cookies['session']  # what an attacker could have put in the browser beforehand
    assert (await sign_in(user, *ADMIN)).status_code == 303
    assert user.http_client.cookies['session'] != planted
    await user.open('/')
    await user.should_see(marker='welcome')
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test',
                                 cookies={'session': planted}) as attacker:
        response = await attacker.get('/')
    assert response.status_code == 307 and response.headers['location'].startswith('/login')


async def test_changing_the_password_ends_the_other_sessions_of_that_user(user: User, admin, create_user):
    other_browser = create_user()
    await open_signed_in(other_browser, *ADMIN, '/settings')
    await open_signed_in(user, *ADMIN, '/settings')
    user.find(marker='current').type(ADMIN[1])
    user.find(marker='new').type('a brand new password')
    user.find(marker='repeat').type('a brand new password')
    user.find(marker='save-password').click()
    await user.should_see('Your password has been changed. Other sessions were signed out.', retries=40,
                          kind=ui.notification)
    other_browser.find(marker='user-menu').click()
    other_browser.find(marker='settings').click()  # its next action ends it
    await on_sign_in_page(other_browser, 'Your session is not valid. Please sign in again.')
    await user.open('/')  # this browser carries on
    await user.should_see(marker='welcome')
