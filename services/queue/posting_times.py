"""Each channel's posting times and time zone: reading them, and changing them (administrators)."""
from __future__ import annotations

from sqlmodel import select

from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Channel, Role, User, utcnow
from services.queue.slots import PostingTime, parse_times
from services.team import audit, permissions, users


def team_time_zone() -> str:
    """The team's time zone: that of the administrator who set the app up (the first one still active), else UTC."""
    with db.session() as session:
        found = session.exec(select(User.timezone).where(User.role == Role.ADMIN, User.is_active.is_(True))
                             .order_by(User.id).limit(1)).first()
    return found or 'UTC'


def time_zone_of(channel: Channel, team_zone: str | None = None) -> str:
    """The zone the channel's posting times are in: its own, else the team's (`team_zone` when the caller read it)."""
    return channel.time_zone or team_zone or team_time_zone()


def times_of(channel: Channel) -> list[PostingTime]:
    """The channel's posting times, earliest time of day first (stored rows were checked when saved)."""
    return parse_times(channel.posting_times or [])


def set_posting_times(channel_id: int, time_zone: str, times: list[dict], actor: User, *, ip: str = '') -> Channel:
    """Give the channel its time zone ('' = the team's) and posting times (rows of {"time": "HH:MM", "days": [0–6]}).

    Queued posts keep the times they have. Returns the channel as saved. Raises UserError for an unknown zone, a
    bad row (see `parse_times`) or a channel that is gone; permissions.Forbidden unless `actor` manages channels.
    """
    permissions.require(actor, permissions.Action.MANAGE_ACCOUNTS, ip=ip)
    if time_zone and time_zone not in users.time_zones():
        raise UserError(N_('%(zone)s is not a time zone this app knows.'), zone=time_zone)
    parsed = parse_times(times)
    with db.session() as session:
        channel = session.get(Channel, channel_id)
        if channel is None:
            raise UserError(N_('This channel no longer exists.'))
        channel.time_zone = time_zone
        channel.posting_times = [slot.as_json() for slot in parsed]
        channel.updated_at = utcnow()
        audit.record(session, audit.Action.CHANNEL_POSTING_TIMES, actor_id=actor.id,
                     target=f'{channel.platform}: {channel.id}', ip=ip,
                     detail=' '.join(f'{slot.at:%H:%M}/{"".join(map(str, slot.days))}' for slot in parsed))
        session.add(channel)
    return channel
