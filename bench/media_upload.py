"""Peak memory while a 500 MB video is uploaded to the fake YouTube and the fake TikTok at the same time.

Run: .venv/bin/python bench/media_upload.py [megabytes]
The video is a sparse file made in a temporary folder (a few bytes of MP4 header, the rest a hole), so neither
making nor reading it holds it in memory. The clients stream it from disk: YouTube in 2 MiB chunks read 64 KiB at a
time, TikTok in 10 MB chunks read 1 MiB at a time. The fakes run in this process (uvicorn threads) and count and
hash the bytes as they arrive without keeping them, so their share is in the figure too. Idle is this process after
a small warm-up upload to both (imports, connection pools, the fakes' threads); the peak is the kernel's high-water
mark (VmHWM, reset after the warm-up) or, where it cannot be reset, RSS sampled every 5 ms. Target: ≤ 50 MB above
idle.
"""
from __future__ import annotations

import asyncio
import gc
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.platforms.base import Account, MediaFile, PostContent, close_http_client  # noqa: E402
from services.platforms.tiktok.client import TikTokClient
from services.platforms.youtube.client import YouTubeClient
from tests.fakes import tiktok as fake_tiktok  # noqa: E402
from tests.fakes import youtube as fake_youtube  # noqa: E402

MB = 1_000_000
TARGET_MB = 50
MP4_HEADER = b'\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom'


def sparse_video(folder: Path, size: int, name: str) -> MediaFile:
    path = folder / name
    with path.open('wb') as file:
        file.write(MP4_HEADER)
        file.truncate(size)
    return MediaFile(path, 'video/mp4', width=1920, height=1080, duration_s=60.0)


def status_kib(field: str) -> int:
    for line in Path('/proc/self/status').read_text().splitlines():
        if line.startswith(f'{field}:'):
            return int(line.split()[1])
    raise RuntimeError(f'{field} not in /proc/self/status')


def reset_peak() -> bool:
    try:
        Path('/proc/self/clear_refs').write_text('5')  # resets VmHWM to the current RSS (Linux 4.0+)
    except OSError:
        return False
    return True


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak_kib, self._done = 0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak_kib = max(self.peak_kib, status_kib('VmRSS'))
            time.sleep(0.005)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak_kib


async def upload_both(youtube: YouTubeClient, tiktok: TikTokClient, video: MediaFile) -> dict[str, float]:
    yt_account = Account('youtube', {'client_id': fake_youtube.DEFAULT_CLIENT_ID,
                                     'client_secret': fake_youtube.DEFAULT_CLIENT_SECRET,
                                     'refresh_token': fake_youtube.DEFAULT_REFRESH_TOKEN})
    tt_account = Account('tiktok', {'client_key': fake_tiktok.DEFAULT_CLIENT_KEY,
                                    'client_secret': fake_tiktok.DEFAULT_CLIENT_SECRET,
                                    'access_token': fake_tiktok.DEFAULT_ACCESS_TOKEN,
                                    'refresh_token': fake_tiktok.DEFAULT_REFRESH_TOKEN})
    content = PostContent('bench upload', (video,), {'title': 'Bench upload', 'privacy': 'private'})
    tiktok_content = PostContent('bench upload', (video,), {'privacy': 'SELF_ONLY'})
    times: dict[str, float] = {}

    async def timed(name: str, upload) -> None:
        started = time.perf_counter()
        await upload
        times[name] = time.perf_counter() - started

    await asyncio.gather(timed('youtube', youtube.publish(content, yt_account)),
                         timed('tiktok', tiktok.publish(tiktok_content, tt_account)))
    return times


async def main() -> None:
    size = int(sys.argv[1]) * MB if len(sys.argv) > 1 else 500 * MB
    with tempfile.TemporaryDirectory() as folder, fake_youtube.FakeYouTube() as yt, \
            fake_tiktok.FakeTikTok(processing_polls=0) as tt:
        youtube = YouTubeClient(yt.base_url, yt.base_url)
        tiktok = TikTokClient(tt.base_url, poll_interval=0.1)
        await upload_both(youtube, tiktok, sparse_video(Path(folder), 12 * MB, 'warm-up.mp4'))
        video = sparse_video(Path(folder), size, 'large.mp4')
        gc.collect()
        idle_kib = status_kib('VmRSS')
        exact = reset_peak()
        sampler = RssSampler()
        sampler.start()
        started = time.perf_counter()
        times = await upload_both(youtube, tiktok, video)
        wall = time.perf_counter() - started
        sampled_kib = sampler.stop()
        peak_kib = max(status_kib('VmHWM'), sampled_kib) if exact else sampled_kib
        await close_http_client()
        received = (yt.videos[-1].size, tt.uploads[-1].received)
    assert received == (size, size), f'the fakes received {received} of {size} bytes'
    idle, peak = idle_kib / 1024, peak_kib / 1024
    above = peak - idle
    print(f'video: {size / MB:.0f} MB sparse file, uploaded to both fakes at once in {wall:.1f} s')
    for name, seconds in times.items():
        print(f'  {name}: {seconds:.1f} s ({size / MB / seconds:.0f} MB/s)')
    print(f'RSS idle {idle:.1f} MiB, peak {peak:.1f} MiB ({"VmHWM" if exact else "sampled"}): '
          f'{above:.1f} MiB above idle (target ≤ {TARGET_MB} MB)')
    print(f'size_mb={size / MB:.0f} idle_rss_mib={idle:.1f} peak_rss_mib={peak:.1f} peak_above_idle_mib={above:.1f} '
          f'youtube_s={times["youtube"]:.1f} tiktok_s={times["tiktok"]:.1f} target_mb={TARGET_MB} '
          f'ok={str(above * 1.048576 <= TARGET_MB).lower()}')


if __name__ == '__main__':
    asyncio.run(main())
