"""A real app process killed with SIGKILL around a scheduled post: the database, not memory, decides what is sent."""
from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest

from services.connections import accounts
from services.core import db
from services.core.models import Post, PostStatus, utcnow
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from tests import app_process as live
from tests.app_process import wait_for
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram
from tests.harness import boot, first_admin, process_env
from tests.harness.builders import channels_of


class AppProcess:
    """The app process of one test, started again after each kill; its output goes to `log`."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log

    def start(self) -> None:
        with self.log.open('a') as out:
            out.write('--- start\n')
        self.process, _url = live.start_app(self.env, self.log.parent, log=self.log)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        live.stop_app(self.process)


@pytest.fixture
def fake():
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def app_process(fake, tmp_path):
    telegram = {'TELEGRAM_API_URL': fake.base_url, 'TELEGRAM_BOT_TOKEN': DEFAULT_TOKEN,
                'TELEGRAM_CHAT_ID': str(DEFAULT_CHAT_ID), 'TELEGRAM_PACING_SECONDS': '0'}
    accounts.sync_env_accounts(boot(**telegram))  # what the app does at start, so the post below can be scheduled
    first_admin()
    app = AppProcess(process_env(**telegram), tmp_path / 'app.log')
    yield app
    app.stop()


def status_of(post_id: int) -> str:
    with db.session() as session:
        return session.get(Post, post_id).status


def test_a_post_due_while_the_app_was_killed_is_published_exactly_once_after_restart(app_process, fake, tmp_path):
    due = utcnow() + timedelta(seconds=25)  # a start on a busy 2-core machine (tests on both cores) takes seconds
    post_id = editing.save_post(1, PostInput(text='Survives a kill', channels=channels_of(['telegram']),
                                             scheduled_at=due),
                              SaveAction.SCHEDULE).id

    app_process.start()
    wait_for(lambda: 'scheduler: 1 post(s) waiting' in (tmp_path / 'app.log').read_text(), 24)
    app_process.kill()  # before the post is due: its job dies with the process
    assert fake.sent == [] and status_of(post_id) == PostStatus.SCHEDULED

    time.sleep(max(0.0, (due - utcnow()).total_seconds()) + 1)
    app_process.start()  # late by about a second, well within the grace: published at start-up
    wait_for(lambda: status_of(post_id) == PostStatus.PUBLISHED, 20)
    assert [m.text for m in fake.sent] == ['Survives a kill']

    app_process.kill()
    app_process.start()  # a restart after publishing sends nothing again
    time.sleep(2)
    assert len(fake.sent) == 1 and status_of(post_id) == PostStatus.PUBLISHED
