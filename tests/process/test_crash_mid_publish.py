"""A real app process killed (kill -9) while a post is being sent: at the next start the delivery is
interrupted, not sent again."""
from __future__ import annotations

import signal
import time

from sqlmodel import select

from services.core import db
from services.core.models import Delivery, DeliveryStatus
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from tests.app_process import start_app, stop_app, wait_for
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram, Fault
from tests.harness import boot, first_admin, process_env
from tests.harness.builders import channels_of


def test_kill_during_send_leaves_the_delivery_interrupted_and_sends_nothing_twice(tmp_path):
    with FakeTelegram() as fake:
        env = process_env(TELEGRAM_API_URL=fake.base_url, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
                          TELEGRAM_CHAT_ID=str(DEFAULT_CHAT_ID), TELEGRAM_PACING_SECONDS='0')
        first, _url = start_app(env, tmp_path)  # creates the database and the account from the environment
        boot()
        author = first_admin('author')
        first.send_signal(signal.SIGKILL)
        first.wait()
        # Queued for "now": the next start picks it up and sends it while the fake is slow to answer.
        post = editing.save_post(author.id, PostInput(text='Sent once', channels=channels_of(['telegram'])),
                                 SaveAction.PUBLISH)
        fake.inject(Fault.slow(30))
        second, _url = start_app(env, tmp_path)
        wait_for(lambda: fake.pending_faults == 0)  # the send has reached Telegram, which is slow to answer
        assert _status(post.id) == DeliveryStatus.PUBLISHING
        second.send_signal(signal.SIGKILL)
        second.wait()

        third, _url = start_app(env, tmp_path)
        try:
            wait_for(lambda: _status(post.id) == DeliveryStatus.INTERRUPTED)
            time.sleep(1.0)  # room for a wrong resend to happen
            assert _status(post.id) == DeliveryStatus.INTERRUPTED
            sends = [call for call in fake.calls if call.method == 'sendMessage']
            assert len(sends) <= 1
            assert fake.sent == []  # the killed send never completed, and nothing sent it again
        finally:
            stop_app(third)


def _status(post_id: int) -> str:
    with db.session() as session:
        return session.exec(select(Delivery.status).where(Delivery.post_id == post_id)).one()
