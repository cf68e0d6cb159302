"""The Posts list offers Publish now and Reschedule on a missed post, to the roles that may use them; each row says
how long ago or until when, beside the date."""
from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User

from components import relative_time
from services.core.models import PostStatus, Role, utcnow
from services.core.models import User as Account
from services.core.timezones import utc_to_local
from services.posts import actions
from services.publishing import due_timer
from services.publishing.engine import get_engine
from services.team import permissions
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness import missed, own_password, post_of, reschedule_in_dialog, scheduled, teammate

pytestmark = pytest.mark.both_databases


async def signed_in(user: User, account: Account, path: str) -> None:
    """Open `path` signed in (through the sign-in form) as `account`: the admin, or a teammate made below."""
    password = ADMIN[1] if account.username == ADMIN[0] else own_password(account.username)
    await open_signed_in(user, account.username, password, path)


async def test_a_missed_post_is_published_now_from_the_list(telegram, user: User, admin):
    late = missed('Better late than never')
    await signed_in(user, admin, '/history')
    with user.scope(marker=f'post-{late}'):
        await user.should_see('Missed')
        await user.should_see('2 hours ago')
    user.find(marker=f'publish-missed-{late}').click()
    await user.should_see('Publishing started.', kind=ui.notification, retries=20)
    await eventually(lambda: post_of(late).status == PostStatus.PUBLISHED)
    await get_engine().wait_idle()
    assert [m.text for m in telegram.sent] == ['Better late than never']
    await user.should_not_see(marker=f'publish-missed-{late}')
    await user.should_not_see(marker=f'reschedule-{late}')


async def test_a_missed_post_is_rescheduled_from_the_list(telegram, user: User, admin):
    late = missed('Try again tomorrow')
    await signed_in(user, admin, '/history')
    tomorrow = utc_to_local(utcnow() + timedelta(days=1), 'Europe/Berlin').date()
    await reschedule_in_dialog(user, late, tomorrow, '10:00')
    await eventually(lambda: post_of(late).status == PostStatus.SCHEDULED)
    assert due_timer.get_scheduler().next_run(late) == post_of(late).scheduled_at
    with user.scope(marker=f'post-{late}'):
        await user.should_see('Scheduled', retries=20)
        await user.should_not_see('Missed')
    await user.should_not_see(marker=f'publish-missed-{late}')
    assert telegram.sent == []


async def test_an_editor_gets_both_actions_and_only_on_missed_posts(telegram, user: User, admin):
    late = missed('Missed it')
    later = scheduled('Still waiting', days=3)
    await signed_in(user, teammate('eddie', Role.EDITOR), '/history')
    await user.should_see(marker=f'publish-missed-{late}')
    await user.should_see(marker=f'reschedule-{late}')
    await user.should_not_see(marker=f'publish-missed-{later}')
    await user.should_not_see(marker=f'reschedule-{later}')
    with user.scope(marker=f'post-{later}'):
        await user.should_see('in 3 days')


async def test_a_viewer_sees_a_missed_post_but_can_neither_publish_nor_reschedule_it(user: User, admin):
    late = missed('Not yours to send')
    viewer = teammate('vera', Role.VIEWER)
    await signed_in(user, viewer, '/history')
    with user.scope(marker=f'post-{late}'):
        await user.should_see('Not yours to send')
        await user.should_see('Missed')
    await user.should_not_see(marker=f'publish-missed-{late}')
    await user.should_not_see(marker=f'reschedule-{late}')
    with pytest.raises(permissions.Forbidden):  # nor by calling the services some other way
        actions.publish_missed_now(late, actor=viewer)
    with pytest.raises(permissions.Forbidden):
        actions.reschedule(late, utcnow() + timedelta(days=1), actor=viewer)
    assert post_of(late).status == PostStatus.MISSED


async def test_a_post_taken_over_meanwhile_is_refused_and_its_row_shows_where_it_is(telegram, user: User, admin):
    late = missed('Two tabs, one post')
    await signed_in(user, admin, '/history')
    actions.cancel(late, actor=admin)  # another tab got there first
    user.find(marker=f'publish-missed-{late}').click()
    await user.should_see('This post is no longer waiting to be published.', kind=ui.notification, retries=20)
    with user.scope(marker=f'post-{late}'):
        await user.should_see('Cancelled', retries=20)
    await user.should_not_see(marker=f'publish-missed-{late}')
    assert telegram.sent == []


async def test_how_long_ago_moves_on_while_the_page_stays_open(user: User, admin, monkeypatch):
    monkeypatch.setattr(relative_time, 'REFRESH_SECONDS', 0.1)
    late = missed('Waiting for someone to notice', hours_ago=2)
    await signed_in(user, admin, '/history')
    with user.scope(marker=f'post-{late}'):
        await user.should_see('2 hours ago')
    later = utcnow() + timedelta(hours=1)
    monkeypatch.setattr(relative_time, 'utcnow', lambda: later)
    with user.scope(marker=f'post-{late}'):
        await user.should_see('3 hours ago', retries=20)


async def test_the_post_page_says_when_a_missed_post_was_due(user: User, admin):
    late = missed('Due this morning', hours_ago=3)
    await signed_in(user, admin, f'/history/{late}')
    with user.scope(marker='post-when'):
        await user.should_see('Was due ')
        await user.should_see('3 hours ago')
