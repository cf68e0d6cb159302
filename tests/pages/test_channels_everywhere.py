"""Every page shows where a post goes by channel and filters by channel and by channel group: two chats of one
Telegram bot ('Arabic' and 'English'), and a group holding one of them."""
from __future__ import annotations

from datetime import timedelta

import pytest
from nicegui import ui
from nicegui.testing import User

from components.channel_colours import PALETTE, colour_of
from services.connections import channel_groups
from services.connections import channels as channel_book
from services.core.models import utcnow
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.posts.versions import Version
from services.publishing.engine import get_engine
from services.team import users
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.fakes.telegram import FakeChat
from tests.harness import post_of
from tests.harness.builders import group_of, telegram_chats


@pytest.fixture
async def team(user: User, admin) -> tuple[User, int, int, int]:
    """The signed-in admin, the 'Arabic' and 'English' channels, and the group 'Gulf' holding only Arabic."""
    arabic, english = telegram_chats('Arabic', 'English')
    gulf = group_of('Gulf', [arabic])
    await open_signed_in(user, *ADMIN)
    return user, arabic, english, gulf


def post_to(text: str, channel_ids: list[int], *, days: float | None = 1, versions: dict | None = None) -> int:
    """A post scheduled `days` from now to `channel_ids` (a draft when `days` is None)."""
    data = PostInput(text=text, channels=channel_ids, versions=versions or {})
    if days is None:
        return editing.save_post(1, data, SaveAction.DRAFT).id
    data.scheduled_at = utcnow() + timedelta(days=days)
    return editing.save_post(1, data, SaveAction.SCHEDULE, now=utcnow()).id


def post_day(post_id: int) -> str:
    return post_of(post_id).scheduled_at.date().isoformat()


async def test_the_calendar_shows_each_post_under_its_channels_and_filters_by_channel_and_group(team):
    user, arabic, english, gulf = team
    both = post_to('To both chats', [arabic, english])
    only_english = post_to('English only', [english])
    await user.open('/calendar?view=list')
    await user.should_see('To both chats')
    with user.scope(marker=f'post-{both}'):
        await user.should_see(marker=f'goes-{both}-{arabic}')
        await user.should_see('Telegram · Arabic')
        await user.should_see('Telegram · English')
    with user.scope(marker='channel-legend'):
        await user.should_see('Telegram · Arabic')
        await user.should_see('Telegram · English')
    await user.open(f'/calendar?view=list&channel={arabic}')
    await user.should_see('To both chats')
    await user.should_not_see('English only')
    await user.open(f'/calendar?view=week&start={post_day(both)}&group={gulf}')
    await user.should_see(marker=f'post-{both}')
    await user.should_not_see(marker=f'post-{only_english}')
    await user.open(f'/calendar?view=list&channel={english}')
    await user.should_see('English only')


async def test_the_calendar_channel_select_narrows_the_view(team):
    user, arabic, english, gulf = team
    post_to('To both chats', [arabic, english])
    post_to('English only', [english])
    await user.open('/calendar?view=list')
    user.find(marker='filter-channel').elements.pop().value = f'g{gulf}'
    await user.should_see('To both chats', retries=20)
    await user.should_not_see('English only', retries=20)


async def test_the_posts_list_names_each_channel_and_filters_by_channel_and_by_group(team):
    user, arabic, english, gulf = team
    both = post_to('To both chats', [arabic, english], days=None)
    post_to('English only', [english], days=None)
    await user.open('/history')
    with user.scope(marker=f'post-{both}'):
        await user.should_see(marker=f'channel-{both}-{arabic}')
        await user.should_see('Telegram · Arabic')
        await user.should_see('Telegram · English')
    user.find(marker='filter-channel').elements.pop().value = f'c{english}'
    user.find(marker='apply-filter').click()
    await user.should_see('English only', retries=20)
    await user.should_see('To both chats')
    await user.open(f'/history?group={gulf}')
    await user.should_see('To both chats')
    await user.should_not_see('English only')


async def test_the_post_page_lists_each_channel_with_its_own_version(team):
    user, arabic, english, _gulf = team
    post_id = post_to('Hello everyone', [arabic, english], days=None,
                      versions={arabic: Version(text='مرحبا بالجميع')})
    await user.open(f'/history/{post_id}')
    with user.scope(marker=f'delivery-channel-{arabic}'):
        await user.should_see('Telegram · Arabic')
        await user.should_see('Own version')
        await user.should_see('مرحبا بالجميع')
    with user.scope(marker=f'delivery-channel-{english}'):
        await user.should_see('Telegram · English')
        await user.should_not_see('Own version')
        await user.should_not_see('مرحبا بالجميع')


async def test_home_charts_posts_per_channel(team):
    user, arabic, english, _gulf = team
    post_to('To both chats', [arabic, english])
    post_to('English only', [english])
    await user.open('/')
    with user.scope(marker=f'bar-channel-{english}'):
        await user.should_see('Telegram · English')
        await user.should_see('Scheduled 2')
    with user.scope(marker=f'bar-channel-{arabic}'):
        await user.should_see('Scheduled 1')


async def test_the_audit_log_filters_by_channel_and_names_channels_by_platform(team):
    user, arabic, english, _gulf = team
    to_arabic = post_to('Arabic post', [arabic])
    post_to('English post', [english])
    channel_book.rename_channel(arabic, 'Arabic news', users.find_user(ADMIN[0]))
    await user.open(f'/audit?channel={arabic}')
    assert [(row['what'], row['target']) for row in about_rows(user)] == [
        ('Channel renamed', 'Telegram · Arabic'), ('Post scheduled', f'Post {to_arabic}')]
    await user.open('/audit?action=channel_group.saved')
    assert [row['target'] for row in about_rows(user)] == ['Group: Gulf']


def about_rows(user: User) -> list[dict]:
    return user.find(marker='audit-table').elements.pop().rows


async def test_a_group_picked_in_the_composer_chooses_its_channels(user: User, admin):
    arabic, english, news = telegram_chats('Arabic', 'English', 'News')
    group = group_of('Arabic and news', [arabic, news])
    await open_signed_in(user, *ADMIN)
    await user.open('/compose')
    user.find(marker='post-text').type('For the group')
    user.find(marker=f'group-{group}').click()
    await user.should_see('For the group')
    boxes = {channel_id: user.find(marker=f'channel-{channel_id}').elements.pop() for channel_id in
             (arabic, english, news)}
    assert {channel_id: box.value for channel_id, box in boxes.items()} == {arabic: True, english: False, news: True}
    user.find(marker='save-draft').click()
    await user.should_see('Edit the post', retries=40)
    (saved,) = editing.list_posts()
    assert sorted(saved.channel_ids) == [arabic, news]
    await user.should_see(marker='manage-groups')


async def test_groups_are_made_renamed_and_deleted_on_their_page(user: User, admin):
    arabic, english = telegram_chats('Arabic', 'English')
    await open_signed_in(user, *ADMIN)
    await user.open('/channel-groups')
    await user.should_see('No group yet.')
    user.find(marker='new-group-name').type('Client A')
    user.find(marker=f'new-group-channel-{english}').click()
    user.find(marker='create-group').click()
    await user.should_see('Group Client A created.', kind=ui.notification, retries=20)
    (group,) = channel_groups.list_groups()
    assert (group.name, group.channel_ids) == ('Client A', (english,))
    user.find(marker=f'group-card-{group.id}-name').clear().type('Client B')
    user.find(marker=f'group-card-{group.id}-channel-{arabic}').click()
    user.find(marker=f'save-group-{group.id}').click()
    await user.should_see('Group saved.', kind=ui.notification, retries=20)
    assert channel_groups.list_groups() == [channel_groups.Group(group.id, 'Client B', (arabic, english))]
    user.find(marker=f'delete-group-{group.id}').click()
    await user.should_see(marker='confirm-delete-group', retries=20)
    user.find(marker='confirm-delete-group').click()
    await user.should_see('No group yet.', retries=20)
    assert channel_groups.list_groups() == []


async def test_the_post_page_shows_each_channel_go_out_live_with_its_own_text(telegram, user: User, admin):
    for chat_id, title in ((-1001, 'Arabic'), (-1002, 'English')):
        telegram.add_chat(FakeChat(id=chat_id, title=title, username=title.lower()))
    arabic, english = telegram_chats('Arabic', 'English')
    await open_signed_in(user, *ADMIN)
    post_id = post_to('Hello everyone', [arabic, english], days=None, versions={arabic: Version(text='مرحبا')})
    await user.open(f'/history/{post_id}')

    def statuses() -> set[str]:  # looked up afresh: the deliveries section is redrawn as they change
        return {user.find(marker=f'status-channel-{c}').elements.pop().text for c in (arabic, english)}

    assert statuses() == {'Waiting'}
    editing.save_post(1, PostInput(text='Hello everyone', channels=[arabic, english],
                                   versions={arabic: Version(text='مرحبا')}), SaveAction.PUBLISH, post_id=post_id)
    await get_engine().publish_post(post_id)
    await get_engine().wait_idle()
    await eventually(lambda: statuses() == {'Published'})
    assert sorted((m.chat_id, m.text) for m in telegram.sent) == [(-1002, 'Hello everyone'), (-1001, 'مرحبا')]


def test_every_channel_colour_writes_readable_text_on_its_tint_and_on_white():
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    def contrast(ink: str, paper: str) -> float:
        light, dark = sorted((luminance(ink), luminance(paper)), reverse=True)
        return (light + 0.05) / (dark + 0.05)

    assert len({colour_of(channel_id) for channel_id in range(1, 9)}) == 8  # eight channels, eight colours
    assert colour_of(3) == colour_of(3)
    assert min(contrast(ink, paper) for ink, tint in PALETTE for paper in (tint, '#ffffff')) >= 4.5
