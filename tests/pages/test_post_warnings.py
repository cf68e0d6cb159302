"""Warnings before a post would fail, where the user works: under the composer's time, and as an icon on the
calendar's post, with the reason and the way out."""
from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui.testing import User

from services.connections import accounts
from services.core.config import get_settings
from services.core.models import utcnow
from services.core.timezones import utc_to_local
from services.notifications import lookahead
from tests.conftest import ADMIN, open_signed_in
from tests.fakes.instagram import DEFAULT_TOKEN, DEFAULT_USER_ID, FakeInstagram, Fault
from tests.harness import scheduled
from tests.harness.builders import stored_photo


@pytest.fixture
def instagram(monkeypatch):
    with FakeInstagram() as fake:
        monkeypatch.setenv('INSTAGRAM_API_URL', fake.base_url)
        monkeypatch.setenv('PUBLIC_BASE_URL', 'http://127.0.0.1:8080')  # http: the test client keeps the cookie
        yield fake


def label_of(user: User, marker: str) -> str:
    return user.find(marker=marker).elements.pop().props['aria-label']


async def test_a_token_instagram_will_not_renew_puts_a_warning_on_the_calendar_and_in_the_bell(
        instagram, user: User, admin):
    accounts.save_account('instagram', '@fake_creator', {'access_token': DEFAULT_TOKEN, 'user_id': DEFAULT_USER_ID,
                                                         'expires_at': (utcnow() + timedelta(minutes=20)).isoformat()})
    post_id = scheduled('Launch day', at=utcnow() + timedelta(minutes=45), platforms=['instagram'],
                        media_ids=[await stored_photo()])
    fine = scheduled('Fine', at=utcnow() + timedelta(minutes=50), platforms=['instagram'],
                     media_ids=[await stored_photo('navy')])
    instagram.inject(Fault.error('too_young', 400, 100, 'The access token cannot be refreshed yet'), on='refresh')
    await lookahead.warn_due_soon(get_settings())
    await open_signed_in(user, *ADMIN, '/calendar?view=list')
    await user.should_see(marker=f'risk-{post_id}')
    assert label_of(user, f'risk-{post_id}').startswith(
        'Would fail: Instagram · @fake_creator: its sign-in expires before the post is due and could not be '
        'renewed. Reconnect Instagram · @fake_creator before ')
    await user.should_see(marker=f'risk-{fine}')  # the same channel, the same token: every post on it is at risk
    assert user.find(marker='bell-count').elements.pop().text == '3'  # both posts, and the sign-in itself
    user.find(marker='bell').click()
    await user.should_see('“Launch day” would fail on Instagram · @fake_creator: its sign-in expires before the post '
                          'is due and could not be renewed. Fix it before it is due.')
    await user.should_see('could not be renewed: reconnect it before then.')


async def test_the_composer_names_each_channels_problem_with_the_way_out_for_the_chosen_time(
        instagram, user: User, admin):
    accounts.save_account('instagram', '@fake_creator', {'access_token': DEFAULT_TOKEN, 'user_id': DEFAULT_USER_ID,
                                                         'expires_at': (utcnow() + timedelta(days=1)).isoformat()})
    instagram.inject(Fault.error('too_young', 400, 100, 'The access token cannot be refreshed yet'), on='refresh')
    await open_signed_in(user, *ADMIN, '/compose')
    user.find(marker='platform-instagram').elements.pop().set_value(True)
    await user.should_not_see(marker='risk')  # due in an hour: the token lasts until then
    day = utc_to_local(utcnow() + timedelta(days=2), 'Europe/Berlin').strftime('%Y-%m-%d')
    user.find(marker='schedule-date').elements.pop().set_value(day)
    user.find(marker='schedule-time').elements.pop().set_value('09:00')
    await user.should_see(marker='risk', retries=40)
    said = user.find(marker='risk').elements.pop().text
    assert said.startswith('Instagram · @fake_creator: its sign-in expires before the post is due and could not be '
                           'renewed. Reconnect Instagram · @fake_creator before ')
    assert said.endswith('9:00\u202fAM.')
    assert [call.path for call in instagram.calls] == ['/refresh_access_token']  # renewing was tried first
