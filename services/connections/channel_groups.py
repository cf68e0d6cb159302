"""Channel groups: saved sets of channels ("Arabic channels", "Client A") that the composer picks in one click and
the lists filter by. Whoever writes posts may make and change them: a group only saves choosing channels one by one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Channel, ChannelGroup, ChannelGroupMember, User, utcnow
from services.team import audit, permissions

MAX_NAME = 100


@dataclass(frozen=True)
class Group:
    """A group as pages show it: its members' ids in the order channels are listed."""

    id: int
    name: str
    channel_ids: tuple[int, ...]


def list_groups() -> list[Group]:
    """Every group, by name, with its channels (any status: a disconnected member still filters its history)."""
    with db.session() as session:
        groups = list(session.exec(select(ChannelGroup).order_by(sa.func.lower(ChannelGroup.name), ChannelGroup.id)))
        members = session.exec(select(ChannelGroupMember.group_id, ChannelGroupMember.channel_id)
                               .order_by(ChannelGroupMember.channel_id)).all()
    by_group: dict[int, list[int]] = {group.id: [] for group in groups}
    for group_id, channel_id in members:
        by_group.setdefault(group_id, []).append(channel_id)
    return [Group(group.id, group.name, tuple(by_group[group.id])) for group in groups]


def get_group(group_id: int) -> Group | None:
    return next((group for group in list_groups() if group.id == group_id), None)


def channel_ids_of(group_id: int) -> list[int]:
    """The ids of group `group_id`'s channels ([] when it is gone)."""
    with db.session() as session:
        return list(session.exec(select(ChannelGroupMember.channel_id)
                                 .where(ChannelGroupMember.group_id == group_id)
                                 .order_by(ChannelGroupMember.channel_id)))


def create_group(name: str, channel_ids: Sequence[int], actor: User, *, ip: str = '') -> Group:
    """A new group named `name` holding `channel_ids`. Raises UserError (empty, too long or taken name, unknown
    channel) or Forbidden."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    name = _valid_name(name)
    try:
        with db.session() as session:
            _refuse_taken(session, name, None)
            group = ChannelGroup(name=name, created_by=actor.id)
            session.add(group)
            session.flush()
            _replace_members(session, group.id, channel_ids)
            audit.record(session, audit.Action.CHANNEL_GROUP_SAVED, actor_id=actor.id, target=name, ip=ip,
                         detail=_members_detail(channel_ids))
            group_id = group.id
    except sa.exc.IntegrityError as clash:  # the same name, saved by someone else a moment before
        raise UserError(N_('There is already a group named %(name)s.'), name=name) from clash
    return get_group(group_id)


def rename_group(group_id: int, name: str, actor: User, *, ip: str = '') -> None:
    """Give group `group_id` another name. Raises UserError (bad or taken name, group gone) or Forbidden."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    name = _valid_name(name)
    with db.session() as session:
        group = _existing(session, group_id)
        _refuse_taken(session, name, group_id)
        audit.record(session, audit.Action.CHANNEL_GROUP_SAVED, actor_id=actor.id, target=name, ip=ip,
                     detail=f'renamed from {group.name}')
        group.name, group.updated_at = name, utcnow()
        session.add(group)


def set_members(group_id: int, channel_ids: Sequence[int], actor: User, *, ip: str = '') -> None:
    """Make `channel_ids` the channels of group `group_id`. Raises UserError (group or a channel gone) or
    Forbidden."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with db.session() as session:
        group = _existing(session, group_id)
        _replace_members(session, group_id, channel_ids)
        group.updated_at = utcnow()
        session.add(group)
        audit.record(session, audit.Action.CHANNEL_GROUP_SAVED, actor_id=actor.id, target=group.name, ip=ip,
                     detail=_members_detail(channel_ids))


def delete_group(group_id: int, actor: User, *, ip: str = '') -> None:
    """Forget group `group_id` (its channels and their posts stay). Raises Forbidden."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with db.session() as session:
        group = session.get(ChannelGroup, group_id)
        if group is None:
            return
        audit.record(session, audit.Action.CHANNEL_GROUP_DELETED, actor_id=actor.id, target=group.name, ip=ip)
        session.exec(sa.delete(ChannelGroupMember).where(ChannelGroupMember.group_id == group_id))
        session.delete(group)


def _valid_name(name: str) -> str:
    name = ' '.join(name.split())
    if not name:
        raise UserError(N_('Give the group a name.'))
    if len(name) > MAX_NAME:
        raise UserError(N_('A group name can be at most %(limit)s characters.'), limit=MAX_NAME)
    return name


def _refuse_taken(session: Session, name: str, group_id: int | None) -> None:
    taken = session.exec(select(ChannelGroup.id).where(sa.func.lower(ChannelGroup.name) == name.lower())).first()
    if taken is not None and taken != group_id:
        raise UserError(N_('There is already a group named %(name)s.'), name=name)


def _existing(session: Session, group_id: int) -> ChannelGroup:
    group = session.get(ChannelGroup, group_id)
    if group is None:
        raise UserError(N_('This group no longer exists.'))
    return group


def _replace_members(session: Session, group_id: int, channel_ids: Sequence[int]) -> None:
    wanted = list(dict.fromkeys(channel_ids))
    known = set(session.exec(select(Channel.id).where(Channel.id.in_(wanted)))) if wanted else set()
    if len(known) != len(wanted):
        raise UserError(N_('A channel of this group no longer exists. Choose the channels again.'))
    session.exec(sa.delete(ChannelGroupMember).where(ChannelGroupMember.group_id == group_id))
    session.add_all(ChannelGroupMember(group_id=group_id, channel_id=channel_id) for channel_id in wanted)


def _members_detail(channel_ids: Sequence[int]) -> str:
    return 'channels ' + ', '.join(str(channel_id) for channel_id in dict.fromkeys(channel_ids))
