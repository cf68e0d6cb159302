"""REST API of the posting queues: a channel's posting times (read by anyone signed in, set by administrators) and
where "action": "queue" would put a post now. Its routes join services.web.api's router."""
from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from pydantic import BaseModel, Field

from services.connections import channels as channel_book
from services.core import i18n
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import User
from services.queue import posting_times, queue
from services.team import permissions
from services.web.api import MAX_ID, _require, api_user, router
from services.web.api_errors import ApiError, errors, language, refusal

CHANNEL_GONE = N_('This channel no longer exists.')
ChannelPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Weekday = Annotated[int, Field(ge=0, le=6, strict=True)]  # "1" or true is a script's mistake, not a weekday


class PostingTimeIn(BaseModel):
    time: str = Field(pattern=r'^([01][0-9]|2[0-3]):[0-5][0-9]$', examples=['09:00'], strict=True)
    days: list[Weekday] = Field(min_length=1, max_length=7, description='0 = Monday … 6 = Sunday')


class PostingTimesIn(BaseModel):
    time_zone: str = Field(default='', max_length=64, pattern=r'^[^\x00]*$', strict=True,
                           description="An IANA zone; empty: the team's")
    times: list[PostingTimeIn] = Field(default_factory=list, max_length=48)


class PostingTimesOut(BaseModel):
    time_zone: str
    effective_time_zone: str
    times: list[PostingTimeIn]
    paused: bool
    next_slot: datetime | None = Field(description='Where "action": "queue" would put a post now; null when no '
                                       'posting time is free')


def _out(request: Request, channel_id: int) -> PostingTimesOut:
    channel = channel_book.get_channel(channel_id)
    if channel is None:
        raise ApiError(404, 'not_found', i18n.translate(language(request), CHANNEL_GONE))
    slot = queue.next_slots([channel_id]).get(channel_id)
    return PostingTimesOut(time_zone=channel.time_zone, effective_time_zone=posting_times.time_zone_of(channel),
                           times=[PostingTimeIn(**row.as_json()) for row in posting_times.times_of(channel)],
                           paused=channel.queue_paused, next_slot=slot if isinstance(slot, datetime) else None)


@router.get('/channels/{channel_id}/posting-times', response_model=PostingTimesOut,
            responses=errors(401, 403, 404, 422))
def get_posting_times(request: Request, channel_id: ChannelPath,
                      user: Annotated[User, Depends(api_user)]) -> PostingTimesOut:
    _require(request, user, permissions.Action.READ)
    return _out(request, channel_id)


@router.put('/channels/{channel_id}/posting-times', response_model=PostingTimesOut,
            responses=errors(400, 401, 403, 404, 422))
def put_posting_times(request: Request, channel_id: ChannelPath, body: PostingTimesIn,
                      user: Annotated[User, Depends(api_user)]) -> PostingTimesOut:
    _require(request, user, permissions.Action.MANAGE_ACCOUNTS)
    if channel_book.get_channel(channel_id) is None:
        raise ApiError(404, 'not_found', i18n.translate(language(request), CHANNEL_GONE))
    try:
        posting_times.set_posting_times(channel_id, body.time_zone, [row.model_dump() for row in body.times], user,
                                        ip=request.client.host if request.client else '')
    except UserError as refused:
        raise refusal(request, 422, 'posting_times_invalid', refused) from None
    return _out(request, channel_id)
