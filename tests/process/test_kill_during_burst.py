"""A real app process killed (kill -9) during a burst of 50 posts published now through the REST API, with pacing on
(TELEGRAM_PACING_SECONDS=0.5: shorter than Telegram's default 1 s to keep the test short, long enough that the
posts queue for their turn). Only deliveries whose request had reached Telegram (the fake) come back interrupted;
every other post is sent exactly once after the restart, without anyone's help."""
from __future__ import annotations

import os
import signal
import time
from collections import Counter

import httpx
from sqlmodel import select

from services.core import db
from services.core.config import configure, load_settings
from services.core.models import Delivery, DeliveryStatus, Post
from services.team import users
from tests.app_process import app_env, start_app, stop_app, wait_for
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram, Fault

POSTS = 50
PACING_SECONDS = 0.5
PASSWORD = 'a long password!'


def deliveries_by_text() -> dict[str, str]:
    """Each post's text and its (only) delivery's status."""
    with db.session() as session:
        return dict(session.exec(select(Post.text, Delivery.status).join(Delivery, Delivery.post_id == Post.id)).all())


def publish_burst(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as api:
        token = api.post('/api/v1/token', json={'username': 'admin', 'password': PASSWORD}).json()['access_token']
        for n in range(POSTS):
            created = api.post('/api/v1/posts', headers={'Authorization': f'Bearer {token}'},
                               json={'text': f'burst {n}', 'platforms': ['telegram'], 'action': 'publish'})
            assert created.status_code == 201, created.text


def test_a_kill_during_a_paced_burst_interrupts_only_what_reached_telegram_and_sends_the_rest_once(tmp_path):
    with FakeTelegram() as fake:
        env = app_env(DATA_DIR=str(tmp_path / 'data'), SECRET_KEY='k' * 40, TELEGRAM_API_URL=fake.base_url,
                      TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_CHAT_ID=str(DEFAULT_CHAT_ID),
                      TELEGRAM_PACING_SECONDS=str(PACING_SECONDS))
        log = tmp_path / 'app.log'
        settings = configure(load_settings({k: env[k] for k in ('DATA_DIR', 'SECRET_KEY')}, env_file=None))
        db.init_db(settings.database_url)
        users.create_first_admin('admin', PASSWORD, language='en', time_zone='UTC', ip='')
        first, base_url = start_app(env, tmp_path, log=log)
        try:
            publish_burst(base_url)
            wait_for(lambda: len(fake.sent) >= 5, 30)  # the burst is well under way, most posts still queued
            fake.inject(Fault.slow(60))  # the next request reaches Telegram and hangs there: the kill cuts it off
            wait_for(lambda: fake.pending_faults == 0, 30, every=0.005)
        finally:
            os.kill(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
        wait_for(lambda: any(call.status == -1 for call in fake.calls), 10)  # Telegram saw the client leave
        at_kill = Counter(deliveries_by_text().values())
        reached = {call.params.get('text') for call in fake.calls if call.method == 'sendMessage'}

        second, _url = start_app(env, tmp_path, log=log)
        try:
            wait_for(lambda: not {DeliveryStatus.PENDING, DeliveryStatus.PUBLISHING} & set(
                deliveries_by_text().values()), 120, every=0.5)
            time.sleep(1.0)  # room for a wrong resend to happen
            final = deliveries_by_text()
        finally:
            stop_app(second)

    interrupted = {text for text, status in final.items() if status == DeliveryStatus.INTERRUPTED}
    sent = Counter(message.text for message in fake.sent)
    print(f'\nat the kill: {dict(at_kill)}; requests that had reached the fake: {len(reached)}; '
          f'after the restart: {len(interrupted)} interrupted, {len(final) - len(interrupted)} published')
    assert len(final) == POSTS
    assert interrupted and interrupted <= reached  # only what may have arrived
    assert all(final[text] == DeliveryStatus.PUBLISHED for text in final.keys() - interrupted)
    assert all(sent[text] == 1 for text in final.keys() - interrupted)  # every other post arrived once
    assert all(count == 1 for count in sent.values())  # nothing twice
