"""Publishing throughput and fan-out against the fake Telegram (no rate limit, 50 ms per call).

Run: .venv/bin/python bench/publish.py [posts]
Pacing is turned off (TELEGRAM_PACING_SECONDS=0): the fake has no rate limit, so this measures our own
overhead (claim, attempt log, status, events) around the 50 ms the fake takes per call. The fake runs in this
process, so the RSS figure includes it. Fan-out sends one post to five accounts at once: the other platforms'
names are borrowed for Telegram clients, each with its own fake chat, which exercises the same engine path.
"""
from __future__ import annotations

import asyncio
import dataclasses
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.connections import accounts
from services.core import db
from services.core.models import Post, PostStatus
from services.platforms import registry  # noqa: E402
from services.platforms.base import close_http_client  # noqa: E402
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeChat, FakeTelegram, Fault  # noqa: E402
from tests.harness import boot, first_admin  # noqa: E402
from tests.harness.builders import channels_of

LATENCY_S = 0.05
FANOUT = ['telegram', 'instagram', 'youtube', 'tiktok']


def queue(author_id: int, text: str, platforms: list[str]) -> int:
    """A post queued for now. The per-platform content checks are skipped: Telegram stands in for the others."""
    post = editing.save_post(author_id, PostInput(text=text, channels=channels_of(platforms)), SaveAction.DRAFT)
    with db.session() as session:
        session.get(Post, post.id).status = PostStatus.PUBLISHING
    return post.id


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def throughput(fake: FakeTelegram, runner: engine.Engine, author_id: int, count: int) -> float:
    ids = [queue(author_id, f'bench {n}', ['telegram']) for n in range(count)]
    fake.inject(Fault.slow(LATENCY_S), times=count)
    started = time.perf_counter()
    await asyncio.gather(*(runner.publish_post(post_id) for post_id in ids))
    elapsed = time.perf_counter() - started
    assert len(fake.sent) == count, f'{len(fake.sent)} of {count} sent'
    return count / elapsed


async def fanout_ratio(fake: FakeTelegram, runner: engine.Engine, author_id: int, rounds: int = 10) -> float:
    """Wall time of one post to every account at once, over the slowest single delivery of the same post."""
    ratios = []
    for _ in range(rounds):
        fanned = queue(author_id, 'fan-out', FANOUT)
        fake.inject(Fault.slow(LATENCY_S), times=len(FANOUT))
        started = time.perf_counter()
        await runner.publish_post(fanned)
        wall = time.perf_counter() - started
        singles = []
        for platform in FANOUT:
            single = queue(author_id, 'single', [platform])
            fake.inject(Fault.slow(LATENCY_S))
            started = time.perf_counter()
            await runner.publish_post(single)
            singles.append(time.perf_counter() - started)
        ratios.append(wall / max(singles))
    return statistics.median(ratios)


async def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    with tempfile.TemporaryDirectory() as data, FakeTelegram() as fake:
        stand_in = registry.get('telegram')
        for platform in FANOUT[1:]:  # Telegram's client (and settings) under the other platforms' names
            registry.register(dataclasses.replace(stand_in, name=platform))
        no_pacing = {f'{platform.upper()}_PACING_SECONDS': '0' for platform in FANOUT}  # the fake has no limits
        settings = boot(DATA_DIR=data, TELEGRAM_API_URL=fake.base_url, **no_pacing)
        author = first_admin('bench')
        for index, platform in enumerate(FANOUT):
            chat_id = DEFAULT_CHAT_ID - index
            fake.add_chat(FakeChat(id=chat_id, type='channel', title=platform, username=f'bench{index}'))
            accounts.save_account(platform, platform, {'bot_token': DEFAULT_TOKEN, 'chat_id': str(chat_id)})
        runner = engine.init_engine(settings)
        rate = await throughput(fake, runner, author.id, count)
        ratio = await fanout_ratio(fake, runner, author.id)
        await close_http_client()
    print(f'{count} posts to the fake Telegram ({LATENCY_S * 1000:.0f} ms per call, pacing off, '
          f'concurrency {settings.publish_concurrency}): {rate:.1f} deliveries/s')
    print(f'fan-out of one post to {len(FANOUT)} accounts: wall / slowest single = {ratio:.2f} (median of 10)')
    print(f'peak RSS of this process (engine + fake): {peak_rss_mb():.1f} MiB')
    print(f'deliveries_per_s={rate:.1f} fanout_ratio={ratio:.2f} peak_rss_mb={peak_rss_mb():.1f}')


if __name__ == '__main__':
    asyncio.run(main())
