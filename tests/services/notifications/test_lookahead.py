"""The whole check before a post would fail, with the platforms asked first: a token the platform will not renew
before the due time, and a day whose Instagram publishing quota is used up."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.models import Notification, PlatformAccount, utcnow
from services.notifications import inbox, lookahead, outbox, risks, wording
from services.notifications.kinds import Choice, Kind
from tests.fakes.instagram import DEFAULT_TOKEN, DEFAULT_USER_ID, FakeInstagram, Fault
from tests.fakes.mail_server import MailServer
from tests.harness import boot, first_admin, scheduled, stop_services
from tests.harness.builders import channel_of, stored_photo

REFUSED = Fault.error('too_young', 400, 100, 'The access token cannot be refreshed yet')


@pytest.fixture
def mail_server():
    with MailServer() as server:
        yield server


@pytest.fixture
def instagram():
    with FakeInstagram(quota_total=3) as fake:
        yield fake


@pytest.fixture
async def admin(mail_server, instagram):
    settings = boot(**mail_server.settings, INSTAGRAM_API_URL=instagram.base_url, OUTBOX_RETRY_SECONDS='0',
                    PUBLIC_BASE_URL='https://app.example.com')
    person = first_admin('admin')
    inbox.save_choices(person.id, email='admin@example.com', digest_time='08:00',
                       choices={Kind.POST_AT_RISK: Choice.EMAIL})
    yield settings, person
    await stop_services()


def connect_instagram(token_lasts: timedelta) -> int:
    expires = (utcnow() + token_lasts).isoformat()
    accounts.save_account('instagram', '@fake_creator', {'access_token': DEFAULT_TOKEN, 'user_id': DEFAULT_USER_ID,
                                                         'expires_at': expires})
    return channel_of('instagram')


def warnings_of(user_id: int) -> list[str]:
    with db.session() as session:
        rows = session.exec(select(Notification).where(Notification.user_id == user_id,
                                                       Notification.kind == Kind.POST_AT_RISK)).all()
        return [wording.message(entry, 'en', 'UTC') for entry in inbox.entries(session, rows)]


async def test_a_token_the_platform_will_not_renew_before_the_due_time_warns_and_emails_at_once(
        admin, instagram, mail_server):
    settings, person = admin
    connect_instagram(timedelta(minutes=20))
    post_id = scheduled('Launch day', at=utcnow() + timedelta(minutes=45), platforms=['instagram'],
                        media_ids=[await stored_photo()])
    assert warnings_of(person.id) == []  # the app may still renew it: nothing to say yet
    instagram.inject(REFUSED, on='refresh')
    assert await lookahead.warn_due_soon(settings) == 1
    assert [call.path for call in instagram.calls if call.path.endswith('refresh_access_token')] == \
        ['/refresh_access_token']
    assert warnings_of(person.id) == ['“Launch day” would fail on Instagram · @fake_creator: its sign-in expires '
                                      'before the post is due and could not be renewed. Fix it before it is due.']
    with db.session() as session:
        assert [risk.reason for risk in risks.problems(session, post_id)] == [risks.TOKEN_RUNS_OUT]
    assert await outbox.OutboxSender(settings).run_once() == 1
    [email] = mail_server.to('admin@example.com')
    assert 'its sign-in expires before the post is due' in email.get_body(('plain',)).get_content()


async def test_a_token_renewed_in_time_is_no_risk(admin, instagram):
    settings, person = admin
    connect_instagram(timedelta(minutes=20))
    scheduled('Launch day', at=utcnow() + timedelta(minutes=45), platforms=['instagram'],
              media_ids=[await stored_photo()])
    assert await lookahead.warn_due_soon(settings) == 0
    with db.session() as session:
        account = session.exec(select(PlatformAccount)).one()
    assert account.token_expires_at > utcnow() + timedelta(days=50)
    assert warnings_of(person.id) == []


async def test_a_post_due_when_the_days_instagram_quota_is_used_up_is_at_risk(admin, instagram):
    settings, _person = admin
    channel = connect_instagram(timedelta(days=50))
    instagram.earlier_usage = 1  # published by another app an hour ago
    media = [await stored_photo()]
    scheduled('First', at=utcnow() + timedelta(hours=2), platforms=['instagram'], media_ids=media)
    second = scheduled('Second', at=utcnow() + timedelta(hours=3), platforms=['instagram'], media_ids=media)
    with db.session() as session:
        assert risks.problems(session, second) == []
    in_four_hours = await lookahead.risks_of_draft(settings, [channel], [], utcnow() + timedelta(hours=4))
    assert in_four_hours == [risks.Risk(channel, risks.QUOTA_USED_UP)]
    assert [call.path for call in instagram.calls][-1] == f'/{DEFAULT_USER_ID}/content_publishing_limit'
    assert await lookahead.risks_of_draft(settings, [channel], [], utcnow() + timedelta(hours=30)) == []
