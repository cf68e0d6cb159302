"""The dashboard: what is due next, what needs attention (Publish now / Reschedule a missed post), the chart."""
from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User

from services.core.models import DeliveryStatus, PostStatus, utcnow
from services.core.timezones import utc_to_local
from services.publishing import due_timer
from services.publishing.engine import get_engine
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.harness import in_state, post_of, reschedule_in_dialog, scheduled


@pytest.fixture
async def dashboard(telegram, user: User, admin) -> User:
    await open_signed_in(user, *ADMIN)
    return user


async def test_due_next_lists_the_soonest_posts_and_the_chart_counts_them(dashboard: User):
    scheduled('Tomorrow morning')
    scheduled('Next week', days=7)
    await dashboard.open('/')
    with dashboard.scope(marker='due-next'):
        await dashboard.should_see('Tomorrow morning')
        await dashboard.should_see('Next week')
    with dashboard.scope(marker='bar-telegram'):
        await dashboard.should_see('Scheduled 2')
    with dashboard.scope(marker='needs-attention'):
        await dashboard.should_see('All clear: nothing failed or was missed.')


async def test_failed_and_interrupted_posts_need_attention_with_a_link_to_them(dashboard: User):
    failed = in_state('Refused by Telegram', PostStatus.FAILED, DeliveryStatus.FAILED)
    crashed = in_state('Cut off mid-send', PostStatus.FAILED, DeliveryStatus.INTERRUPTED)
    await dashboard.open('/')
    with dashboard.scope(marker='needs-attention'):
        await dashboard.should_see('Refused by Telegram')
        await dashboard.should_see('Interrupted')
        await dashboard.should_see(marker=f'open-{failed}')
        await dashboard.should_see(marker=f'open-{crashed}')
    with dashboard.scope(marker='bar-telegram'):
        await dashboard.should_see('Failed 1 · Interrupted 1')


async def test_a_missed_post_can_be_published_now_from_the_dashboard(dashboard: User, telegram):
    missed = in_state('Better late than never', PostStatus.MISSED, DeliveryStatus.PENDING)
    await dashboard.open('/')
    with dashboard.scope(marker='needs-attention'):
        await dashboard.should_see('Missed')
    dashboard.find(marker=f'publish-missed-{missed}').click()
    await dashboard.should_see('Publishing started.', kind=ui.notification, retries=20)
    await eventually(lambda: post_of(missed).status == PostStatus.PUBLISHED)
    await get_engine().wait_idle()
    assert [m.text for m in telegram.sent] == ['Better late than never']
    await dashboard.should_not_see(marker=f'publish-missed-{missed}', retries=20)


async def test_a_missed_post_can_be_rescheduled_from_the_dashboard(dashboard: User, telegram):
    missed = in_state('Try again tomorrow', PostStatus.MISSED, DeliveryStatus.PENDING)
    await dashboard.open('/')
    tomorrow = utc_to_local(utcnow() + timedelta(days=1), 'Europe/Berlin').date()
    await reschedule_in_dialog(dashboard, missed, tomorrow, '10:00')
    await eventually(lambda: post_of(missed).status == PostStatus.SCHEDULED)
    assert due_timer.get_scheduler().next_run(missed) == post_of(missed).scheduled_at
    with dashboard.scope(marker='due-next'):
        await dashboard.should_see('Try again tomorrow', retries=20)
    assert telegram.sent == []
