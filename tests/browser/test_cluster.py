"""Two app processes on one PostgreSQL behind Debian's nginx, configured with deploy/nginx.conf itself (only the
addresses swapped): a browser stays on the process that served its page, a session started through one process
holds on the other, and a page open on one process shows, live, a delivery the other sent."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from services.connections import accounts
from tests.app_process import ROOT, free_port, start_app, stop_app
from tests.conftest import empty_postgres
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram
from tests.harness import boot, first_admin, process_env

POSTGRES_URL = os.environ.get('TEST_POSTGRES_URL', '')
NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
ADMIN = ('admin', 'correct horse battery')
pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason='several processes share PostgreSQL (TEST_POSTGRES_URL)')


class Cluster:
    """App processes `app1` and `app2` (ROUTE_NAME) on one database and one data folder, and nginx before them."""

    def __init__(self, tmp_path: Path, settings: dict[str, str]) -> None:
        self.tmp = tmp_path
        self.apps = {}
        for name in ('app1', 'app2'):
            cwd = tmp_path / name  # NiceGUI's own per-process storage; uploads are in the shared DATA_DIR
            cwd.mkdir()
            self.apps[name] = start_app(process_env(ROUTE_NAME=name, **settings), cwd, log=cwd / 'app.log')
        self.port = free_port()
        self.nginx = subprocess.Popen([NGINX, '-c', str(self._nginx_conf()), '-p', str(tmp_path), '-e',
                                       str(tmp_path / 'nginx-error.log')], stderr=subprocess.STDOUT)
        self.url = f'http://127.0.0.1:{self.port}'
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f'{self.url}/readyz', timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f'nginx did not answer: {(tmp_path / "nginx-error.log").read_text()}')

    def direct(self, name: str) -> str:
        return self.apps[name][1]

    def _nginx_conf(self) -> Path:
        site = (ROOT / 'deploy' / 'nginx.conf').read_text()
        for name, (_process, url) in self.apps.items():
            site = site.replace(f'{name}:8080', url.removeprefix('http://'))
        site = site.replace('listen 80;', f'listen 127.0.0.1:{self.port};')
        (self.tmp / 'site.conf').write_text(site)
        temp = ' '.join(f'{kind}_temp_path {self.tmp / kind};' for kind in ('client_body', 'proxy', 'fastcgi',
                                                                             'uwsgi', 'scgi'))
        main = self.tmp / 'nginx.conf'
        main.write_text(f'daemon off; worker_processes 1; pid {self.tmp / "nginx.pid"}; user root;\n'
                        f'events {{}}\nhttp {{ access_log off; {temp} include {self.tmp / "site.conf"}; }}\n')
        return main

    def stop(self) -> None:
        self.nginx.terminate()
        self.nginx.wait(timeout=10)
        for process, _url in self.apps.values():
            stop_app(process)


@pytest.fixture
def cluster(tmp_path):
    database = empty_postgres(POSTGRES_URL)
    with FakeTelegram() as fake:
        telegram = {'TELEGRAM_API_URL': fake.base_url, 'TELEGRAM_BOT_TOKEN': DEFAULT_TOKEN,
                    'TELEGRAM_CHAT_ID': str(DEFAULT_CHAT_ID), 'TELEGRAM_PACING_SECONDS': '0'}
        settings = {'DATABASE_URL': database, 'DATA_DIR': str(tmp_path / 'data'), **telegram}
        accounts.sync_env_accounts(boot(**settings))
        first_admin(*ADMIN)
        running = Cluster(tmp_path, settings)
        yield running, fake
        running.stop()


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
