"""Fan-out of one post with a video to all four platforms, each fake answering every call 200 ms late.

Run: .venv/bin/python bench/fanout.py [rounds]
Every round publishes the post to each platform alone, then to all four at once, through the engine (claims,
attempt log, events, the real clients). Figure: wall time of the fan-out / the slowest platform alone (target
≤ 1.1). PUBLIC_BASE_URL points at the app's own media routes, from which the fake Instagram pulls the video. The
fakes finish processing at the first status poll (Instagram container, TikTok publish), so polling intervals do not
hide the overlap; the TikTok fake's per-minute limits are raised, as this posts more often than TikTok allows
(pacing, which keeps the real limit in the app, is off).
"""
from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.core.models import PostStatus
from services.platforms.base import close_http_client  # noqa: E402
from services.posts import editing
from services.publishing import engine
from tests.fakes import instagram, telegram, tiktok, youtube  # noqa: E402
from tests.harness import boot, first_admin  # noqa: E402
from tests.media_samples import make_video  # noqa: E402
from tests.services.publishing.test_fanout import PLATFORMS, FourFakes, store_video, video_post

LATENCY_S = 0.2
TARGET = 1.1
UNLIMITED = {'creator_info': 100_000, 'init': 100_000, 'status': 100_000}


def add_latency(fakes: FourFakes, calls: int = 100_000) -> None:
    fakes.telegram.inject(telegram.Fault.slow(LATENCY_S), times=calls)
    fakes.instagram.inject(instagram.Fault.slow(LATENCY_S), times=calls)
    fakes.youtube.inject(youtube.Fault.slow(LATENCY_S), times=calls)
    fakes.tiktok.inject(tiktok.Fault.slow(LATENCY_S), times=calls)


async def timed_publish(runner: engine.Engine, author_id: int, media_id: int, platforms: list[str]) -> float:
    post_id = video_post(author_id, media_id, platforms)
    started = time.perf_counter()
    await runner.publish_post(post_id)
    elapsed = time.perf_counter() - started
    status = editing.get_post(post_id).post.status
    assert status == PostStatus.PUBLISHED, f'{platforms}: {status}'
    return elapsed


async def one_round(runner: engine.Engine, author_id: int, media_id: int) -> tuple[dict[str, float], float]:
    singles = {platform: await timed_publish(runner, author_id, media_id, [platform]) for platform in PLATFORMS}
    return singles, await timed_publish(runner, author_id, media_id, PLATFORMS)


async def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as folder, FourFakes(tiktok_rate_limits=UNLIMITED) as fakes:
        settings = boot(DATA_DIR=str(Path(folder) / 'data'), **fakes.environ())
        author = first_admin('bench')
        fakes.instagram.quota_total = 10_000
        FourFakes.connect_accounts()
        clip = make_video(Path(folder), 'mp4', frames=48, fps=12)
        clip_size = clip.stat().st_size
        media_id = (await store_video(clip, author.id)).id
        runner = engine.init_engine(settings)
        add_latency(fakes)
        await one_round(runner, author.id, media_id)  # warm-up: YouTube's first access token, connections
        results = [await one_round(runner, author.id, media_id) for _ in range(rounds)]
        await close_http_client()
    ratios = [fanned / max(singles.values()) for singles, fanned in results]
    for platform in PLATFORMS:
        print(f'{platform:>9} alone: median {statistics.median(s[platform] for s, _ in results):.2f} s')
    slowest = statistics.median(max(singles.values()) for singles, _ in results)
    fanned = statistics.median(fanned for _, fanned in results)
    ratio = statistics.median(ratios)
    print(f'all four at once: median {fanned:.2f} s; slowest alone {slowest:.2f} s '
          f'({LATENCY_S * 1000:.0f} ms per call, {rounds} rounds, {clip_size} byte video)')
    print(f'wall / slowest platform: median {ratio:.3f}, worst {max(ratios):.3f} (target ≤ {TARGET})')
    print(f'rounds={rounds} latency_ms={LATENCY_S * 1000:.0f} fanout_s={fanned:.2f} slowest_single_s={slowest:.2f} '
          f'ratio={ratio:.3f} worst_ratio={max(ratios):.3f} target={TARGET} ok={str(ratio <= TARGET).lower()}')


if __name__ == '__main__':
    asyncio.run(main())
