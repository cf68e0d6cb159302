"""Renewing platform tokens before they expire, so no post waits on, or fails for, a sign-in that ran out.

`start_token_refresh` runs `refresh_due_tokens` every INTERVAL_S in the app's loop. An account whose token the
platform refuses to renew (revoked, expired, app removed) is marked needs-reconnect: the Channels page then shows
Reconnect, and the composer warns before anything is scheduled to it.
"""
from __future__ import annotations

import functools
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.config import Settings
from services.core.models import AccountStatus, Channel, Delivery, DeliveryStatus, PlatformAccount, utcnow
from services.core.periodic import Periodic
from services.notifications import inbox
from services.notifications.kinds import Kind
from services.platforms import registry
from services.platforms.base import NeedsReconnect, PlatformError, TokenSession

log = logging.getLogger(__name__)
INTERVAL_S = 600.0
FIRST_RUN_DELAY_S = 30.0  # let start-up (recovery, scheduler) finish first
RETRY_AFTER_FAILURE_S = 3600.0  # after a refusal that is not a revocation (a token too young to renew...)


@dataclass
class RefreshSummary:
    refreshed: list[int] = field(default_factory=list)
    needs_reconnect: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


_not_before: dict[int, float] = {}  # account id → time.monotonic() of the next try after a failure
_renewals: Periodic | None = None


def renewal_windows() -> dict[str, timedelta]:
    """How long before its expiry each platform's token is renewed (`PlatformSpec.renew_within`), for the platforms
    whose tokens expire. A token of unknown expiry (set by environment variables) is renewed at the first run, which
    also tests it."""
    return {spec.name: spec.renew_within for spec in registry.all() if spec.renew_within is not None}


def due_accounts(now: datetime | None = None) -> list[PlatformAccount]:
    """Connected accounts whose token expires within their platform's renewal window (or at an unknown time), except
    those of a platform a delivery is being sent to right now (a renewal could rotate a token under it)."""
    now, windows = now or utcnow(), renewal_windows()
    with db.session() as session:
        rows = list(session.exec(select(PlatformAccount).where(PlatformAccount.status == AccountStatus.CONNECTED,
                                                               PlatformAccount.platform.in_(list(windows)))))
        busy = set(session.exec(select(Delivery.platform).where(Delivery.status == DeliveryStatus.PUBLISHING)))
    clock = time.monotonic()
    return [row for row in rows if row.platform not in busy and _not_before.get(row.id, 0.0) <= clock
            and (row.token_expires_at is None or row.token_expires_at <= now + windows[row.platform])]


async def refresh_due_tokens(settings: Settings, *, now: datetime | None = None) -> RefreshSummary:
    """Renew the token of every due account (see `due_accounts`); the account keeps what the platform hands back.

    Never raises for a platform's answer: a revoked one marks the account needs-reconnect, anything else is
    logged and tried again after RETRY_AFTER_FAILURE_S.
    """
    summary = RefreshSummary()
    for row in due_accounts(now):
        await _renew(row, settings, summary)
    return summary


async def renew_expiring(settings: Settings, account_ids: Iterable[int], before: datetime) -> RefreshSummary:
    """Renew now the tokens of those of `account_ids` that expire before `before` (a post's due time) and can be
    renewed, so that a post is not told at risk for a token the app can still renew. Skips the accounts of a
    platform being sent to right now and those refused within RETRY_AFTER_FAILURE_S. Never raises for a platform's
    answer (see `refresh_due_tokens`)."""
    windows, wanted = renewal_windows(), set(account_ids)
    with db.session() as session:
        rows = list(session.exec(select(PlatformAccount).where(
            PlatformAccount.id.in_(wanted), PlatformAccount.status == AccountStatus.CONNECTED,
            PlatformAccount.platform.in_(list(windows)), PlatformAccount.token_expires_at < before)))
        busy = set(session.exec(select(Delivery.platform).where(Delivery.status == DeliveryStatus.PUBLISHING)))
    clock, summary = time.monotonic(), RefreshSummary()
    for row in rows:
        if row.platform not in busy and _not_before.get(row.id, 0.0) <= clock:
            await _renew(row, settings, summary)
    return summary


async def _renew(row: PlatformAccount, settings: Settings, summary: RefreshSummary) -> None:
    client = registry.client_for(row.platform, settings)
    try:
        await TokenSession(accounts.credentials_of(row), client.refresh).renew()
    except NeedsReconnect as refusal:
        log.warning('%s account %s needs reconnecting: %s', row.platform, row.id, refusal.message)
        accounts.mark_needs_reconnect(row.id)
        summary.needs_reconnect.append(row.id)
    except PlatformError as error:
        log.warning('could not renew the token of %s account %s: %s', row.platform, row.id, error.message)
        _not_before[row.id] = time.monotonic() + RETRY_AFTER_FAILURE_S
        _note_renewal(row.id, failed=True)
        summary.failed.append(row.id)
        _warn_of_expiry(row)
    else:
        _not_before.pop(row.id, None)
        _note_renewal(row.id, failed=False)
        summary.refreshed.append(row.id)


def _note_renewal(account_id: int, *, failed: bool) -> None:
    """Keep whether the last renewal was refused: the warnings before a post would fail read it in any process."""
    with db.session() as session:
        session.exec(sa.update(PlatformAccount).where(PlatformAccount.id == account_id)
                     .values(renew_failed_at=utcnow() if failed else None))


def _warn_of_expiry(account: PlatformAccount) -> None:
    """A token that could not be renewed and will run out: its channels' people are told, once per expiry date."""
    if account.token_expires_at is None:
        return
    with db.session() as session:
        for channel_id in session.exec(select(Channel.id).where(Channel.account_id == account.id,
                                                                Channel.status == AccountStatus.CONNECTED)):
            inbox.tell(session, Kind.TOKEN_EXPIRING, channel_id=channel_id,
                       detail=account.token_expires_at.isoformat(),
                       key=f'token:{channel_id}:{account.token_expires_at.isoformat()}')


def start_token_refresh(settings: Settings) -> None:
    """Renew due tokens every INTERVAL_S from now on (once per process, however often start-up runs)."""
    global _renewals
    if _renewals is None:
        _renewals = Periodic('token refresh', functools.partial(refresh_due_tokens, settings),
                             first_delay_s=FIRST_RUN_DELAY_S, interval_s=INTERVAL_S)
    _renewals.start()


async def stop_token_refresh() -> None:
    """Stop renewing; the refusals waited out are forgotten, as a restart forgets them."""
    global _renewals
    _not_before.clear()
    if _renewals is not None:
        await _renewals.stop()
    _renewals = None
