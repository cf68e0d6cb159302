"""Warnings before a post would fail: when it is scheduled, and within the hour before it is due."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.models import Notification, PlatformAccount, utcnow
from services.notifications import inbox, risks, wording
from services.notifications.kinds import Kind
from tests.harness import boot, first_admin, listed, scheduled, stop_services
from tests.harness.builders import channel_of, media_rows
from tests.harness.statements import statements_sent


@pytest.fixture
async def admin():
    boot()
    person = first_admin('admin')
    listed('telegram')
    yield person
    await stop_services()


def warnings_of(user_id: int) -> list[str]:
    with db.session() as session:
        rows = session.exec(select(Notification).where(Notification.user_id == user_id,
                                                       Notification.kind == Kind.POST_AT_RISK)).all()
        return [wording.message(entry, 'en', 'UTC') for entry in inbox.entries(session, rows)]


async def test_a_channel_that_needs_reconnecting_warns_within_the_hour_once(admin):
    post_id = scheduled('Soon', at=utcnow() + timedelta(minutes=40))
    scheduled('Tomorrow', days=1)
    assert warnings_of(admin.id) == []
    with db.session() as session:
        account_id = session.exec(select(PlatformAccount.id)).one()
    accounts.mark_needs_reconnect(account_id)
    assert risks.warn_due_soon() == 1
    assert risks.warn_due_soon() == 1  # found again, told once
    assert warnings_of(admin.id) == ['“Soon” would fail on Telegram · @telegram-team: the channel is not connected. '
                                     'Fix it before it is due.']
    [entry] = [e for e in inbox.latest(admin.id) if e.kind == Kind.POST_AT_RISK]
    assert wording.link(entry) == f'/history/{post_id}'


async def test_media_that_is_no_longer_stored_warns_when_the_post_is_scheduled(admin):
    scheduled('With a photo', days=2, media_ids=media_rows(1))  # a row whose file is gone
    assert warnings_of(admin.id) == ['“With a photo” would fail on Telegram · @telegram-team: a photo or video of the '
                                     'post is no longer stored. Fix it before it is due.']


async def test_a_post_with_nothing_wrong_warns_no_one(admin):
    scheduled('Fine', at=utcnow() + timedelta(minutes=30))
    assert risks.warn_due_soon() == 0
    assert warnings_of(admin.id) == []


async def test_the_calendar_reads_the_risks_of_eight_posts_in_as_many_statements_as_of_one(admin):
    listed('instagram')
    with db.session() as session:
        account = session.exec(select(PlatformAccount).where(PlatformAccount.platform == 'instagram')).one()
        account.quota_total, account.quota_used, account.quota_read_at = 2, 0, utcnow()
        session.add(account)
    start = utcnow() + timedelta(hours=2)
    posts = [scheduled(f'Post {n}', at=start + timedelta(hours=n), platforms=['telegram', 'instagram'],
                       media_ids=media_rows(1)) for n in range(8)]
    with statements_sent() as for_one:
        risks.of_posts(posts[:1])
    with statements_sent() as for_eight:
        found = risks.of_posts(posts)
    assert len(for_eight) == len(for_one)
    instagram = channel_of('instagram')
    # every post's photo is gone; from the third on, the two before it take Instagram's quota of two a day
    assert [sorted({risk.reason for risk in found[post] if risk.channel_id == instagram}) for post in posts] == \
        [[risks.MEDIA_MISSING, risks.NO_PUBLIC_URL]] * 2 + \
        [[risks.MEDIA_MISSING, risks.NO_PUBLIC_URL, risks.QUOTA_USED_UP]] * 6
