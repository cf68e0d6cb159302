"""The platforms' daily publishing quotas (Instagram's `content_publishing_limit`), read through each platform's
`PlatformSpec.publishing_quota` and kept on the account, so a warning before a post would fail can name a day whose
quota is used up, on any page of any process."""
from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.config import Settings
from services.core.models import AccountStatus, PlatformAccount, utcnow
from services.platforms import registry
from services.platforms.base import PlatformError

log = logging.getLogger(__name__)


def platforms_with_quota() -> list[str]:
    return [spec.name for spec in registry.all() if spec.publishing_quota is not None]


async def read_quotas(settings: Settings, account_ids: Iterable[int]) -> int:
    """Ask the platform of each connected one of `account_ids` that has a daily publishing quota how much of it is
    used, and keep the answer on the account. Returns how many were read; a platform that does not answer is
    logged and its last reading kept (never raises for a platform's answer)."""
    with db.session() as session:
        rows = list(session.exec(select(PlatformAccount).where(
            PlatformAccount.id.in_(set(account_ids)), PlatformAccount.status == AccountStatus.CONNECTED,
            PlatformAccount.platform.in_(platforms_with_quota()))))
    read = 0
    for row in rows:
        spec = registry.get(row.platform)
        try:
            used, total = await spec.publishing_quota(registry.client_for(row.platform, settings),
                                                      accounts.credentials_of(row))
        except PlatformError as error:
            log.warning('could not read the publishing quota of %s account %s: %s', row.platform, row.id,
                        error.message)
            continue
        with db.session() as session:
            session.exec(sa.update(PlatformAccount).where(PlatformAccount.id == row.id)
                         .values(quota_used=used, quota_total=total, quota_read_at=utcnow()))
        read += 1
    return read
