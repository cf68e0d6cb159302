"""Several app processes on one database: deliveries per second with 1 process on SQLite and 1 and 2 on
PostgreSQL, schedule lateness with 10,000 posts due within a minute across 2 processes, and the app's own CPU
per delivery.

Run: BENCH_POSTGRES_URL=postgresql://user:password@127.0.0.1/expendable .venv/bin/python bench/cluster.py [posts]
     [late_posts]   (TEST_POSTGRES_URL serves when BENCH_POSTGRES_URL is unset; that database is emptied)

The fake Telegram runs in a process of its own (bench/fake_process.py) with no latency and no rate limit, and pacing
is off (TELEGRAM_PACING_SECONDS=0): the figures are the app's own. Posts are written to a fresh database before the
processes start (bench/scheduler.py's `prepare`); every process loads them and fires them when due, and the
database decides which process sends each.
- per second: `posts` (1,000) posts due at one instant; posts / (last arrival at the fake - due time).
- cpu_s_per_1000: the app processes' CPU seconds (user + system, from /proc) from before the posts fall due until
  the last is sent, per 1,000 deliveries, 2 processes on PostgreSQL (target <= 2).
- p99_late_s: `late_posts` (10,000) posts due evenly over 60 s, 2 processes on PostgreSQL: arrival at the fake minus
  the scheduled time (target <= 1 s, as for one process).
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fake_process import TIMED_TELEGRAM, FakeProcess  # noqa: E402
from bench.proc_stats import cpu_seconds  # noqa: E402
from bench.scheduler import percentile, prepare  # noqa: E402
from services.core import db  # noqa: E402
from services.core.models import Delivery, DeliveryStatus  # noqa: E402
from tests.app_process import app_env, start_app, stop_app  # noqa: E402
from tests.conftest import empty_postgres  # noqa: E402
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN  # noqa: E402


def sent_count() -> int:
    with db.session() as session:
        return session.exec(sa.select(sa.func.count()).select_from(Delivery).where(
            Delivery.status == DeliveryStatus.PUBLISHED)).one()[0]


def run(database_url: str | None, processes: int, count: int, spread: float, lead: float) -> dict:
    """`count` posts due over `spread` s from `lead` s on, sent by `processes` app processes; what was measured."""
    with tempfile.TemporaryDirectory() as data, FakeProcess(TIMED_TELEGRAM) as fake:
        env = app_env(DATA_DIR=data, SECRET_KEY='b' * 40, TELEGRAM_API_URL=fake.urls,
                      TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_CHAT_ID=str(DEFAULT_CHAT_ID),
                      TELEGRAM_PACING_SECONDS='0', **({'DATABASE_URL': database_url} if database_url else {}))
        due = prepare(env, count, spread, lead)
        apps = []
        try:
            for number in range(processes):
                cwd = Path(data) / f'app{number + 1}'
                cwd.mkdir()
                apps.append(start_app(env, cwd, log=cwd / 'app.log')[0])
            if time.time() > min(due.values()).timestamp():
                raise RuntimeError('the processes took longer to start than the lead: raise it')
            cpu_before = sum(cpu_seconds(app.pid) for app in apps)
            deadline = max(due.values()).timestamp() + 300
            while sent_count() < count and time.time() < deadline:
                time.sleep(0.2)
            cpu = sum(cpu_seconds(app.pid) for app in apps) - cpu_before
        finally:
            for app in apps:
                stop_app(app)
            db.engine().dispose()
    arrived = fake.report
    lateness = [arrived[text] - when.timestamp() for text, when in due.items() if text in arrived]
    if len(lateness) < count:
        print(f'WARNING: only {len(lateness)} of {count} posts arrived')
    first_due = min(due.values()).timestamp()
    return {'per_s': len(lateness) / (max(arrived.values()) - first_due), 'cpu_s_per_1000': cpu / count * 1000,
            'p50_late_s': percentile(lateness, 0.5), 'p99_late_s': percentile(lateness, 0.99)}


def main() -> None:
    posts = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000
    late_posts = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    postgres = os.environ.get('BENCH_POSTGRES_URL') or os.environ.get('TEST_POSTGRES_URL')
    if not postgres:
        sys.exit('Set BENCH_POSTGRES_URL to an expendable PostgreSQL database (it is emptied).')
    print(f'{os.cpu_count()} cores; load average before: {" ".join(f"{n:.2f}" for n in os.getloadavg())}; '
          'fake Telegram in its own process, no latency, no rate limit, pacing off')
    figures = {}
    for name, url, processes in (('sqlite_1', None, 1), ('pg_1', postgres, 1), ('pg_2', postgres, 2)):
        measured = run(empty_postgres(url) if url else None, processes, posts, 0.0, 20.0)
        figures[name] = measured
        print(f'{name}: {posts} posts due at once: {measured["per_s"]:.0f} deliveries/s, '
              f'{measured["cpu_s_per_1000"]:.2f} CPU s per 1,000 (all app processes)')
    late = run(empty_postgres(postgres), 2, late_posts, 60.0, 40.0)
    print(f'pg_2: {late_posts} posts due over 60 s: lateness p50 {late["p50_late_s"]:.3f} s, '
          f'p99 {late["p99_late_s"]:.3f} s (target <= 1); {late["cpu_s_per_1000"]:.2f} CPU s per 1,000')
    print(f'sqlite_1_per_s={figures["sqlite_1"]["per_s"]:.0f} pg_1_per_s={figures["pg_1"]["per_s"]:.0f} '
          f'pg_2_per_s={figures["pg_2"]["per_s"]:.0f} p99_late_s={late["p99_late_s"]:.3f} '
          f'cpu_s_per_1000={figures["pg_2"]["cpu_s_per_1000"]:.2f}')


if __name__ == '__main__':
    main()
