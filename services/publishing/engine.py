"""The publishing engine: claims deliveries in the database, sends them, retries, records every attempt.

A delivery is claimed with a conditional status change (pending → publishing, checked by its row count) only once
it has a sending slot and its account's pacing gap, just before the request: so a double click, two tabs or two
processes never send it twice, and a stop while it waits leaves it pending, to be sent after the restart. Only a
delivery whose request may have reached the platform is found publishing after a crash; it becomes interrupted once
the lease its process renewed has run out, so a process starting beside a live one never judges that one's sends.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import random
import socket
import uuid
from datetime import timedelta

import sqlalchemy as sa
from sqlmodel import select

from services.connections import accounts, channels
from services.core import db
from services.core.config import Settings
from services.core.i18n import N_
from services.core.models import (
    AccountStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    MediaAsset,
    Post,
    PostMedia,
    PostStatus,
    utcnow,
)
from services.core.periodic import Periodic
from services.media import library
from services.platforms import registry
from services.platforms.base import Account, MediaFile, NeedsReconnect, OutcomeUnknown, PostContent, Rejected, Retryable
from services.platforms.spec import PlatformSpec
from services.posts import recurrence, state, versions
from services.publishing.pacing import Turns
from services.queue.paused import not_held_by_a_paused_queue

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300.0
INTERRUPTED_REASON = N_('The app stopped while this was being sent, so it may or may not have arrived. '
                        'Check the platform, then retry if it is missing.')
NO_ACCOUNT_REASON = N_('This channel is not connected. Connect it on the Channels page, then retry.')
ANSWER_LOST_REASON = N_('The platform\'s answer was lost after this was sent, so it may or may not have arrived. '
                        'Check the platform, then retry if it is missing.')


class Outcome:
    PUBLISHED = 'published'
    RETRY = 'retry'
    FAILED = 'failed'
    REJECTED = 'rejected'
    NEEDS_RECONNECT = 'needs_reconnect'
    INTERRUPTED = 'interrupted'


class Engine:
    """Sends deliveries for this process. Every delivery it claims carries its `instance` id and a lease it renews
    while it holds the delivery, so other processes on the same database know it is alive."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.instance = f'{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}'
        self._leases = Periodic('delivery leases', self.renew_leases, first_delay_s=settings.delivery_lease_seconds / 3,
                                interval_s=settings.delivery_lease_seconds / 3)
        self._recovery = Periodic('abandoned deliveries', _recover_in_thread,
                                  first_delay_s=settings.delivery_lease_seconds / 2,
                                  interval_s=settings.delivery_lease_seconds / 2)
        self._turns = Turns(settings)
        self._tasks: set[asyncio.Task] = set()
        try:
            self._loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self._loop = None

    def start(self, post_id: int) -> None:
        """Publish the post's pending deliveries in the background, on the engine's event loop.

        May be called from any thread (the REST API saves posts in worker threads). Raises RuntimeError when the
        engine has never seen its loop (it was made outside one and never started from inside one).
        """
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            self._loop = loop
            self._spawn(post_id)
        elif self._loop is not None:
            self._loop.call_soon_threadsafe(self._spawn, post_id)
        else:
            raise RuntimeError('the engine has no event loop to publish on')

    def _spawn(self, post_id: int) -> None:
        task = asyncio.create_task(self.publish_post(post_id), name=f'publish post {post_id}')
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish_post(self, post_id: int) -> None:
        """Send every pending delivery of a post that is due, concurrently."""
        pending = _pending_deliveries_of_due_post(post_id)
        await asyncio.gather(*(self.run_delivery(delivery_id) for delivery_id in pending))

    async def run_delivery(self, delivery_id: int) -> None:
        """Send one pending delivery, retrying what may be retried. Does nothing when another task has it.

        It stays pending while it waits for its account's pacing gap and a sending slot, and is claimed only then;
        a claim lost to another task or process gives the slot and the gap back to the next delivery.
        """
        prepared = _prepare(delivery_id)
        if prepared is None:
            return
        platform, channel_id, account_id, content = prepared
        if account_id is None:
            _fail_unsent(delivery_id, NO_ACCOUNT_REASON)
            return
        spec = registry.get(platform)
        client = spec.client(self.settings.platform(spec.name))
        gap = self.settings.pacing_seconds.get(spec.name, 0.0)
        account: Account | None = None  # read once claimed: token renewal leaves accounts with a send under way alone
        held = False  # still claimed from the attempt before, whose request may have reached the platform
        for attempt in range(1, self.settings.publish_max_attempts + 1):
            started = utcnow()
            claim = functools.partial(self._claim, delivery_id) if not held else lambda: True
            try:
                async with self._turns.take(spec, channel_id, account_id, gap, claim) as claimed:
                    if not claimed:
                        return
                    # its store keeps a renewed token or a moved chat the moment it changes
                    account = account or _account(channel_id)
                    if account is None:
                        _finish(delivery_id, DeliveryStatus.FAILED, Outcome.FAILED, NO_ACCOUNT_REASON, started)
                        return
                    started = utcnow()
                    result = await client.publish(content, account)
            except Retryable as error:
                if _may_have_arrived(error, spec):
                    log.warning('delivery %s may or may not have arrived: %s', delivery_id, error.message)
                    _finish(delivery_id, DeliveryStatus.INTERRUPTED, Outcome.INTERRUPTED, ANSWER_LOST_REASON, started)
                    return
                if attempt == self.settings.publish_max_attempts:
                    _finish(delivery_id, DeliveryStatus.FAILED, Outcome.FAILED, error.message, started)
                    return
                held = isinstance(error, OutcomeUnknown)
                _wait_to_retry(delivery_id, error.message, started, held=held)
                await asyncio.sleep(self._backoff(attempt, error.retry_after))
            except NeedsReconnect as error:
                accounts.mark_needs_reconnect(account_id)
                _finish(delivery_id, DeliveryStatus.FAILED, Outcome.NEEDS_RECONNECT, error.message, started)
                return
            except Rejected as error:
                _finish(delivery_id, DeliveryStatus.FAILED, Outcome.REJECTED, error.message, started)
                return
            except Exception as error:  # noqa: BLE001 - a bug must fail this delivery, not hang it in publishing
                log.exception('delivery %s failed unexpectedly', delivery_id)
                _finish(delivery_id, DeliveryStatus.FAILED, Outcome.FAILED, f'{type(error).__name__}: {error}',
                        started)
                return
            else:
                _finish(delivery_id, DeliveryStatus.PUBLISHED, Outcome.PUBLISHED, None, started,
                        remote_id=result.remote_id or None, remote_url=result.remote_url)
                return

    def _claim(self, delivery_id: int) -> bool:
        """Take the delivery (pending → publishing) under this process's lease; False when another task, tab or
        process has it."""
        self._leases.start()
        lease = utcnow() + timedelta(seconds=self.settings.delivery_lease_seconds)
        with state.transaction() as change:
            claimed = change.move_delivery(delivery_id, DeliveryStatus.PUBLISHING, only_from=[DeliveryStatus.PENDING],
                                           attempt_count=Delivery.attempt_count + 1, last_error=None,
                                           owner=self.instance, lease_until=lease)
            if claimed:
                change.announce_delivery(delivery_id)
        return claimed

    async def renew_leases(self) -> int:
        """Extend the lease of every delivery this process is sending (or holds between two attempts); returns how
        many. Runs every third of a lease while the engine has claimed anything."""
        lease = utcnow() + timedelta(seconds=self.settings.delivery_lease_seconds)
        with db.session() as session:
            return session.exec(sa.update(Delivery).where(
                Delivery.owner == self.instance, Delivery.status == DeliveryStatus.PUBLISHING,
            ).values(lease_until=lease)).rowcount

    def watch_abandoned(self) -> None:
        """From now on, every half lease, judge deliveries whose sending process is gone (`recover_abandoned`):
        a process killed beside this one is found out while this one runs, not at its next start."""
        self._recovery.start()

    async def stop(self) -> None:
        """Stop renewing leases and watching others' (what is still claimed then is judged by its lease, as after
        a crash)."""
        await self._leases.stop()
        await self._recovery.stop()

    async def wait_idle(self) -> None:
        """Wait until every publishing task started so far has ended (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(float(retry_after), MAX_BACKOFF_SECONDS)
        base = self.settings.retry_base_seconds * 2 ** (attempt - 1)
        return min(base * (0.5 + random.random()), MAX_BACKOFF_SECONDS)

def recover_abandoned() -> list[int]:
    """Deliveries whose sending process is gone (their lease ran out: a crash, a kill) become interrupted, never
    silently resent: their request may have reached the platform. Deliveries a live process is sending (on this
    database, from any machine) are left alone.

    Returns the ids of posts being published that still have pending deliveries: nothing of those was sent yet, so
    they may be resumed.
    """
    now = utcnow()
    with state.transaction() as change:
        stuck = change.move_deliveries(DeliveryStatus.INTERRUPTED, only_from=[DeliveryStatus.PUBLISHING],
                                       where=[sa.or_(Delivery.lease_until.is_(None), Delivery.lease_until < now)],
                                       last_error=INTERRUPTED_REASON, owner=None, lease_until=None)
        for delivery_id, _post_id in stuck:
            change.record_attempt(delivery_id, Outcome.INTERRUPTED, now, error=INTERRUPTED_REASON)
            change.announce_delivery(delivery_id)
        for post_id in {post_id for _delivery_id, post_id in stuck}:
            change.settle_post(post_id)
        resumable = change.session.exec(select(Post.id).where(Post.status == PostStatus.PUBLISHING).where(
            sa.exists().where(Delivery.post_id == Post.id, Delivery.status == DeliveryStatus.PENDING))).all()
    return list(resumable)


async def _recover_in_thread() -> None:
    await asyncio.to_thread(recover_abandoned)


def _may_have_arrived(error: Retryable, spec: PlatformSpec) -> bool:
    """Whether sending again could post twice: the answer to a publish was lost, and the platform's client cannot
    find out at the next attempt whether it went up. The user looks, then retries."""
    return isinstance(error, OutcomeUnknown) and not spec.finds_lost_posts


def _pending_deliveries_of_due_post(post_id: int) -> list[int]:
    """A scheduled post that is due (and not held by a paused channel queue), or one queued for now, moves to
    publishing and its pending deliveries are returned; nothing for any other post."""
    with state.transaction() as change:
        if change.move_post(post_id, PostStatus.PUBLISHING, only_from=[PostStatus.SCHEDULED],
                            where=[Post.scheduled_at <= utcnow(), not_held_by_a_paused_queue()]):
            change.announce_post(post_id)
            recurrence.follow_on(change, post_id)  # a recurring post's next occurrence, made once, with the claim
        session = change.session
        if session.exec(select(Post.status).where(Post.id == post_id)).first() != PostStatus.PUBLISHING:
            return []
        return list(session.exec(select(Delivery.id).where(Delivery.post_id == post_id,
                                                           Delivery.status == DeliveryStatus.PENDING)))


def _prepare(delivery_id: int) -> tuple[str, int, int | None, PostContent] | None:
    """(platform, channel id, id of the account it sends with or None when the channel is not connected, content)
    of a pending delivery; None when it is not pending (sent, or another task has it). Read before it waits for its
    turn, so that once claimed, only the request itself stands between the claim and the platform."""
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        if delivery is None or delivery.status != DeliveryStatus.PENDING:
            return None
        channel = session.get(Channel, delivery.channel_id)
        post = session.get(Post, delivery.post_id)
        assets = list(session.exec(select(MediaAsset).join(PostMedia, PostMedia.media_id == MediaAsset.id)
                                   .where(PostMedia.post_id == post.id).order_by(PostMedia.position)))
    account_id = channel.account_id if channel.status == AccountStatus.CONNECTED else None
    return delivery.platform, channel.id, account_id, _content_of(post, assets, delivery)


def _account(channel_id: int) -> Account | None:
    """The channel's current credentials; None when it was disconnected meanwhile."""
    channel = channels.get_channel(channel_id)
    return channels.credentials_for(channel) if channel and channel.status == AccountStatus.CONNECTED else None


def _content_of(post: Post, assets: list[MediaAsset], delivery: Delivery) -> PostContent:
    """What goes to the delivery's channel: its own version where it has one, else the post's."""
    spec = registry.get(delivery.platform)
    version = versions.of_delivery(post, delivery, assets)
    files = tuple(_media_file(asset, spec) for asset in version.media)
    return PostContent(text=version.text, media=files, options=version.options,
                       resume=json.loads(delivery.resume_state or '{}'),
                       checkpoint=functools.partial(_save_resume_state, delivery.id))


def _save_resume_state(delivery_id: int, state: dict) -> None:
    """Written before the client takes a step it must not repeat blindly, so it survives a crash during it."""
    with db.session() as session:
        session.exec(sa.update(Delivery).where(Delivery.id == delivery_id).values(
            resume_state=json.dumps(state) if state else None))


def _media_file(asset, spec: PlatformSpec) -> MediaFile:
    mime, url = asset.mime_type, None
    if spec.pulls_media is not None:
        try:
            if spec.pulls_media.photos_as_jpeg and not asset.mime_type.startswith('video/'):
                mime, url = 'image/jpeg', library.signed_jpeg_url(asset)
            else:
                url = library.signed_url(asset)
        except library.PublicUrlMissing:
            url = None  # the client refuses with the reason, which the user then sees
    return MediaFile(library.media_path(asset), mime, asset.width, asset.height, asset.duration_s, url=url)


def _wait_to_retry(delivery_id: int, error: str, started, *, held: bool) -> None:
    """Log a failed attempt that will be tried again. A request that did not take effect gives the delivery back
    (publishing → pending) while it waits; one that may have reached the platform (`held`) keeps it claimed, so a
    stop meanwhile leaves it interrupted rather than sent twice."""
    with state.transaction() as change:
        if held:
            change.session.exec(sa.update(Delivery).where(Delivery.id == delivery_id).values(
                attempt_count=Delivery.attempt_count + 1, last_error=error, updated_at=utcnow()))
        elif not change.move_delivery(delivery_id, DeliveryStatus.PENDING, only_from=[DeliveryStatus.PUBLISHING],
                                      last_error=error, owner=None, lease_until=None):
            return
        change.record_attempt(delivery_id, Outcome.RETRY, started, error=error)
        change.announce_delivery(delivery_id)


def _finish(delivery_id: int, status: str, outcome: str, error: str | None, started, *,
            remote_id: str | None = None, remote_url: str | None = None) -> None:
    """End a claimed delivery (publishing → published or failed) with the attempt that ended it."""
    now = utcnow()
    published = {'remote_id': remote_id, 'remote_url': remote_url, 'published_at': now, 'resume_state': None} \
        if status == DeliveryStatus.PUBLISHED else {}
    with state.transaction() as change:
        if not change.move_delivery(delivery_id, status, only_from=[DeliveryStatus.PUBLISHING], last_error=error,
                                    owner=None, lease_until=None, **published):
            log.warning('delivery %s was no longer being sent when it ended as %s', delivery_id, outcome)
            return
        change.record_attempt(delivery_id, outcome, started, error=error, remote_id=remote_id, remote_url=remote_url)
        change.settle_post(change.session.get(Delivery, delivery_id).post_id)
        change.announce_delivery(delivery_id)


def _fail_unsent(delivery_id: int, reason: str) -> None:
    """A pending delivery that cannot be sent at all fails with `reason` (pending → failed), nothing sent."""
    now = utcnow()
    with state.transaction() as change:
        if not change.move_delivery(delivery_id, DeliveryStatus.FAILED, only_from=[DeliveryStatus.PENDING],
                                    last_error=reason):
            return
        change.record_attempt(delivery_id, Outcome.FAILED, now, error=reason)
        change.settle_post(change.session.get(Delivery, delivery_id).post_id)
        change.announce_delivery(delivery_id)


_engine: Engine | None = None


def init_engine(settings: Settings) -> Engine:
    global _engine
    _engine = Engine(settings)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError('init_engine() has not run')
    return _engine
