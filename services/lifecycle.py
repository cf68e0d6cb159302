"""What the app does when it starts and stops, apart from serving pages."""
from __future__ import annotations

import logging

from services import accounts, engine
from services.config import Settings
from services.platforms.base import close_http_client

log = logging.getLogger(__name__)


async def start_services(settings: Settings) -> None:
    """Accounts from the environment, then recovery: interrupted deliveries marked, queued posts resumed."""
    accounts.sync_env_accounts(settings)
    publisher = engine.init_engine(settings)
    resumable = engine.recover_after_restart()
    for post_id in resumable:
        publisher.start(post_id)
    if resumable:
        log.info('resuming %d post(s) that were queued when the app stopped', len(resumable))


async def stop_services() -> None:
    await close_http_client()
