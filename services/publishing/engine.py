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
import logging
import os
import random
import socket
import threading
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from services.connections import accounts
from services.core import db
from services.core.config import Settings
from services.core.models import (
    Delivery,
    DeliveryStatus,
    utcnow,
)
from services.core.periodic import Periodic
from services.platforms import registry
from services.platforms.base import Account, NeedsReconnect, OutcomeUnknown, Rejected, Retryable
from services.platforms.spec import PlatformSpec
from services.publishing import records
from services.publishing.batches import Batches
from services.publishing.pacing import Turns
from services.publishing.records import Outcome

log = logging.getLogger(__name__)
MAX_BACKOFF_SECONDS = 300.0
# posts falling due within this long of each other are taken in one transaction (and so claimed and ended together):
# at a few posts a second or more it costs each post this much lateness and saves most of the database work
DUE_GATHER_S = 0.1
# what a process takes of a burst beyond its sending slots: a few rounds of sends (a fraction of a second), so that
# another process on the same database takes the rest rather than wait behind this one
BACKLOG_PER_SLOT = 4
# a send that ended waits this long for others to end in the same transaction: only its status shows this much later
# (its sending slot is free already), and the ends of a burst cost a few transactions, not one per handful
END_GATHER_S = 0.25
# deliveries whose turn comes within this long of each other are claimed in one transaction: each request leaves up to
# this much later, and a steady stream of sends costs a claim every this long, not one per send or two
CLAIM_GATHER_S = 0.02


class Engine:
    """Sends deliveries for this process. Every delivery it claims carries its `instance` id and a lease it renews
    while it holds the delivery, so other processes on the same database know it is alive."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.instance = f'{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}'
        self._leases = Periodic('delivery leases', self.renew_leases, first_delay_s=settings.delivery_lease_seconds / 3,
                                interval_s=settings.delivery_lease_seconds / 3)
        self._recovery = Periodic('abandoned deliveries', self._recover,
                                  first_delay_s=settings.delivery_lease_seconds / 2,
                                  interval_s=settings.delivery_lease_seconds / 2)
        self._turns = Turns(settings)
        self._endings: Batches[records.Ending, None] = Batches(records.finish, gather_s=END_GATHER_S)
        self._claims: Batches[records.Claim, records.Claimed | None] = Batches(
            lambda claims: records.claim(claims, self.instance, self._lease()), gather_s=CLAIM_GATHER_S)
        self._due: Batches[int, list[records.Prepared]] = Batches(self._take_posts, gather_s=DUE_GATHER_S)
        # what this process has taken and not yet ended, counted against what it can send soon (BACKLOG_PER_SLOT)
        self._backlog = settings.publish_concurrency * BACKLOG_PER_SLOT
        self._held = 0
        self._held_lock = threading.Lock()  # taking runs in worker threads, ending on the loop
        self._left_behind = False  # a take stopped at its room: due posts may wait for this or another process
        self._pulling = False
        self._tasks: set[asyncio.Task] = set()
        self._draining = asyncio.Event()
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
        if self._draining.is_set():
            return  # another process sends it (its deliveries are free), or this one after its restart
        task = asyncio.create_task(self.publish_post(post_id), name=f'publish post {post_id}')
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish_post(self, post_id: int) -> None:
        """Publish the post's pending deliveries once it is due (or being published: a retry), with the other due
        posts this process has room for, the longest due first, concurrently. Posts falling due together are taken
        from the database together; the first of them sends what that take reserved. A post this process has no
        room for is left due, for whichever process has room first (this one, once its backlog runs low)."""
        await self._send(await self._due.add(post_id))

    def _take_posts(self, post_ids: list[int]) -> list[list[records.Prepared]]:
        return [self._take(post_ids)] + [[] for _id in post_ids[1:]]

    def _take(self, post_ids: list[int]) -> list[records.Prepared]:
        """`records.take_due` with the room this process has (worker thread): the deliveries it reserved."""
        with self._held_lock:
            room = self._backlog - self._held
            # less than half the backlog free: left for the take that follows once it runs low (`_count`), so a busy
            # process takes in a few large steps, not a small one for every post's timer
            room = room if room >= self._backlog - self._backlog // 2 else 0
            self._held += room  # kept for this take until it is known how much it took
        taken = None
        try:
            taken = records.take_due(post_ids, self.instance, self._lease(), room)
        finally:
            with self._held_lock:
                self._held -= room - (sum(map(len, taken.by_post.values())) if taken else 0)
                if taken is not None:
                    self._left_behind = taken.full
        return [prepared for pending in taken.by_post.values() for prepared in pending]

    async def _send(self, pending: list[records.Prepared]) -> None:
        if pending:
            self._leases.start()
        await asyncio.gather(*(self._send_one(prepared) for prepared in pending))

    async def _send_one(self, prepared: records.Prepared) -> None:
        counted = _Counted(self)
        try:
            await self.run_delivery(prepared, counted)
        finally:
            counted.leave()

    def _count(self, change: int) -> None:
        """Add `change` to the deliveries held against the backlog; once it runs low, take the due posts left for
        lack of room."""
        with self._held_lock:
            self._held += change
            low = self._held <= self._backlog // 2
        if change < 0 and low and self._left_behind and not self._pulling and not self._draining.is_set():
            self._pulling = True
            task = asyncio.create_task(self._pull(), name='take due posts')
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pull(self) -> None:
        """Take due posts that were left for lack of room (the longest due first), and send them."""
        try:
            taken = await asyncio.to_thread(self._take, [])
        except Exception:  # noqa: BLE001 - the due posts stay scheduled: the next end or the safety net tries again
            log.warning('could not take the due posts left for lack of room', exc_info=True)
            return
        finally:
            self._pulling = False
        await self._send(taken)

    async def run_delivery(self, prepared: records.Prepared, counted: _Counted) -> None:
        """Send one pending delivery, retrying what may be retried. Does nothing when another task has it.

        It stays pending (reserved by this process) while it waits for its account's pacing gap and a sending slot,
        and is claimed only then; a claim lost to another task or process gives the slot and the gap back to the next
        delivery. Once the process drains, what it has not sent is given back for another process. While it waits
        for its channel's turn or to retry, it does not count against the backlog (`counted`).
        """
        delivery_id, platform, channel_id, account_id, content = prepared
        if account_id is None:
            await asyncio.to_thread(records.fail_unsent, delivery_id, records.NO_ACCOUNT_REASON)
            return
        def end(status: str, outcome: str, error: str | None, started: datetime, **published: str | None):
            return self._endings.add(records.Ending(delivery_id, status, outcome, error, started, **published))

        spec = registry.get(platform)
        client = spec.client(self.settings.platform(spec.name))
        gap = self.settings.pacing_seconds.get(spec.name, 0.0)
        account: Account | None = None  # read once claimed: token renewal leaves accounts with a send under way alone
        held = False  # still claimed from the attempt before, whose request may have reached the platform
        for attempt in range(1, self.settings.publish_max_attempts + 1):
            started = utcnow()
            if gap > 0:
                counted.leave()  # its channel's turn may be far off: it counts again once it comes
            else:
                counted.enter()
            claim = functools.partial(self._claim, delivery_id, channel_id, counted) if not held else _still_held
            try:
                async with self._turns.take(spec, channel_id, account_id, gap, claim) as claimed:
                    if claimed is None:
                        await asyncio.to_thread(records.release, self.instance, delivery_id)
                        return
                    # its store keeps a renewed token or a moved chat the moment it changes
                    account = account or claimed.account
                    if account is None:
                        await end(DeliveryStatus.FAILED, Outcome.FAILED, records.NO_ACCOUNT_REASON, started)
                        return
                    started = utcnow()
                    result = await client.publish(content, account)
            except Retryable as error:
                if _may_have_arrived(error, spec):
                    log.warning('delivery %s may or may not have arrived: %s', delivery_id, error.message)
                    await end(DeliveryStatus.INTERRUPTED, Outcome.INTERRUPTED, records.ANSWER_LOST_REASON,
                               started)
                    return
                if attempt == self.settings.publish_max_attempts:
                    await end(DeliveryStatus.FAILED, Outcome.FAILED, error.message, started)
                    return
                held = isinstance(error, OutcomeUnknown)
                await asyncio.to_thread(records.wait_to_retry, delivery_id, error.message, started, held=held)
                counted.leave()  # an outage must not keep the process from taking posts for other channels
                if await self._drained_within(self._backoff(attempt, error.retry_after)):
                    if not held:  # a held one may have reached the platform: its lease decides
                        await asyncio.to_thread(records.release, self.instance, delivery_id)
                    return
            except NeedsReconnect as error:
                accounts.mark_needs_reconnect(account_id)
                await end(DeliveryStatus.FAILED, Outcome.NEEDS_RECONNECT, error.message, started)
                return
            except Rejected as error:
                await end(DeliveryStatus.FAILED, Outcome.REJECTED, error.message, started)
                return
            except Exception as error:  # noqa: BLE001 - a bug must fail this delivery, not hang it in publishing
                log.exception('delivery %s failed unexpectedly', delivery_id)
                await end(DeliveryStatus.FAILED, Outcome.FAILED, f'{type(error).__name__}: {error}',
                           started)
                return
            else:
                await end(DeliveryStatus.PUBLISHED, Outcome.PUBLISHED, None, started,
                           remote_id=result.remote_id or None, remote_url=result.remote_url)
                return

    async def _claim(self, delivery_id: int, channel_id: int, counted: _Counted) -> records.Claimed | None:
        """Take the delivery this process reserved (pending → publishing) under its lease, with the other claims
        made meanwhile; None when another process has it (its reservation ran out meanwhile) or this one is
        draining."""
        if self._draining.is_set():
            return None
        counted.enter()
        return await self._claims.add(records.Claim(delivery_id, channel_id))

    def _lease(self) -> datetime:
        return utcnow() + timedelta(seconds=self.settings.delivery_lease_seconds)

    async def renew_leases(self) -> int:
        """Extend the lease of every delivery this process is sending or has reserved (waiting for its turn or to
        retry); returns how many. Runs every third of a lease while the engine has work."""
        with db.session() as session:
            return session.exec(sa.update(Delivery).where(
                Delivery.owner == self.instance,
                Delivery.status.in_([DeliveryStatus.PUBLISHING, DeliveryStatus.PENDING]),
            ).values(lease_until=self._lease())).rowcount

    async def _recover(self) -> None:
        """`records.recover_abandoned`, then send here what it found free (another process drained or died)."""
        for post_id in await asyncio.to_thread(records.recover_abandoned):
            self.start(post_id)

    async def drain(self) -> None:
        """Stop taking work (SIGTERM, a rolling restart): nothing more is claimed, waits to retry end, requests under
        way get `shutdown_grace_seconds` to finish; everything not sent is given back, pending, for another process
        (or this one's next start). A request still under way then is left to its lease."""
        self._draining.set()
        under_way = len(self._tasks)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=self.settings.shutdown_grace_seconds)
        await asyncio.to_thread(records.release, self.instance)
        log.info('stopping: %d post(s) were being published here; what was not sent yet is given back for another '
                 'process', under_way)

    async def _drained_within(self, seconds: float) -> bool:
        """Wait `seconds` (before a retry); True at once if the process starts draining meanwhile."""
        try:
            await asyncio.wait_for(self._draining.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True

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

class _Counted:
    """Whether one taken delivery counts against its engine's backlog: from its take until it ends, except while
    it waits for its channel's pacing gap or to retry. Then it holds no room, so a paced channel's long queue or one
    platform's outage does not keep the process from taking the due posts of other channels."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._in = True  # counted by the take that reserved it

    def enter(self) -> None:
        if not self._in:
            self._in = True
            self._engine._count(1)

    def leave(self) -> None:
        if self._in:
            self._in = False
            self._engine._count(-1)


async def _still_held() -> records.Claimed:
    return records.Claimed(None)  # the attempt before may have reached the platform: it kept its claim (and account)


def _may_have_arrived(error: Retryable, spec: PlatformSpec) -> bool:
    """Whether sending again could post twice: the answer to a publish was lost, and the platform's client cannot
    find out at the next attempt whether it went up. The user looks, then retries."""
    return isinstance(error, OutcomeUnknown) and not spec.finds_lost_posts


_engine: Engine | None = None


def init_engine(settings: Settings) -> Engine:
    global _engine
    _engine = Engine(settings)
    return _engine


def get_engine() -> Engine:
    if _engine is None:
        raise RuntimeError('init_engine() has not run')
    return _engine
