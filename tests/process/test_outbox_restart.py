"""A real app process killed (kill -9) with 20 emails in its outbox while it waits on a mail server that accepted the
connection and never answers (one email claimed under its lease, the others queued): after the restart, with a
working server, each email arrives exactly once."""
from __future__ import annotations

import os
import signal
import socket
import time

from sqlmodel import select

from services.core import db
from services.core.config import configure, load_settings
from services.core.models import OutboxMessage
from services.notifications import inbox
from services.notifications.kinds import Choice, Kind
from services.team import users
from tests.app_process import app_env, start_app, stop_app, wait_for
from tests.fakes.mail_server import MailServer
from tests.harness.builders import channel_of, draft, listed

EMAILS = 20


def outbox_rows() -> list[OutboxMessage]:
    with db.session() as session:
        return list(session.exec(select(OutboxMessage)))


def test_twenty_queued_emails_each_arrive_once_after_a_kill_and_a_restart(tmp_path):
    server = MailServer()
    hanging = socket.create_server(('127.0.0.1', server.port))  # takes connections, never says a word
    env = app_env(DATA_DIR=str(tmp_path / 'data'), SECRET_KEY='k' * 40, OUTBOX_RETRY_SECONDS='1',
                  DELIVERY_LEASE_SECONDS='3', **server.settings)
    settings = configure(load_settings({k: env[k] for k in ('DATA_DIR', 'SECRET_KEY')}, env_file=None))
    db.init_db(settings.database_url)
    admin = users.create_first_admin('admin', 'a long password!', language='en', time_zone='UTC', ip='')
    inbox.save_choices(admin.id, email='admin@example.com', digest_time='08:00',
                       choices={Kind.DELIVERY_FAILED: Choice.EMAIL})
    listed('telegram')
    for number in range(EMAILS):
        post_id = draft(f'Post {number}', author_id=admin.id)
        with db.session() as session:
            inbox.tell(session, Kind.DELIVERY_FAILED, post_id=post_id, channel_id=channel_of('telegram'))
    log = tmp_path / 'app.log'
    first, _url = start_app(env, tmp_path, log=log)
    try:
        wait_for(lambda: any(row.owner for row in outbox_rows()), 30)  # claimed, its send hanging
    finally:
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert sum(1 for row in outbox_rows() if row.owner) == 1 and not any(row.sent_at for row in outbox_rows())
    hanging.close()
    server.start()
    second, _url = start_app(env, tmp_path, log=log)
    try:
        wait_for(lambda: len(server.received) >= EMAILS, 90)  # the claimed one once its lease (3 + 20 s) runs out
        time.sleep(6.0)  # room for a wrong resend: leases of 3 s, a sender every 5 s
    finally:
        stop_app(second)
        server.stop()
    assert len(server.received) == EMAILS
    assert len({message['Message-ID'] for message in server.received}) == EMAILS
    assert all(row.sent_at is not None for row in outbox_rows())
