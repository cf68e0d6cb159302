"""The whole check before a post would fail: first the facts only the platforms know are brought up to date (a
token expiring before the due time is renewed now if it can be; the daily publishing quota is read for a post due
within its window), then `risks` judges from the database. The composer asks it when a time is chosen; the watch
asks it every INTERVAL_S for the posts due within the hour and tells their people."""
from __future__ import annotations

import asyncio
import functools
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import select

from services.connections import quotas, token_refresh
from services.core import db
from services.core.config import Settings
from services.core.models import Channel, Delivery, DeliveryStatus, Post, utcnow
from services.core.periodic import Periodic
from services.notifications import risks
from services.notifications.risks import Risk

INTERVAL_S = 600.0

_watch: Periodic | None = None


async def refresh_facts(settings: Settings, channel_ids: Sequence[int], due: datetime) -> None:
    """Renew the tokens of `channel_ids`' accounts that expire before `due`, and read their publishing quotas when
    `due` is within the quota's window. Never raises for a platform's answer."""
    with db.session() as session:
        account_ids = {row for row in session.exec(select(Channel.account_id).where(
            Channel.id.in_(set(channel_ids)))) if row}
    if not account_ids:
        return
    await token_refresh.renew_expiring(settings, account_ids, due)
    if due - utcnow() < risks.QUOTA_WINDOW:
        await quotas.read_quotas(settings, account_ids)


async def risks_of_draft(settings: Settings, channel_ids: Sequence[int], media_ids: Sequence[int], due: datetime,
                         *, post_id: int | None = None) -> list[Risk]:
    """What would make a post not yet saved (the composer's) fail at `due` on `channel_ids`, with `media_ids`."""
    await refresh_facts(settings, channel_ids, due)

    def judge() -> list[Risk]:
        with db.session() as session:
            return risks.find(session, channel_ids, risks.stored_paths(session, media_ids=media_ids), due,
                              post_id=post_id)
    return await asyncio.to_thread(judge)


async def warn_due_soon(settings: Settings, now: datetime | None = None) -> int:
    """Bring the facts of the posts due within the hour up to date (each account asked once), then tell of their
    risks (once each); returns how many problems were found."""
    now = now or utcnow()
    due = await asyncio.to_thread(risks.due_soon, now)
    if due:
        with db.session() as session:
            latest = session.exec(select(sa.func.max(Post.scheduled_at)).where(Post.id.in_(due))).one()
            channel_ids = list(session.exec(select(Delivery.channel_id).distinct().where(
                Delivery.post_id.in_(due), Delivery.status == DeliveryStatus.PENDING)))
        if latest is not None and channel_ids:
            await refresh_facts(settings, channel_ids, latest)
    return await asyncio.to_thread(risks.warn_due_soon, now)


def start_watch(settings: Settings) -> None:
    """Check the posts due soon every INTERVAL_S from now on (once per process)."""
    global _watch
    if _watch is None:
        _watch = Periodic('post warnings', functools.partial(warn_due_soon, settings), first_delay_s=60.0,
                          interval_s=INTERVAL_S)
    _watch.start()


async def stop_watch() -> None:
    global _watch
    if _watch is not None:
        await _watch.stop()
    _watch = None
