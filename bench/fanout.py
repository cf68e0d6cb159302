"""Fan-out to channels: one video post to eight channels (two per platform), and one Telegram bot into twenty chats.

Run: .venv/bin/python bench/fanout.py [rounds]

1. Eight channels, every fake answering each call 200 ms late. Every round publishes the post to each channel alone,
   then to all eight at once, through the engine (claims, attempt log, events, the real clients). Figure: wall time
   of the fan-out / the slowest channel alone (target <= 1.1). Pacing is off here: the fakes have no rate limit in
   this part (the TikTok fake's per-minute limits are raised, as this posts more often than TikTok allows), and
   PUBLIC_BASE_URL points at the app's media routes, from which the fake Instagram pulls the video. The fakes run in
   a process of their own (their work would otherwise hold this process's GIL).
2. One bot posting 3 messages into each of 20 chats with pacing on, against the fake Telegram enforcing Telegram's
   limits strictly (1 message a second per chat, no burst; 30 a second per bot) and answering 429 with retry_after
   beyond them, in a process of its own (its work would otherwise hold this process's GIL). Figure: wall time / the
   least time those limits allow (target <= 1.2); `answered_429`: the 429s the fake had to give; `unanswered_429`:
   deliveries a 429 made fail instead of waiting (must be 0).
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi import FastAPI  # noqa: E402

from bench.fake_process import FakeProcess  # noqa: E402
from services.connections import accounts, channels  # noqa: E402
from services.core.models import PostStatus  # noqa: E402
from services.platforms.base import http_client  # noqa: E402
from services.posts import editing  # noqa: E402
from services.posts.editing import PostInput, SaveAction  # noqa: E402
from services.publishing import engine  # noqa: E402
from services.web import media_routes  # noqa: E402
from tests.fakes import BackgroundServer  # noqa: E402
from tests.harness import FAKE_ACCOUNTS, boot, first_admin, stop_services  # noqa: E402
from tests.media_samples import make_clip_for_every_platform  # noqa: E402
from tests.services.publishing.test_fanout import PLATFORMS, FourFakes, store_video  # noqa: E402

LATENCY_S = 0.2
TARGET = 1.1
BOT_TARGET = 1.2
CHATS, MESSAGES = 20, 3
OPTIONS = {'youtube': {'title': 'Fan-out', 'privacy': 'private'}, 'tiktok': {'privacy': 'SELF_ONLY'}}


async def timed_publish(runner: engine.Engine, author_id: int, media_id: int, chosen: list[int]) -> float:
    data = PostInput(text='One clip, eight channels', media_ids=[media_id], channels=chosen, options=OPTIONS)
    post_id = editing.save_post(author_id, data, SaveAction.PUBLISH).id
    started = time.perf_counter()
    await runner.publish_post(post_id)
    elapsed = time.perf_counter() - started
    status = editing.get_post(post_id).post.status
    assert status == PostStatus.PUBLISHED, f'{chosen}: {status}'
    return elapsed


async def one_round(runner: engine.Engine, author_id: int, media_id: int,
                    chosen: list[int]) -> tuple[dict[int, float], float]:
    singles = {channel: await timed_publish(runner, author_id, media_id, [channel]) for channel in chosen}
    return singles, await timed_publish(runner, author_id, media_id, chosen)


# The four fakes (a second account each), in a process of their own (bench/fake_process.py), each call answered
# `sys.argv[2]` s late. The media server stays here: it is the app's own media routes, from which Instagram pulls.
FOUR_FAKES = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.services.publishing.test_fanout import FourFakes

unlimited = {'creator_info': 100_000, 'init': 100_000, 'status': 100_000}
with FourFakes(tiktok_rate_limits=unlimited, latency=float(sys.argv[2])) as fakes:
    fakes.instagram.quota_total = 10_000
    print(json.dumps(fakes.environ()), flush=True)
    sys.stdin.readline()
    print(json.dumps({'telegram': len(fakes.telegram.sent), 'instagram': len(fakes.instagram.published)}), flush=True)
"""


async def eight_channels(rounds: int) -> tuple[float, float, float, list[float]]:
    """(median fan-out s, median slowest single s, median ratio, every ratio)"""
    media_app = FastAPI()
    media_app.include_router(media_routes.router)
    media_server = BackgroundServer(media_app)
    media_server.start()
    with tempfile.TemporaryDirectory() as folder, FakeProcess(FOUR_FAKES, str(LATENCY_S)) as fakes:
        settings = boot(DATA_DIR=str(Path(folder) / 'data'),
                        **{**fakes.urls, 'PUBLIC_BASE_URL': media_server.base_url})
        author = first_admin('bench')
        FourFakes.connect_accounts(both=True)
        chosen = [channel.id for channel in channels.list_channels() if channel.platform in PLATFORMS]
        assert len(chosen) == 8, chosen
        clip = make_clip_for_every_platform(Path(folder))  # 4 s, 360 x 640: within every platform's rules
        media_id = (await store_video(clip, author.id)).id
        runner = engine.init_engine(settings)
        await one_round(runner, author.id, media_id, chosen)  # warm-up: YouTube's first access tokens, connections
        results = [await one_round(runner, author.id, media_id, chosen) for _ in range(rounds)]
        await stop_services()
    media_server.stop()
    ratios = [fanned / max(singles.values()) for singles, fanned in results]
    return (statistics.median(fanned for _, fanned in results),
            statistics.median(max(singles.values()) for singles, _ in results), statistics.median(ratios), ratios)


# The fake Telegram enforcing the limits, in a process of its own (bench/fake_process.py) with `sys.argv[2]` chats.
FLOODED_TELEGRAM = """
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.fakes import telegram

chats = [telegram.FakeChat(id=-1004000000000 - n, title=f'Chat {n}', username=f'chat{n}')
         for n in range(int(sys.argv[2]))]
with telegram.FakeTelegram(chats=chats, limits=True, chat_burst=1) as fake:
    print(json.dumps(fake.base_url), flush=True)
    sys.stdin.readline()
    counts = [sum(1 for message in fake.sent if message.chat_id == chat.id) for chat in chats]
    print(json.dumps({'sent': len(fake.sent), 'least_s': fake.flood.least_time(counts),
                      'answered_429': fake.answered_429}), flush=True)
"""


async def one_bot_many_chats() -> tuple[float, float, int, int]:
    """(wall s, least s the limits allow, 429s answered, deliveries a 429 failed)"""
    with tempfile.TemporaryDirectory() as folder, FakeProcess(FLOODED_TELEGRAM, str(CHATS)) as fake:
        settings = boot(DATA_DIR=str(Path(folder) / 'data'), TELEGRAM_API_URL=fake.urls,
                        TELEGRAM_PACING_SECONDS='1')
        author = first_admin('bench')
        bot = FAKE_ACCOUNTS['telegram'][1]['bot_token']
        for n in range(CHATS):
            accounts.save_account('telegram', f'Chat {n}', {'bot_token': bot, 'chat_id': str(-1004000000000 - n)})
        chosen = [channel.id for channel in channels.list_channels(platform='telegram')]
        posts = [editing.save_post(author.id, PostInput(text=f'Message {n}', channels=chosen), SaveAction.PUBLISH).id
                 for n in range(MESSAGES)]
        runner = engine.init_engine(settings)
        http_client()  # made once per process (its CA bundle takes ~45 ms to load): a running app has it already
        started = time.perf_counter()
        for post_id in posts:
            runner.start(post_id)
        await runner.wait_idle()
        wall = time.perf_counter() - started
        failed = sum(1 for post_id in posts for delivery in editing.get_post(post_id).deliveries
                     if delivery.status != 'published' and '429' in (delivery.last_error or '')
                     or 'Too Many Requests' in (delivery.last_error or ''))
        await stop_services()
    seen = fake.report
    assert seen['sent'] == CHATS * MESSAGES, seen
    return wall, seen['least_s'], seen['answered_429'], failed


async def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    fanned, slowest, ratio, ratios = await eight_channels(rounds)
    print(f'8 channels (2 per platform) at once: median {fanned:.2f} s; slowest channel alone {slowest:.2f} s '
          f'({LATENCY_S * 1000:.0f} ms per call, {rounds} rounds, pacing off: the fakes have no limits here)')
    print(f'wall / slowest channel: median {ratio:.3f}, worst {max(ratios):.3f} (target <= {TARGET})')
    wall, least, answered, unanswered = await one_bot_many_chats()
    bot_ratio = wall / least
    print(f'one bot, {MESSAGES} messages into each of {CHATS} chats under Telegram\'s limits: {wall:.2f} s; '
          f'the limits allow {least:.2f} s at best; ratio {bot_ratio:.3f} (target <= {BOT_TARGET}); '
          f'429 answered {answered}, deliveries failed by a 429 {unanswered}')
    print(f'channels=8 rounds={rounds} latency_ms={LATENCY_S * 1000:.0f} fanout_s={fanned:.2f} '
          f'slowest_single_s={slowest:.2f} ratio={ratio:.3f} worst_ratio={max(ratios):.3f} '
          f'bot_chats={CHATS} bot_chats_wall_s={wall:.2f} bot_chats_least_s={least:.2f} '
          f'bot_chats_ratio={bot_ratio:.3f} answered_429={answered} unanswered_429={unanswered}')


if __name__ == '__main__':
    asyncio.run(main())
