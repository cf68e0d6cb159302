"""10,000 scheduled posts falling due within one minute, published by a real app process to the fake Telegram.

Run: .venv/bin/python bench/scheduler.py [posts] [spread_seconds] [--firing-only]
The posts are written to a fresh database first (due evenly over `spread_seconds`, starting 20 s later), then
`python app.py` starts and loads them. The fake Telegram runs in this process with no latency and no rate
limit, and pacing is turned off (TELEGRAM_PACING_SECONDS=0), so the figures are the scheduler's and the engine's
own: lateness = when the fake received a post minus its scheduled time; load = the app's own log line for
loading the scheduled posts at start-up; peak RSS = the app process's VmHWM.

--firing-only runs the scheduler alone in this process, with an engine that only notes when each post was
handed to it: the lateness of the jobs themselves, without publishing.
"""
from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.proc_stats import status_kb  # noqa: E402
from services.connections import accounts, channels  # noqa: E402
from services.core import db
from services.core.config import get_settings
from services.core.models import Delivery, DeliveryStatus, Post, PostStatus, utcnow
from services.publishing import due_timer, engine
from tests.app_process import app_env, start_app, wait_for_log  # noqa: E402
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram  # noqa: E402
from tests.harness import boot, first_admin  # noqa: E402

LEAD_SECONDS = 20
LOADED = re.compile(r'scheduler: (\d+) post\(s\) waiting.*loaded in ([\d.]+) s')


class TimedTelegram(FakeTelegram):
    """The fake, noting when each message arrived (by its text)."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: dict[str, float] = {}

    def _record(self, method, chat, params, received, media, messages) -> None:
        self.arrived[str(params.get('text'))] = time.time()
        super()._record(method, chat, params, received, media, messages)


def prepare(env: dict[str, str], count: int, spread: float, lead: float = LEAD_SECONDS) -> dict[str, datetime]:
    """The database with the env account, an author and `count` scheduled posts due evenly over `spread` seconds
    from `lead` seconds on; returns text -> due time."""
    settings = boot(**env)
    accounts.sync_env_accounts(settings)
    author = first_admin('bench')
    channel = channels.list_channels(platform='telegram')[0]
    first_due = utcnow() + timedelta(seconds=lead)
    due = {f'bench {n}': first_due + timedelta(seconds=spread * n / count) for n in range(count)}
    now = utcnow()
    with db.session() as session:
        ids = session.exec(sa.insert(Post).returning(Post.id), params=[
            {'author_id': author.id, 'text': text, 'options': {}, 'status': PostStatus.SCHEDULED,
             'scheduled_at': when, 'created_at': now, 'updated_at': now} for text, when in due.items()]).all()
        session.exec(sa.insert(Delivery), params=[
            {'post_id': post_id, 'platform': 'telegram', 'channel_id': channel.id, 'status': DeliveryStatus.PENDING,
             'attempt_count': 0, 'created_at': now, 'updated_at': now} for (post_id,) in ids])
    db.engine().dispose()
    return due


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class NotingEngine:
    """Stands in for the engine in --firing-only: notes when each post is handed over."""

    def __init__(self) -> None:
        self.handed: dict[int, float] = {}

    def start(self, post_id: int) -> None:
        self.handed[post_id] = time.time()


async def firing_only(env: dict[str, str], count: int, spread: float) -> None:
    due = prepare(env, count, spread)
    db.init_db(get_settings().database_url)
    with db.session() as session:
        by_id = dict(session.exec(sa.select(Post.id, Post.text)).all())
    noted = engine._engine = NotingEngine()
    started = time.perf_counter()
    await due_timer.start_scheduler(get_settings())
    load_s = time.perf_counter() - started
    deadline = max(due.values()).timestamp() + 30
    while len(noted.handed) < count and time.time() < deadline:
        await asyncio.sleep(0.5)
    await due_timer.stop_scheduler()
    print('scheduler alone, in this process, handing posts to an engine that does nothing')
    report(due, {by_id[post_id]: at for post_id, at in noted.handed.items()}, load_s,
           status_kb(os.getpid(), 'VmHWM') / 1024, count)


def main() -> None:
    args = [arg for arg in sys.argv[1:] if not arg.startswith('--')]
    count = int(args[0]) if args else 10_000
    spread = float(args[1]) if len(args) > 1 else 60.0
    print(f'load average before: {" ".join(f"{n:.2f}" for n in os.getloadavg())}')
    if '--firing-only' in sys.argv:
        with tempfile.TemporaryDirectory() as data:
            env = app_env(DATA_DIR=data, SECRET_KEY='b' * 40, TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN,
                          TELEGRAM_CHAT_ID=str(DEFAULT_CHAT_ID))
            asyncio.run(firing_only(env, count, spread))
        return
    with tempfile.TemporaryDirectory() as data, TimedTelegram() as fake:
        env = app_env(DATA_DIR=data, SECRET_KEY='b' * 40, TELEGRAM_API_URL=fake.base_url,
                      TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_CHAT_ID=str(DEFAULT_CHAT_ID),
                      TELEGRAM_PACING_SECONDS='0')
        started = time.perf_counter()
        due = prepare(env, count, spread)
        print(f'wrote {count} scheduled posts in {time.perf_counter() - started:.1f} s, due over {spread:.0f} s '
              f'from {LEAD_SECONDS} s on; fake Telegram with no latency, pacing off (TELEGRAM_PACING_SECONDS=0)')
        log_path = Path(data) / 'app.log'
        app, base_url = start_app(env, Path(data), log=log_path)
        try:
            load_s = wait_for_load(app, log_path, base_url, count)
            print(f'app up; {count} posts loaded into the scheduler in {load_s:.2f} s')
            deadline = max(due.values()).timestamp() + 120
            while len(fake.arrived) < count and time.time() < deadline:
                time.sleep(0.5)
            rss = status_kb(app.pid, 'VmHWM') / 1024
        finally:
            app.terminate()
            app.wait(timeout=30)
        report(due, fake.arrived, load_s, rss, count)


def wait_for_load(app: subprocess.Popen, log_path: Path, base_url: str, count: int) -> float:
    """Seconds the app's scheduler took to load the posts, from its log line, once it has loaded all `count`."""
    found = wait_for_log(app, log_path, LOADED.pattern, seconds=60)
    if int(found[1]) != count:
        raise RuntimeError(f'only {found[1]} of {count} posts were loaded')
    httpx.get(f'{base_url}/healthz', timeout=5).raise_for_status()
    return float(found[2])


def report(due: dict[str, datetime], arrived: dict[str, float], load_s: float, rss: float, count: int) -> None:
    lateness = [arrived[text] - when.astimezone(UTC).timestamp() for text, when in due.items() if text in arrived]
    if len(lateness) < count:
        print(f'WARNING: only {len(lateness)} of {count} posts arrived')
    early = sum(1 for value in lateness if value < 0)
    p50, p99 = percentile(lateness, 0.5), percentile(lateness, 0.99)
    print(f'lateness over {len(lateness)} posts: p50 {p50 * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, '
          f'max {max(lateness) * 1000:.0f} ms, mean {statistics.mean(lateness) * 1000:.0f} ms; sent early: {early}')
    print(f'peak RSS: {rss:.1f} MiB; {os.cpu_count()} cores; load average after: '
          f'{" ".join(f"{n:.2f}" for n in os.getloadavg())}')
    print(f'p50_s={p50:.3f} p99_s={p99:.3f} load_s={load_s:.2f} rss_mb={rss:.1f}')


if __name__ == '__main__':
    main()
