"""A 1 GB video uploaded through the composer's drop zone in headless Chromium: the app's memory while it arrives.

Run: .venv/bin/python bench/upload.py [--mb 1024]
Needs Debian's chromium at /usr/bin/chromium (never `playwright install`).

What happens:
- A real MP4 of about `--mb` MB is made with PyAV: 1080p H.264, lossless, of noise (incompressible, so few frames
  make a large file).
- `python app.py` starts (MAX_UPLOAD_MB above the file's size); Chromium signs in, opens the composer and gives the
  file to the drop zone's input, as choosing it in the file picker does; the bench waits until the file is stored
  (its row in the database).
- The upload travels as NiceGUI's upload element sends it: Starlette spools the body to a temporary file, NiceGUI
  hands the handler a file on disk, and the composer streams it in chunks into the uploads folder while hashing it,
  then probes it. None of these hold the file in memory.
Measured: the app process's VmRSS every 20 ms from just before the upload to the stored row; idle is the app with
the composer open, settled. The last line is key=value pairs.
"""
# ruff: noqa: E402  (the path is set before the imports that need it)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import os
import tempfile
import time
from fractions import Fraction

import av
from PIL import Image
from sqlmodel import select

from bench.convert import PASSWORD, USERNAME, Sampler, composer_page
from bench.proc_stats import status_kb
from services.core import db
from services.core.models import MediaAsset
from tests.app_process import app_env, start_app, stop_app
from tests.harness import boot, first_admin
from tests.harness.builders import draft, listed

SIZE = (1920, 1080)
SETTLE_S = 5.0


def make_big_clip(path: Path, megabytes: int) -> Path:
    """A lossless 1080p H.264 MP4 of noise, a frame at a time until it holds about `megabytes` MB."""
    noise = [av.VideoFrame.from_image(Image.merge('RGB', [Image.effect_noise(SIZE, 80 + n) for n in range(3)]))
             for _ in range(8)]
    with av.open(str(path), 'w', format='mp4') as container:
        video = container.add_stream('libx264', rate=25, options={'preset': 'ultrafast', 'qp': '0'})
        video.width, video.height, video.pix_fmt, video.time_base = *SIZE, 'yuv420p', Fraction(1, 25)
        index = 0
        written = 0
        while written < megabytes * 1_000_000:
            frame = noise[index % len(noise)]
            frame.pts = index
            for packet in video.encode(frame):
                written += packet.size
                container.mux(packet)
            index += 1
        container.mux(video.encode())
    return path


def stored_count() -> int:
    with db.session() as session:
        return len(list(session.exec(select(MediaAsset.id))))


async def upload_in_page(base: str, post_id: int, clip: Path, app_pid: int) -> dict[str, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser, page = await composer_page(playwright, base, post_id)
        await page.locator('.drop-zone input[type=file]').wait_for(state='attached', timeout=60_000)
        await asyncio.sleep(SETTLE_S)
        idle_kb = status_kb(app_pid, 'VmRSS')
        sampler = Sampler(app_pid)
        sampler.start()
        started = time.perf_counter()
        await page.locator('.drop-zone input[type=file]').set_input_files(clip)
        saw_bar = False
        while stored_count() == 0:
            saw_bar = saw_bar or await page.locator('.drop-zone-progress').count() > 0
            await asyncio.sleep(0.2)
        upload_s = time.perf_counter() - started
        sampler.stopped.set()
        sampler.join()
        await browser.close()
    return {'upload_s': upload_s, 'idle_rss_mb': idle_kb / 1024, 'peak_rss_above_idle_mb': (sampler.app_kb - idle_kb)
            / 1024, 'progress_bar_seen': float(saw_bar)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--mb', type=int, default=1024)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        made = time.perf_counter()
        clip = make_big_clip(data / 'big.mp4', options.mb)
        size_mb = clip.stat().st_size / 1e6
        print(f'made a {size_mb:.0f} MB 1080p clip in {time.perf_counter() - made:.1f} s')
        env = {'DATA_DIR': str(data / 'data'), 'DATABASE_URL': f'sqlite:///{data / "bench.db"}',
               'SECRET_KEY': 'bench-secret-key-' + 'x' * 32, 'MAX_UPLOAD_MB': str(int(size_mb * 1.1 / 1.048) + 1)}
        boot(**env)
        first_admin(USERNAME, PASSWORD)
        listed('youtube')
        post_id = draft('Big upload', platforms=('youtube',))
        process, base = start_app(app_env(**env), data, log=data / 'app.log')
        try:
            found = asyncio.run(upload_in_page(base, post_id, clip, process.pid))
        finally:
            stop_app(process)
        if os.environ.get('BENCH_SHOW_LOG'):
            print((data / 'app.log').read_text())
    print(f'{size_mb:.0f} MB uploaded through the composer and stored in {found["upload_s"]:.1f} s; progress bar '
          f'{"shown" if found["progress_bar_seen"] else "not seen"}')
    print(f'app process: idle {found["idle_rss_mb"]:.1f} MiB, peak {found["peak_rss_above_idle_mb"]:+.1f} MiB above '
          f'idle during the upload (target <= 100)')
    print(f'upload_mb={size_mb:.0f} upload_s={found["upload_s"]:.1f} '
          f'peak_rss_above_idle_mb={found["peak_rss_above_idle_mb"]:.2f}')


if __name__ == '__main__':
    main()
