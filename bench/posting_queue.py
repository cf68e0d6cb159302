"""Posting queues at size: 50 channels with 5 posting times a day and 10,000 queued posts.

Run: .venv/bin/python bench/posting_queue.py [--channels 50] [--posts 10000] [--big 1000] [--adds 30] [--views 20]
     (BENCH_DATABASE_URL=postgresql://... to run on PostgreSQL; else SQLite in a temporary folder)

- add_to_queue_ms: the median time of "Add to queue" (services.queue.add_to_queue, as the composer and the API call
  it) for one post to 10 channels, each channel finding its next free slot past the posts it already holds.
- queue_view_ratio: a real app process serves GET /channels/<id>/queue (signed in) for the channel holding `--big`
  posts, and for a channel holding none (the same page listing nothing); the ratio of their median times.
The last line is key=value pairs.
"""
# ruff: noqa: E402  (the path is set before the imports that need it)
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import html
import os
import re
import statistics
import tempfile
import time

import httpx
import sqlalchemy as sa

from services.core import db
from services.core.models import Channel, Delivery, DeliveryStatus, PlatformAccount, Post, PostStatus, User, utcnow
from services.posts.editing import PostInput
from services.queue import queue
from services.queue.slots import parse_times, slot_instants
from tests.app_process import app_env, start_app, stop_app
from tests.harness import boot, first_admin

PASSWORD = 'a long bench password'
TIMES = [{'time': hour, 'days': list(range(7))} for hour in ('09:00', '11:00', '13:00', '15:00', '17:00')]
ZONE = 'Europe/Berlin'


def prepare(channel_count: int, post_count: int, big: int) -> tuple[int, list[int], int]:
    """Channels (the last one empty) and queued posts: `big` of them in the first channel's queue, the rest spread
    over the others; returns (admin id, channel ids, id of the empty channel)."""
    admin = first_admin('bench', PASSWORD, time_zone=ZONE)
    now = utcnow()
    with db.session() as session:
        # one bot for every chat, as a team has it (a channel without credentials would be warned about at each add)
        account = session.exec(sa.insert(PlatformAccount).returning(PlatformAccount.id), params=[
            {'platform': 'telegram', 'display_name': 'Bench bot', 'credentials_encrypted': '', 'status': 'connected',
             'created_at': now, 'updated_at': now}]).scalar_one()
        ids = list(session.exec(sa.insert(Channel).returning(Channel.id), params=[
            {'platform': 'telegram', 'account_id': account, 'name': f'Bench {n}', 'remote_id': str(n),
             'remote_name': '', 'picture_url': '',
             'address': {'chat_id': f'-100{n}'}, 'status': 'connected', 'time_zone': ZONE, 'posting_times': TIMES,
             'queue_paused': False, 'created_at': now, 'updated_at': now} for n in range(channel_count + 1)]).scalars())
    channels, empty = ids[:-1], ids[-1]
    rest = post_count - big
    counts = [big] + [rest // (channel_count - 1) + (1 if n < rest % (channel_count - 1) else 0)
                      for n in range(channel_count - 1)]
    times = parse_times(TIMES)
    with db.session() as session:
        for channel_id, count in zip(channels, counts, strict=True):
            slots = [slot for slot, _ in zip(slot_instants(times, ZONE, now), range(count), strict=False)]
            post_ids = list(session.exec(sa.insert(Post).returning(Post.id), params=[
                {'author_id': admin.id, 'text': f'Queued post {n} of channel {channel_id}', 'options': {},
                 'status': PostStatus.SCHEDULED, 'scheduled_at': when, 'queue_channel_id': channel_id,
                 'created_at': now, 'updated_at': now} for n, when in enumerate(slots)]).scalars())
            session.exec(sa.insert(Delivery), params=[
                {'post_id': post_id, 'platform': 'telegram', 'channel_id': channel_id,
                 'status': DeliveryStatus.PENDING, 'attempt_count': 0, 'created_at': now, 'updated_at': now}
                for post_id in post_ids])
    return admin.id, channels, empty


def time_adds(admin_id: int, channels: list[int], adds: int) -> list[float]:
    with db.session() as session:
        admin = session.get(User, admin_id)
    spent = []
    for n in range(adds):
        chosen = [channels[(n * 10 + k) % len(channels)] for k in range(10)]
        started = time.perf_counter()
        queue.add_to_queue(admin.id, PostInput(text=f'Bench add {n}', channels=chosen), actor=admin)
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def signed_in_client(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    form = client.get('/login')
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.text))
    answer = client.post('/login', data={**{k: html.unescape(v) for k, v in hidden.items()},
                                         'username': 'bench', 'password': PASSWORD})
    if answer.status_code != 303:
        raise RuntimeError(f'sign-in failed: {answer.status_code}')
    return client


def time_views(base: str, full: int, empty: int, views: int) -> tuple[float, float]:
    client = signed_in_client(base)
    try:
        timings: dict[int, list[float]] = {full: [], empty: []}
        for n in range(views + 2):
            for channel_id in (full, empty):
                started = time.perf_counter()
                answer = client.get(f'/channels/{channel_id}/queue')
                spent = (time.perf_counter() - started) * 1000
                if answer.status_code != 200:
                    raise RuntimeError(f'/channels/{channel_id}/queue answered {answer.status_code}')
                if n >= 2:  # the first two warm the process up
                    timings[channel_id].append(spent)
    finally:
        client.close()
    return statistics.median(timings[full]), statistics.median(timings[empty])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--channels', type=int, default=50)
    parser.add_argument('--posts', type=int, default=10_000)
    parser.add_argument('--big', type=int, default=1000)
    parser.add_argument('--adds', type=int, default=30)
    parser.add_argument('--views', type=int, default=20)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        database = os.environ.get('BENCH_DATABASE_URL') or f'sqlite:///{data / "bench.db"}'
        env = {'DATA_DIR': str(data), 'DATABASE_URL': database, 'SECRET_KEY': 'bench-secret-key-' + 'x' * 32}
        if database.startswith('postgresql'):
            from tests.conftest import empty_postgres

            empty_postgres(database)  # the bench's own database: it starts empty
        boot(**env)
        admin_id, channels, empty = prepare(options.channels, options.posts, options.big)
        adds = time_adds(admin_id, channels, options.adds)
        db.engine().dispose()
        process, base = start_app(app_env(**env), data, log=data / 'app.log')
        try:
            full_ms, empty_ms = time_views(base, channels[0], empty, options.views)
        finally:
            stop_app(process)
    print(f'add to queue, 10 channels: median {statistics.median(adds):.1f} ms over {len(adds)} '
          f'(min {min(adds):.1f}, max {max(adds):.1f})')
    print(f'queue view: {full_ms:.1f} ms with {options.big} posts, {empty_ms:.1f} ms with none')
    print(f'add_to_queue_ms={statistics.median(adds):.1f} queue_view_ratio={full_ms / empty_ms:.2f} '
          f'queue_view_ms={full_ms:.1f} empty_view_ms={empty_ms:.1f} channels={options.channels} '
          f'posts={options.posts} big={options.big}')


if __name__ == '__main__':
    main()
