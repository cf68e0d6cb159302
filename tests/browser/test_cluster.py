"""Two app processes on one PostgreSQL behind Debian's nginx, configured with deploy/nginx.conf itself (only the
addresses swapped): a browser stays on the process that served its page, a session started through one process
holds on the other, and a page open on one process shows, live, a delivery the other sent."""
from __future__ import annotations

import os
import re

import httpx
import pytest
from playwright.sync_api import expect

from tests.fakes.telegram import FakeTelegram
from tests.harness.cluster import telegram_cluster

POSTGRES_URL = os.environ.get('TEST_POSTGRES_URL', '')
ADMIN = ('admin', 'correct horse battery')
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason='several processes share PostgreSQL (TEST_POSTGRES_URL)')


@pytest.fixture
def cluster(tmp_path):
    with FakeTelegram() as fake, telegram_cluster(POSTGRES_URL, tmp_path, fake.base_url, ADMIN) as running:
        yield running, fake


def sign_in(client: httpx.Client) -> None:
    form = client.get('/login')
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.text))
    answer = client.post('/login', data={**hidden, 'username': ADMIN[0], 'password': ADMIN[1]})
    assert answer.status_code == 303, answer.text


def test_a_session_started_through_one_process_holds_on_the_other(cluster):
    running, _fake = cluster
    with httpx.Client(base_url=running.url) as browser:
        sign_in(browser)
        served_by = browser.cookies['ac_route']  # the process that answered, which this browser now sticks to
        other = 'app2' if served_by == 'app1' else 'app1'
        assert browser.get('/').status_code == 200

        # that process goes away: the next request reaches the other, still signed in
        cookies = {'ac_session': browser.cookies['ac_session']}
        with httpx.Client(base_url=running.direct(other), cookies=cookies) as on_other:
            assert on_other.get('/').status_code == 200  # the page itself, not a redirect to sign in


def test_a_page_open_on_one_process_shows_live_what_the_other_sent(cluster, page):
    running, fake = cluster
    page.goto(f'{running.url}/login')
    page.get_by_label('Username').fill(ADMIN[0])
    page.get_by_label('Password').fill(ADMIN[1])
    page.get_by_role('button', name='Sign in').click()
    expect(page.get_by_text(f'Welcome, {ADMIN[0]}.')).to_be_visible()
    page.goto(f'{running.url}/history')
    served_by = next(cookie['value'] for cookie in page.context.cookies() if cookie['name'] == 'ac_route')
    other = 'app2' if served_by == 'app1' else 'app1'

    with httpx.Client(base_url=running.direct(other)) as api:  # a script publishes through the other process
        token = api.post('/api/v1/token', json={'username': ADMIN[0], 'password': ADMIN[1]}).json()['access_token']
        created = api.post('/api/v1/posts', headers={'Authorization': f'Bearer {token}'},
                           json={'text': 'Sent by the other process', 'platforms': ['telegram'],
                                 'action': 'publish'})
        assert created.status_code == 201, created.text

    card = page.locator('.q-card').filter(has_text='Sent by the other process')
    expect(card.get_by_text(re.compile(r'^Telegram · .+ · Published$'))).to_be_visible()
    assert [message.text for message in fake.sent] == ['Sent by the other process']
