"""The publishing engine: claims deliveries in the database, sends them, retries, records every attempt.

A delivery is claimed with a conditional status change (pending → publishing, checked by its row count) before
any call to a platform, so a double click, two tabs or two processes never send it twice.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import random
import time
from dataclasses import dataclass

import sqlalchemy as sa
from sqlmodel import select

from services.connections import accounts
from services.core import db, events
from services.core.config import Settings
from services.core.i18n import N_
from services.core.models import (
    AccountStatus,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    MediaAsset,
    PlatformAccount,
    Post,
    PostMedia,
    PostStatus,
    User,
    utcnow,
)
from services.media import library
from services.platforms import registry
from services.platforms.base import Account, MediaFile, NeedsReconnect, OutcomeUnknown, PostContent, Rejected, Retryable
from services.platforms.spec import PlatformSpec
from services.team import audit, permissions

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300.0
INTERRUPTED_REASON = N_('The app stopped while this was being sent, so it may or may not have arrived. '
                        'Check the platform, then retry if it is missing.')
NO_ACCOUNT_REASON = N_('No connected account for this platform. Connect it on the Accounts page, then retry.')
RECONNECT_REASON = N_('The platform no longer accepts this account\'s credentials. Reconnect it on the Accounts '
                      'page, then retry.')
ANSWER_LOST_REASON = N_('The platform\'s answer was lost after this was sent, so it may or may not have arrived. '
                        'Check the platform, then retry if it is missing.')


class Outcome:
    PUBLISHED = 'published'
    RETRY = 'retry'
    FAILED = 'failed'
    REJECTED = 'rejected'
    NEEDS_RECONNECT = 'needs_reconnect'
    INTERRUPTED = 'interrupted'


@dataclass
class _Pace:
    lock: asyncio.Lock
    last: float = 0.0


class Engine:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._slots = asyncio.Semaphore(settings.publish_concurrency)
        self._pacing: dict[tuple[str, int | None], _Pace] = {}
        self._tasks: set[asyncio.Task] = set()

    def start(self, post_id: int) -> asyncio.Task:
        """Publish the post's pending deliveries in the background."""
        task = asyncio.create_task(self.publish_post(post_id), name=f'publish post {post_id}')
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def publish_post(self, post_id: int) -> None:
        """Send every pending delivery of a post that is due, concurrently."""
        pending = _pending_deliveries_of_due_post(post_id)
        await asyncio.gather(*(self.run_delivery(delivery_id) for delivery_id in pending))

    async def run_delivery(self, delivery_id: int) -> None:
        """Claim one delivery and send it, retrying what may be retried. Does nothing when already claimed."""
        claimed = _claim(delivery_id)
        if claimed is None:
            return
        delivery, post, account_row, assets = claimed
        _announce(delivery, post)
        if account_row is None:
            _finish(delivery_id, DeliveryStatus.FAILED, Outcome.FAILED, NO_ACCOUNT_REASON, utcnow())
            return
        account = accounts.credentials_of(account_row)  # keeps a renewed token or a moved chat the moment it changes
        content = _content_of(post, assets, delivery)
        spec = registry.get(delivery.platform)
        client = spec.client(self.settings.platform(spec.name))
        for attempt in range(1, self.settings.publish_max_attempts + 1):
            started = utcnow()
            try:
                async with self._slots:
                    await self._pace(delivery.platform, account)
                    result = await client.publish(content, account)
            except Retryable as error:
                if _may_have_arrived(error, spec):
                    log.warning('delivery %s may or may not have arrived: %s', delivery_id, error.message)
                    _finish(delivery_id, DeliveryStatus.INTERRUPTED, Outcome.INTERRUPTED, ANSWER_LOST_REASON, started)
                    return
                if attempt == self.settings.publish_max_attempts:
                    _finish(delivery_id, DeliveryStatus.FAILED, Outcome.FAILED, error.message, started)
                    return
                _record_retry(delivery_id, error.message, started)
                await asyncio.sleep(self._backoff(attempt, error.retry_after))
            except NeedsReconnect as error:
                accounts.mark_needs_reconnect(account_row.id)
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

    async def wait_idle(self) -> None:
        """Wait until every publishing task started so far has ended (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            return min(float(retry_after), MAX_BACKOFF_SECONDS)
        base = self.settings.retry_base_seconds * 2 ** (attempt - 1)
        return min(base * (0.5 + random.random()), MAX_BACKOFF_SECONDS)

    async def _pace(self, platform: str, account: Account) -> None:
        """Keep sends to one account at least the platform's pacing interval apart."""
        interval = self.settings.pacing_seconds.get(platform, 0.0)
        if interval <= 0:
            return
        pace = self._pacing.setdefault((platform, account.id), _Pace(asyncio.Lock()))
        async with pace.lock:
            wait = pace.last + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            pace.last = time.monotonic()


def retry_delivery(delivery_id: int, *, actor: User | None = None, ip: str = '') -> int | None:
    """Put a failed or interrupted delivery back in the queue; returns its post's id, None when it was not
    in such a state (already retried from another tab, say). Raises Forbidden when `actor` may not publish."""
    if actor is not None:
        permissions.require(actor, permissions.Action.PUBLISH, ip=ip)
    with db.session() as session:
        changed = session.exec(sa.update(Delivery).where(
            Delivery.id == delivery_id,
            Delivery.status.in_([DeliveryStatus.FAILED, DeliveryStatus.INTERRUPTED]),
        ).values(status=DeliveryStatus.PENDING, updated_at=utcnow())).rowcount
        if changed != 1:
            return None
        post_id = session.get(Delivery, delivery_id).post_id
        session.exec(sa.update(Post).where(Post.id == post_id).values(status=PostStatus.PUBLISHING,
                                                                      updated_at=utcnow()))
        audit.record(session, audit.Action.POST_RETRIED, actor_id=actor.id if actor else None,
                     target=str(post_id), ip=ip)
    return post_id


def recover_after_restart() -> list[int]:
    """Deliveries left publishing by a crash become interrupted (never silently resent).

    Returns the ids of posts that still have pending deliveries and were being published: they may be resumed,
    as nothing of theirs reached a platform yet.
    """
    now = utcnow()
    with db.session() as session:
        stuck = list(session.exec(select(Delivery).where(Delivery.status == DeliveryStatus.PUBLISHING)))
        for delivery in stuck:
            delivery.status, delivery.last_error, delivery.updated_at = DeliveryStatus.INTERRUPTED, \
                INTERRUPTED_REASON, now
            session.add(DeliveryAttempt(delivery_id=delivery.id, started_at=now, finished_at=now,
                                        outcome='interrupted', error_detail=INTERRUPTED_REASON))
        session.flush()
        for post_id in {delivery.post_id for delivery in stuck}:
            _settle_post_status(session, post_id)
        resumable = session.exec(select(Post.id).where(Post.status == PostStatus.PUBLISHING).where(
            sa.exists().where(Delivery.post_id == Post.id, Delivery.status == DeliveryStatus.PENDING))).all()
    return list(resumable)


def _may_have_arrived(error: Retryable, spec: PlatformSpec) -> bool:
    """Whether sending again could post twice: the answer to a publish was lost, and the platform's client cannot
    find out at the next attempt whether it went up. The user looks, then retries."""
    return isinstance(error, OutcomeUnknown) and not spec.finds_lost_posts


def _pending_deliveries_of_due_post(post_id: int) -> list[int]:
    """A scheduled post that is due, or one queued for now, moves to publishing and its pending deliveries are
    returned; nothing for any other post."""
    with db.session() as session:
        session.exec(sa.update(Post).where(Post.id == post_id, Post.status == PostStatus.SCHEDULED,
                                           Post.scheduled_at <= utcnow())
                     .values(status=PostStatus.PUBLISHING, updated_at=utcnow()))
        status = session.exec(select(Post.status).where(Post.id == post_id)).first()
        if status != PostStatus.PUBLISHING:
            return []
        return list(session.exec(select(Delivery.id).where(Delivery.post_id == post_id,
                                                           Delivery.status == DeliveryStatus.PENDING)))


def _claim(delivery_id: int) -> tuple[Delivery, Post, PlatformAccount | None, list[MediaAsset]] | None:
    """Take the delivery (pending → publishing) and load what sending it needs, in one transaction.

    None when another task, tab or process has it already.
    """
    with db.session() as session:
        claimed = session.exec(sa.update(Delivery).where(
            Delivery.id == delivery_id, Delivery.status == DeliveryStatus.PENDING,
        ).values(status=DeliveryStatus.PUBLISHING, attempt_count=Delivery.attempt_count + 1, last_error=None,
                 updated_at=utcnow())).rowcount
        if claimed != 1:
            return None
        delivery = session.get(Delivery, delivery_id)
        post = session.get(Post, delivery.post_id)
        account = session.get(PlatformAccount, delivery.account_id) if delivery.account_id else None
        if account is None or account.status != AccountStatus.CONNECTED:
            account = session.exec(select(PlatformAccount).where(
                PlatformAccount.platform == delivery.platform, PlatformAccount.status == AccountStatus.CONNECTED,
            ).order_by(PlatformAccount.id)).first()
        assets = list(session.exec(select(MediaAsset).join(PostMedia, PostMedia.media_id == MediaAsset.id)
                                   .where(PostMedia.post_id == post.id).order_by(PostMedia.position)))
    return delivery, post, account, assets


def _content_of(post: Post, assets: list[MediaAsset], delivery: Delivery) -> PostContent:
    platform = delivery.platform
    spec = registry.get(platform)
    files = tuple(_media_file(asset, spec) for asset in assets)
    return PostContent(text=post.text, media=files, options=dict((post.options or {}).get(platform, {})),
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


def _record_retry(delivery_id: int, error: str, started) -> None:
    with db.session() as session:
        session.add(DeliveryAttempt(delivery_id=delivery_id, started_at=started, finished_at=utcnow(),
                                    outcome=Outcome.RETRY, error_detail=error))
        session.exec(sa.update(Delivery).where(Delivery.id == delivery_id).values(
            attempt_count=Delivery.attempt_count + 1, last_error=error, updated_at=utcnow()))


def _finish(delivery_id: int, status: str, outcome: str, error: str | None, started, *,
            remote_id: str | None = None, remote_url: str | None = None) -> None:
    now = utcnow()
    with db.session() as session:
        delivery = session.get(Delivery, delivery_id)
        delivery.status, delivery.last_error, delivery.updated_at = status, error, now
        if status == DeliveryStatus.PUBLISHED:
            delivery.remote_id, delivery.remote_url, delivery.published_at = remote_id, remote_url, now
            delivery.resume_state = None
        session.add(DeliveryAttempt(delivery_id=delivery_id, started_at=started, finished_at=now, outcome=outcome,
                                    error_detail=error, remote_id=remote_id, remote_url=remote_url))
        session.flush()
        post = _settle_post_status(session, delivery.post_id)
    _announce(delivery, post)


def _settle_post_status(session, post_id: int) -> Post:
    """The post's status follows its deliveries: publishing, published, partly published or failed."""
    post = session.get(Post, post_id)
    statuses = list(session.exec(select(Delivery.status).where(Delivery.post_id == post_id)))
    if any(s in (DeliveryStatus.PENDING, DeliveryStatus.PUBLISHING) for s in statuses):
        post.status = PostStatus.PUBLISHING
    elif statuses and all(s == DeliveryStatus.PUBLISHED for s in statuses):
        post.status = PostStatus.PUBLISHED
    elif any(s == DeliveryStatus.PUBLISHED for s in statuses):
        post.status = PostStatus.PARTLY_PUBLISHED
    else:
        post.status = PostStatus.FAILED
    post.updated_at = utcnow()
    return post


def _announce(delivery: Delivery, post: Post) -> None:
    events.emit(events.DeliveryChanged(post_id=post.id, delivery_id=delivery.id, platform=delivery.platform,
                                       status=delivery.status, post_status=post.status, author_id=post.author_id,
                                       error=delivery.last_error, remote_url=delivery.remote_url))


_engine: Engine | None = None


def init_engine(settings: Settings) -> Engine:
    global _engine
    _engine = Engine(settings)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError('init_engine() has not run')
    return _engine
