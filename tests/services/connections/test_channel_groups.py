"""Channel groups: saved sets of channels, made and changed by whoever writes posts, audited."""
from __future__ import annotations

import pytest
from sqlmodel import select

from services.connections import channel_groups
from services.core import db
from services.core.errors import UserError
from services.core.models import AuditEvent, Role
from services.posts import editing
from services.posts.editing import PostFilter, PostInput, SaveAction
from services.team.permissions import Forbidden
from tests.harness import boot, first_admin, teammate
from tests.harness.builders import telegram_chats


@pytest.fixture
def team():
    boot()
    admin = first_admin()
    return admin, teammate('editor', Role.EDITOR), teammate('viewer', Role.VIEWER)


def test_an_editor_makes_renames_fills_and_deletes_a_group_and_each_step_is_audited(team):
    _admin, editor, _viewer = team
    arabic, english, news = telegram_chats('Arabic', 'English', 'News')
    group = channel_groups.create_group('  Arabic   channels ', [news, arabic], editor)
    assert (group.name, group.channel_ids) == ('Arabic channels', (arabic, news))
    channel_groups.rename_group(group.id, 'Client A', editor)
    channel_groups.set_members(group.id, [english], editor)
    assert channel_groups.list_groups() == [channel_groups.Group(group.id, 'Client A', (english,))]
    channel_groups.delete_group(group.id, editor)
    assert channel_groups.list_groups() == []
    with db.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.actor_id == editor.id)
                                                  .order_by(AuditEvent.id))]
    assert actions == ['channel_group.saved'] * 3 + ['channel_group.deleted']


def test_groups_are_listed_by_name_and_a_name_is_taken_once_whatever_its_case(team):
    admin, _editor, _viewer = team
    (chat,) = telegram_chats('Arabic')
    channel_groups.create_group('b team', [chat], admin)
    channel_groups.create_group('A team', [], admin)
    assert [g.name for g in channel_groups.list_groups()] == ['A team', 'b team']
    with pytest.raises(UserError, match='already a group'):
        channel_groups.create_group('B TEAM', [], admin)
    with pytest.raises(UserError, match='name'):
        channel_groups.create_group('   ', [], admin)


def test_a_viewer_may_not_make_a_group_and_an_unknown_channel_is_refused(team):
    admin, _editor, viewer = team
    with pytest.raises(Forbidden):
        channel_groups.create_group('Mine', [], viewer)
    with pytest.raises(UserError, match='no longer exists'):
        channel_groups.create_group('Ghosts', [999], admin)
    assert channel_groups.list_groups() == []


def test_the_posts_list_filters_by_the_channels_of_a_group(team):
    admin, _editor, _viewer = team
    arabic, english, news = telegram_chats('Arabic', 'English', 'News')
    for text, chosen in (('Only Arabic', [arabic]), ('Only English', [english]), ('News and Arabic', [news, arabic])):
        editing.save_post(admin.id, PostInput(text=text, channels=chosen), SaveAction.DRAFT)
    group = channel_groups.create_group('Arabic and news', [arabic, news], admin)
    found = editing.list_posts(PostFilter(channel_ids=channel_groups.channel_ids_of(group.id)))
    assert [d.post.text for d in found] == ['News and Arabic', 'Only Arabic']
    assert [d.post.text for d in editing.list_posts(PostFilter(channel_ids=()))] == []
