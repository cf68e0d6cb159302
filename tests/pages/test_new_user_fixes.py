"""What a new user stumbled on (issue 21), as the simulated user sees it: editing a scheduled post, problems that
follow the form, notices and questions, what a viewer is shown, the Posts list, the audit log and the calendar."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from nicegui import ui
from nicegui.testing import User
from sqlmodel import select

from services.connections import channels as channel_book
from services.core import db
from services.core.models import AccountStatus, AuditEvent, Channel, Post, PostStatus, Role, utcnow
from services.core.models import User as Account
from services.posts import actions, editing
from services.posts.editing import PostInput, SaveAction
from services.team import users
from tests.conftest import ADMIN, eventually, on_sign_in_page, open_signed_in
from tests.harness import in_state, scheduled
from tests.harness.builders import channels_of, connected, listed
from tests.pages.test_role_matrix import member


def connect(*platforms: str) -> None:
    for platform in platforms:
        connected(platform)


@pytest.fixture
async def writer(user: User, admin) -> User:
    """The admin, signed in, with Telegram and YouTube connected."""
    listed('telegram', 'youtube')
    await open_signed_in(user, *ADMIN)
    return user


def post_of(post_id: int) -> Post:
    with db.session() as session:
        return session.get(Post, post_id)


def only_post_id() -> int:
    with db.session() as session:
        return session.exec(select(Post.id)).one()


def audited(post_id: int) -> list[str]:
    with db.session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.target == str(post_id))
                                 .order_by(AuditEvent.id)))


async def test_save_changes_keeps_a_scheduled_post_scheduled_and_unschedule_is_its_own_action(writer: User):
    post_id = scheduled('Doors open at nine', days=2)
    due = post_of(post_id).scheduled_at
    await writer.open(f'/compose?post={post_id}')
    await writer.should_see(marker='scheduled-note')
    await writer.should_not_see(marker='save-draft')
    writer.find(marker='post-text').clear().type('Doors open at half past nine')
    writer.find(marker='save-changes').click()
    await writer.should_see('Changes saved. The post is still scheduled for', kind=ui.notification, retries=40)
    saved = post_of(post_id)
    assert (saved.status, saved.scheduled_at, saved.text) == (PostStatus.SCHEDULED, due, 'Doors open at half past nine')

    await writer.open(f'/compose?post={post_id}')
    writer.find(marker='unschedule').click()
    await writer.should_see('Unscheduled: the post is a draft now', kind=ui.notification, retries=40)
    assert post_of(post_id).status == PostStatus.DRAFT
    await writer.should_see(marker='save-draft')  # the page now offers what a draft can do
    await writer.should_not_see(marker='scheduled-note')
    assert audited(post_id) == ['post.schedule', 'post.edit', 'post.unschedule']


async def test_a_refused_post_lists_each_problem_once_and_the_list_follows_the_form(writer: User):
    await writer.open('/compose')
    writer.find(marker='publish-now').click()
    await writer.should_see('The post was not saved: fix what is listed above.', kind=ui.notification, retries=40)
    with writer.scope(marker='problems'):
        await writer.should_see('Choose at least one channel.')
        await writer.should_see('Write some text or add a photo or video.')
    writer.find(marker='post-text').type('A video for the channel')
    writer.find(marker='platform-youtube').click()
    await writer.should_not_see('Write some text or add a photo or video.', retries=20)
    await writer.should_not_see('Choose at least one channel.')
    writer.find(marker='publish-now').click()
    await writer.should_see('The post was not saved', kind=ui.notification, retries=40)
    shown = [label.text for label in writer.find(marker='problems').elements.pop().descendants()
             if isinstance(label, ui.label)]
    assert len(shown) == len(set(shown)) > 0, shown  # YouTube's needs are said once each, not once per check


async def test_save_draft_settings_and_delete_say_what_happened(writer: User):
    await writer.open('/compose')
    writer.find(marker='post-text').type('An idea')
    writer.find(marker='save-draft').click()
    await writer.should_see('Draft saved.', kind=ui.notification, retries=40)  # shown on the draft's own page
    await writer.should_see('Edit the post')
    draft_id = only_post_id()
    writer.find(marker='post-text').type(', grown')
    writer.find(marker='save-draft').click()
    await eventually(lambda: writer.notify.messages.count('Draft saved.') == 2)  # on the same page this time
    assert post_of(draft_id).text == 'An idea, grown'
    writer.find(marker='delete-post').click()
    await writer.should_see(marker='confirm-delete', retries=40)
    writer.find(marker='confirm-delete').click()
    await writer.should_see('The post was deleted.', kind=ui.notification, retries=40)

    await writer.open('/settings')
    writer.find(marker='save-preferences').click()
    await writer.should_see('Your language and time zone were saved.', kind=ui.notification, retries=40)


async def test_deactivate_asks_first_and_the_deactivated_user_is_told_whom_to_ask(user: User, admin):
    editor, password = await member(admin, Role.EDITOR)
    await open_signed_in(user, *ADMIN, path='/users')
    user.find(marker=f'deactivate-{editor.username}').click()
    await user.should_see('Deactivate editor-one?', retries=40)
    user.find(marker='confirm-deactivate').click()
    await user.should_see('editor-one was deactivated.', kind=ui.notification, retries=40)
    assert not users.find_user('editor-one').is_active

    users.set_active(admin, editor.id, True, ip='')
    user.find(marker='user-menu').click()
    user.find(marker='sign-out').click()
    await on_sign_in_page(user, 'You have signed out.')
    await open_signed_in(user, editor.username, password)
    users.set_active(admin, editor.id, False, ip='')  # while their page is open
    user.find(marker='user-menu').click()
    user.find(marker='settings').click()
    await on_sign_in_page(user, 'Your account has been deactivated. Ask an administrator. Administrators: admin.')


async def test_the_temporary_password_can_be_copied(user: User, admin):
    await open_signed_in(user, *ADMIN, path='/users')
    user.find(marker='reset-admin').click()
    await user.should_see(marker='temporary-password', retries=40)
    user.find(marker='copy-password').click()
    await user.should_see('Copied.', kind=ui.notification, retries=20)


async def test_a_viewer_is_not_offered_writing_or_editing(user: User, admin):
    viewer, password = await member(admin, Role.VIEWER)
    listed('telegram')
    post_id = scheduled('For everyone to read')
    await open_signed_in(user, viewer.username, password, path='/history')
    await user.should_see(marker='post-list')
    await user.should_not_see(marker='write-post')
    await user.open(f'/history/{post_id}')
    await user.should_see('For everyone to read')
    await user.should_not_see(marker='edit-post')
    await user.should_not_see(marker='open-post')


async def test_the_posts_list_shows_no_waiting_for_drafts_and_no_due_time_for_cancelled_posts(writer: User):
    draft = editing.save_post(1, PostInput(text='Just an idea', channels=channels_of(['telegram'])),
                              SaveAction.DRAFT).id
    cancelled = scheduled('Called off', days=3)
    actions.cancel(cancelled)
    await writer.open('/history')
    await writer.should_see(marker=f'platform-{draft}-telegram')
    channel = channel_book.full_title(channel_book.get_channel(channels_of(['telegram'])[0]))  # badges name it
    with writer.scope(marker=f'post-{draft}'):
        await writer.should_not_see(f'{channel} · Waiting')
    with writer.scope(marker=f'post-{cancelled}'):
        await writer.should_see(f'{channel} · Cancelled')
        await writer.should_not_see('in 3 days')
        await writer.should_see('now')


async def test_the_audit_log_links_to_the_post_and_records_scheduling_rescheduling_and_editing(writer: User):
    post_id = scheduled('Audited')
    actions.reschedule(post_id, utcnow() + timedelta(days=5))
    data = PostInput(text='Audited, edited', channels=channels_of(['telegram']),
                     scheduled_at=post_of(post_id).scheduled_at)
    editing.save_post(1, data, SaveAction.SCHEDULE, post_id=post_id)
    assert audited(post_id) == ['post.schedule', 'post.reschedule', 'post.edit']
    await writer.open('/audit')
    table = writer.find(marker='audit-table').elements.pop()
    rows = [row for row in table.rows if row['link'] == f'/history/{post_id}']
    assert [row['what'] for row in rows] == ['Post edited', 'Post rescheduled', 'Post scheduled']
    assert {row['target'] for row in rows} == {f'Post {post_id}'}


def a_sunday() -> date:
    today = date.today()
    return today + timedelta(days=(6 - today.weekday()) % 7 + 7)


async def test_the_calendar_shows_what_went_out_with_its_status(writer: User):
    sent = in_state('Went out', PostStatus.PUBLISHED, 'published', hours_ago=0.01)
    await writer.open('/calendar?view=week')
    await writer.should_see(marker=f'post-{sent}')
    await writer.should_see(marker=f'entry-status-{sent}')
    await writer.should_see('Published')


@pytest.mark.parametrize(('zone', 'first_day'), [('America/New_York', 6), ('Europe/Berlin', 0),
                                                 ('Africa/Cairo', 5)])
async def test_the_week_starts_on_the_day_it_starts_where_the_user_is(writer: User, zone: str, first_day: int):
    with db.session() as session:
        session.exec(sa.update(Account).where(Account.username == ADMIN[0]).values(timezone=zone))
    sunday = a_sunday()
    await writer.open(f'/calendar?view=week&start={sunday.isoformat()}')
    start = sunday - timedelta(days=(sunday.weekday() - first_day) % 7)
    await writer.should_see(marker=f'day-{start.isoformat()}')
    await writer.should_not_see(marker=f'day-{(start - timedelta(days=1)).isoformat()}')
    await writer.should_see(marker=f'day-{(start + timedelta(days=6)).isoformat()}')


async def test_disconnect_on_the_channels_page_asks_and_says_what_it_means(writer: User):
    post_id = scheduled('Waiting for Telegram')
    await writer.open('/channels')
    channel_id = 1
    writer.find(marker=f'disconnect-{channel_id}').click()
    await writer.should_see('1 scheduled post goes to this channel. It will fail unless the channel is connected '
                            'again before it is due.', retries=40)
    writer.find(marker='confirm-disconnect').click()
    await writer.should_see('was disconnected.', kind=ui.notification, retries=40)
    await writer.should_not_see(marker=f'channel-card-{channel_id}', retries=20)
    with db.session() as session:
        assert session.get(Channel, channel_id).status == AccountStatus.DISCONNECTED
    assert post_of(post_id).status == PostStatus.SCHEDULED  # it waits; it fails only if still nothing is connected
