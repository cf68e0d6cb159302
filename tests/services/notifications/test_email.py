"""Emails through a real SMTP server on 127.0.0.1: one per event, in the reader's language, the daily digest, a
server that is down for a while, and a sender that dies with its rows claimed."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.models import Notification, OutboxMessage, Role, utcnow
from services.notifications import digests, inbox, mail, outbox
from services.notifications.kinds import Choice, Kind
from services.publishing import engine
from tests.fakes.mail_server import MailServer
from tests.fakes.telegram import FakeTelegram, Fault
from tests.harness import boot, connected, draft, first_admin, queued, stop_services
from tests.harness.builders import channel_of, teammate


@pytest.fixture
def mail_server():
    with MailServer() as server:
        yield server


@pytest.fixture
async def team(mail_server):
    settings = boot(**mail_server.settings, OUTBOX_RETRY_SECONDS='0')
    admin = first_admin('admin')
    layla = teammate('layla', Role.EDITOR, language='ar', time_zone='Asia/Riyadh')
    yield settings, admin, layla
    await stop_services()


def wants_email(user, choice: Choice = Choice.EMAIL, *, at: str = '08:00') -> None:
    inbox.save_choices(user.id, email=f'{user.username}@example.com', digest_time=at,
                       choices={kind: choice for kind in Kind})


def failed_post(text: str) -> int:
    post_id = draft(text)
    with db.session() as session:
        inbox.tell(session, Kind.DELIVERY_FAILED, post_id=post_id, channel_id=channel_of('telegram'),
                   detail='Bad Request: chat not found')
    return post_id


def bodies(message) -> tuple[str, str]:
    return (message.get_body(('plain',)).get_content(), message.get_body(('html',)).get_content())


async def test_a_failed_delivery_sends_one_email_in_each_readers_language(mail_server):
    with FakeTelegram() as fake:
        settings = boot(**mail_server.settings, TELEGRAM_API_URL=fake.base_url, TELEGRAM_PACING_SECONDS='0',
                        PUBLISH_MAX_ATTEMPTS='1')
        admin = first_admin('admin')
        layla = teammate('layla', Role.EDITOR, language='ar', time_zone='Asia/Riyadh')
        wants_email(admin)
        wants_email(layla)
        connected('telegram')
        fake.inject(Fault.chat_not_found())
        await engine.init_engine(settings).publish_post(queued('Launch day', author_id=admin.id))
        sender = outbox.OutboxSender(settings)
        assert await sender.run_once() == 2
        assert await sender.run_once() == 0
        await stop_services()
    [english] = mail_server.to('admin@example.com')
    assert english['Subject'] == 'Anonymous Creations: A post could not be published'
    text, html = bodies(english)
    assert '“Launch day” could not be published to Telegram' in text and 'Bad Request: chat not found' in text
    assert 'dir="ltr"' in html
    [arabic] = mail_server.to('layla@example.com')
    assert arabic['Subject'] == 'إبداعات مجهولة: تعذّر نشر منشور'
    text, html = bodies(arabic)
    assert 'تعذّر نشر «\u2068Launch day\u2069»' in text
    assert '<html lang="ar" dir="rtl">' in html


async def test_a_mail_server_that_is_down_delays_the_email_and_never_drops_it(team, mail_server):
    settings, admin, _layla = team
    wants_email(admin)
    mail_server.stop()
    failed_post('While the server was away')
    sender = outbox.OutboxSender(settings)
    assert await sender.run_once() == 0
    assert await sender.run_once() == 0  # tried again: still away
    with db.session() as session:
        [row] = session.exec(select(OutboxMessage)).all()
    assert row.sent_at is None and row.attempts == 2 and 'could not be reached' in row.last_error
    mail_server.start()
    assert await sender.run_once() == 1
    assert await sender.run_once() == 0
    assert len(mail_server.to('admin@example.com')) == 1


async def test_the_wait_before_a_retry_doubles(team, mail_server):
    settings, admin, _layla = team
    wants_email(admin)
    mail_server.stop()
    failed_post('Waiting')
    sender = outbox.OutboxSender(boot(**mail_server.settings, OUTBOX_RETRY_SECONDS='600'))
    waits = []
    for _ in range(3):
        await sender.run_once()
        with db.session() as session:
            row = session.exec(select(OutboxMessage)).one()
            waits.append(round((row.next_try_at - db.database_now()).total_seconds() / 600))
            session.exec(sa.update(OutboxMessage).values(next_try_at=utcnow()))  # the wait is over
    assert waits == [1, 2, 4]


async def test_twenty_emails_claimed_by_a_sender_that_died_are_each_sent_once(team, mail_server):
    settings, admin, _layla = team
    wants_email(admin)
    for number in range(20):
        failed_post(f'Post {number}')
    dead = outbox.OutboxSender(settings)
    assert len(dead.claim(limit=50)) == 20  # then the process is killed
    survivor = outbox.OutboxSender(settings)
    assert await survivor.run_once() == 0  # the dead one's leases still hold
    with db.session() as session:
        session.exec(sa.update(OutboxMessage).values(lease_until=utcnow() - timedelta(seconds=1)))
    assert await survivor.run_once() == 20
    assert await dead.run_once() == 0
    received = mail_server.to('admin@example.com')
    assert len(received) == 20
    assert len({message['Message-ID'] for message in received}) == 20


async def test_the_daily_digest_comes_once_at_the_users_time_in_their_zone(team, mail_server):
    settings, _admin, layla = team
    wants_email(layla, Choice.DIGEST, at='08:00')  # Riyadh is UTC+3: 05:00 UTC
    failed_post('First')
    failed_post('Second')
    with db.session() as session:  # both written on 10 January, after that day's digest
        session.exec(sa.update(Notification).values(created_at=datetime(2027, 1, 10, 12, 0, tzinfo=UTC)))
    assert digests.queue_due(datetime(2027, 1, 11, 4, 59, tzinfo=UTC)) == 0  # 07:59 in Riyadh
    assert digests.queue_due(datetime(2027, 1, 11, 5, 0, tzinfo=UTC)) == 1
    assert digests.queue_due(datetime(2027, 1, 11, 5, 30, tzinfo=UTC)) == 0
    assert await outbox.OutboxSender(settings).run_once() == 1
    [digest] = mail_server.to('layla@example.com')
    assert digest['Subject'] == 'إبداعات مجهولة: ملخصك اليومي، إشعاران'
    text, _html = bodies(digest)
    assert '«\u2068First\u2069»' in text and '«\u2068Second\u2069»' in text


async def test_send_a_test_email_reaches_the_user_or_says_why_not(team, mail_server):
    settings, admin, layla = team
    with pytest.raises(mail.MailError) as no_address:
        outbox.send_test_email(admin.id, settings)
    assert no_address.value.message == outbox.NO_ADDRESS
    wants_email(layla)
    assert outbox.send_test_email(layla.id, settings) == 'layla@example.com'
    [test] = mail_server.to('layla@example.com')
    assert 'البريد يعمل' in bodies(test)[0]
    mail_server.stop()
    with pytest.raises(mail.MailError) as away:
        outbox.send_test_email(layla.id, settings)
    assert away.value.message == mail.UNREACHABLE and away.value.params['server'] == f'127.0.0.1:{mail_server.port}'
