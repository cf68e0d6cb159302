"""What the app does when it starts and stops, apart from serving pages."""
from __future__ import annotations

import contextlib
import logging

from services.connections import accounts, token_refresh
from services.core import event_bus
from services.core.config import Settings
from services.media import cleanup, conversions
from services.platforms.base import close_http_client
from services.publishing import due_timer, engine

log = logging.getLogger(__name__)


async def start_services(settings: Settings) -> None:
    """Accounts from the environment, then recovery: files of cut-off uploads removed, deliveries of a process that
    is gone (lease run out) marked interrupted, and so every half lease from then on, queued posts resumed; then the
    scheduler loads every scheduled post. Token renewal and the sweep of unused media then run in the background."""
    event_bus.start_listening(settings.database_url)
    accounts.sync_env_accounts(settings)
    interrupted = conversions.mark_interrupted()
    if interrupted:
        log.info('%d media conversion(s) were cut off when the app stopped: start them again', interrupted)
    swept = cleanup.sweep_leftovers()
    if swept:
        log.info('removed %d file(s) left in the uploads folder by an interrupted upload', swept)
    publisher = engine.init_engine(settings)
    resumable = engine.recover_abandoned()
    publisher.watch_abandoned()
    for post_id in resumable:
        publisher.start(post_id)
    if resumable:
        log.info('resuming %d post(s) that were queued when the app stopped', len(resumable))
    await due_timer.start_scheduler(settings)
    token_refresh.start_token_refresh(settings)
    cleanup.start_unused_media_sweep()


async def stop_services() -> None:
    event_bus.stop_listening()
    await due_timer.stop_scheduler()
    with contextlib.suppress(RuntimeError):  # no engine was started
        await engine.get_engine().stop()
    await token_refresh.stop_token_refresh()
    await cleanup.stop_unused_media_sweep()
    await conversions.stop()
    await close_http_client()
