"""What the app does when it starts and stops, apart from serving pages."""
from __future__ import annotations

import contextlib
import logging

from services.connections import accounts, token_refresh
from services.core import event_bus
from services.core.config import Settings
from services.media import cleanup, conversions
from services.notifications import lookahead, outbox
from services.platforms.base import close_http_client
from services.publishing import due_timer, engine, records

log = logging.getLogger(__name__)
_ready = False


def is_ready() -> bool:
    """Whether this process takes work: its services have started and it is not shutting down."""
    return _ready


async def start_services(settings: Settings) -> None:
    """Accounts from the environment, then recovery: files of cut-off uploads removed, deliveries of a process that
    is gone (lease run out) marked interrupted, and so every half lease from then on, queued posts resumed; then the
    scheduler loads every scheduled post. Token renewal, the sweep of unused media, the outbox (emails, webhooks)
    and the warnings of posts due soon then run in the background."""
    event_bus.start_listening(settings.database_url)
    accounts.sync_env_accounts(settings)
    interrupted = conversions.mark_interrupted()
    if interrupted:
        log.info('%d media conversion(s) were cut off when the app stopped: start them again', interrupted)
    swept = cleanup.sweep_leftovers()
    if swept:
        log.info('removed %d file(s) left in the uploads folder by an interrupted upload', swept)
    publisher = engine.init_engine(settings)
    resumable = records.recover_abandoned()
    publisher.watch_abandoned()
    for post_id in resumable:
        publisher.start(post_id)
    if resumable:
        log.info('resuming %d post(s) that were queued when the app stopped', len(resumable))
    await due_timer.start_scheduler(settings)
    token_refresh.start_token_refresh(settings)
    cleanup.start_unused_media_sweep()
    outbox.start_outbox(settings)
    lookahead.start_watch(settings)
    global _ready
    _ready = True


async def stop_services() -> None:
    """Shutting down (SIGTERM, a rolling restart): not ready any more, no post fired here, what is being sent gets
    its grace period and the rest goes back to the other processes (see Engine.drain)."""
    global _ready
    _ready = False
    await due_timer.stop_scheduler()
    with contextlib.suppress(RuntimeError):  # no engine was started
        publisher = engine.get_engine()
        await publisher.drain()
        await publisher.stop()
    event_bus.stop_listening()
    await token_refresh.stop_token_refresh()
    await cleanup.stop_unused_media_sweep()
    await outbox.stop_outbox()
    await lookahead.stop_watch()
    await conversions.stop()
    await close_http_client()
