"""APScheduler in the app's loop: one date job per scheduled post. The database stays the truth.

At start every scheduled post is loaded as a job (job id = post id); posts that fell due while the app was down
are published now when less late than the grace, else marked missed. Later changes arrive as PostScheduleChanged
events (from other processes too, on PostgreSQL), and every SAFETY_NET_S the posts due by the database's clock are
handed over again, should an event have been lost. A job only hands its post to the engine, whose conditional
updates in the database make a stale or doubled job harmless: a rescheduled post is not due yet, a cancelled one
is no longer scheduled, a claimed delivery is not sent again.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlmodel import select

from services.core import db, events
from services.core.config import Settings
from services.core.models import Post, PostStatus
from services.core.periodic import Periodic
from services.posts import recurrence, state
from services.publishing import engine
from services.queue.paused import not_held_by_a_paused_queue

log = logging.getLogger(__name__)
SAFETY_NET_S = 30.0


@dataclass(frozen=True)
class StartReport:
    scheduled: int  # jobs waiting for their time
    published_late: int  # fell due while the app was down, within the grace: handed to the engine now
    missed: int  # later than the grace: marked missed
    load_seconds: float


async def fire(post_id: int) -> None:
    """The job of one post: hand it to the engine (which does nothing unless the post is still due)."""
    engine.get_engine().start(post_id)


class PostScheduler:
    def __init__(self, settings: Settings) -> None:
        self.grace = timedelta(minutes=settings.misfire_grace_minutes)
        # the safety net under the events: a post scheduled by a process whose event never arrived still fires
        self._safety_net = Periodic('due posts', self.fire_due, first_delay_s=SAFETY_NET_S, interval_s=SAFETY_NET_S)
        # misfire_grace_time=None: a job that fires late (a busy loop) still runs; lateness is judged at start only
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults={
            'misfire_grace_time': None, 'coalesce': True, 'max_instances': 1})
        self._unsubscribe = None
        self.loop: asyncio.AbstractEventLoop | None = None

    @property
    def running(self) -> bool:
        return self._aps.running

    def start(self, *, now: datetime | None = None) -> StartReport:
        """Load every scheduled post from the database and start firing (call inside the app's loop).

        `now` replaces the clock for judging what fell due while the app was down (tests).
        """
        started = time.perf_counter()
        now = now or db.database_now()
        self._unsubscribe = events.subscribe_schedule(self._schedule_changed)
        missed = mark_missed(now - self.grace)
        late, waiting = 0, 0
        for post_id, scheduled_at in _scheduled_posts():
            if scheduled_at <= now:
                engine.get_engine().start(post_id)
                late += 1
            else:
                self.add(post_id, scheduled_at)  # pending until start: no wake-up per job
                waiting += 1
        self.loop = asyncio.get_running_loop()
        self._aps.start()
        self._safety_net.start()
        return StartReport(waiting, late, missed, time.perf_counter() - started)

    async def stop(self) -> None:
        """Stop listening and firing. A scheduler of a loop that has ended (tests) is only let go."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self._safety_net.stop()
        if self.running and self.loop is asyncio.get_running_loop():
            self._aps.shutdown(wait=False)
            await asyncio.sleep(0)  # AsyncIOScheduler shuts down in a loop callback: let it run

    async def fire_due(self) -> int:
        """Hand every scheduled post that is due by the database's clock to the engine (which sends it unless
        another process has it); returns how many."""
        due = await asyncio.to_thread(_due_posts)
        for post_id in due:
            engine.get_engine().start(post_id)
        return len(due)

    def add(self, post_id: int, when: datetime) -> None:
        """(Re)place the job of `post_id` to fire at `when` (aware)."""
        self._aps.add_job(fire, 'date', run_date=when, args=[post_id], id=str(post_id), replace_existing=True,
                          name=f'post {post_id}')

    def remove(self, post_id: int) -> None:
        with contextlib.suppress(JobLookupError):
            self._aps.remove_job(str(post_id))

    def next_run(self, post_id: int) -> datetime | None:
        """When the job of `post_id` fires; None when it has none."""
        job = self._aps.get_job(str(post_id))
        return job.next_run_time if job else None

    def job_count(self) -> int:
        return len(self._aps.get_jobs())

    def _schedule_changed(self, event: events.PostScheduleChanged) -> None:
        if event.status == PostStatus.SCHEDULED and event.scheduled_at is not None:
            self.add(event.post_id, event.scheduled_at)
        else:
            self.remove(event.post_id)


def mark_missed(cutoff: datetime) -> int:
    """Scheduled posts due before `cutoff` become missed (conditional, so a post picked up meanwhile is left
    alone), each announced; returns how many. A paused queue's posts are waiting, not missed."""
    with state.transaction() as change:
        missed = change.move_posts(PostStatus.MISSED, only_from=[PostStatus.SCHEDULED],
                                   where=[Post.scheduled_at < cutoff, not_held_by_a_paused_queue()])
        for post_id in missed:
            change.announce_post(post_id)
        recurrence.follow_on_each(change, missed)  # a missed occurrence does not end its series
    changed = len(missed)
    if changed:
        log.warning('%d scheduled post(s) fell due more than the grace period ago while the app was down: marked '
                    'missed (see the dashboard)', changed)
    return changed


def _due_posts() -> list[int]:
    now = db.database_now()
    with db.session() as session:
        return list(session.exec(select(Post.id).where(Post.status == PostStatus.SCHEDULED,
                                                       Post.scheduled_at <= now, not_held_by_a_paused_queue())))


def _scheduled_posts() -> list[tuple[int, datetime]]:
    with db.session() as session:
        return list(session.exec(select(Post.id, Post.scheduled_at).where(Post.status == PostStatus.SCHEDULED,
                                                                          Post.scheduled_at.is_not(None))))


_current: PostScheduler | None = None


async def start_scheduler(settings: Settings, *, now: datetime | None = None) -> PostScheduler:
    """Start the scheduler in the running loop; a scheduler already running in this loop is kept (start-up may
    run twice, e.g. under the test fixture)."""
    global _current
    loop = asyncio.get_running_loop()
    if _current is not None and _current.running and _current.loop is loop:
        return _current
    if _current is not None:
        await _current.stop()
    _current = PostScheduler(settings)
    logging.getLogger('apscheduler').setLevel(logging.WARNING)  # it logs every job added and run at INFO
    report = _current.start(now=now)
    log.info('scheduler: %d post(s) waiting, %d published late, %d missed; loaded in %.2f s',
             report.scheduled, report.published_late, report.missed, report.load_seconds)
    return _current


async def stop_scheduler() -> None:
    global _current
    if _current is not None:
        await _current.stop()
        _current = None


def get_scheduler() -> PostScheduler:
    if _current is None:
        raise RuntimeError('start_scheduler() has not run')
    return _current
