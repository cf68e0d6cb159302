"""Converting a 60-second 1080p clip for Instagram from the composer, with the signed-in page open in Chromium.

Run: .venv/bin/python bench/convert.py [--seconds 60] [--fps 30]
     (BENCH_DATABASE_URL=postgresql://... to run on PostgreSQL; else SQLite in a temporary folder)
Needs Debian's chromium at /usr/bin/chromium (never `playwright install`).

What happens:
- A 1920×1080 H.264 clip with Opus sound in MP4 is made with PyAV (a moving gradient under noise, so the encoder has
  detail to work on); Instagram refuses its sound (AAC only), so the composer offers "Convert for Instagram".
- It is stored as an upload would be, in a draft for an Instagram channel; then `python app.py` starts on that data.
- Headless Chromium signs in and opens the draft in the composer, clicks "Convert for Instagram", and waits until the
  page says the copy is there. The app runs the conversion in its worker process.
Measured:
- work_s_per_video_s: seconds from the click to the copy stored, per second of video;
- the app process's VmRSS every 20 ms: its idle (page open, 5 s settled, just before the click) and its peak during
  the conversion: peak_rss_above_idle_mb is the app's own (target ≤ 100); worker_peak_rss_mb is the worker
  process's peak (its own process, gone when it ends);
- loop_delay_p99_ms: GET /healthz every 50 ms during the conversion from this process, each answer's time: an
  upper bound on how long the app's event loop kept a request waiting (it includes the loopback round trip and a
  SELECT 1), 99th percentile (target ≤ 50); the same measured for 5 s before the click, for comparison;
- CPU seconds during the conversion: the app process and its worker (the app's children's time once reaped).
The last line is key=value pairs.
"""
# ruff: noqa: E402  (the path is set before the imports that need it)
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import tempfile
import threading
import time
from fractions import Fraction

import av
import httpx
from PIL import Image, ImageChops

from bench.proc_stats import cpu_seconds, reaped_children_cpu_seconds, status_kb
from services.core import db
from services.media import library
from tests.app_process import app_env, start_app, stop_app
from tests.harness import boot, first_admin
from tests.harness.builders import draft, listed

CHROMIUM = shutil.which('chromium') or '/usr/bin/chromium'
CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                 '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
USERNAME, PASSWORD = 'bench', 'a long bench password'
SIZE = (1920, 1080)
SETTLE_S, PROBE_EVERY_S = 5.0, 0.05


def make_clip(path: Path, seconds: int, fps: int) -> Path:
    """`seconds` of 1080p H.264 (+ Opus sound, which Instagram refuses) at `fps`: 32 distinct noisy frames, moving."""
    width, height = SIZE
    base = Image.merge('RGB', (Image.linear_gradient('L').rotate(90).resize(SIZE), Image.linear_gradient('L')
                               .resize(SIZE), Image.effect_noise(SIZE, 40)))
    frames = [av.VideoFrame.from_image(ImageChops.offset(base, n * 60 % width, n * 34 % height)) for n in range(32)]
    with av.open(str(path), 'w', format='mp4') as container:
        video = container.add_stream('libx264', rate=fps, options={'preset': 'ultrafast', 'crf': '20'})
        video.width, video.height, video.pix_fmt, video.time_base = width, height, 'yuv420p', Fraction(1, fps)
        audio = container.add_stream('libopus', rate=48000, layout='stereo')
        for index in range(seconds * fps):
            frame = frames[index % len(frames)]
            frame.pts = index
            container.mux(video.encode(frame))
        container.mux(video.encode())
        samples = 960
        silence = av.AudioFrame(format='s16', layout='stereo', samples=samples)
        for plane in silence.planes:
            plane.update(bytes(plane.buffer_size))
        silence.sample_rate = 48000
        for index in range(seconds * 48000 // samples):
            silence.pts = index * samples
            container.mux(audio.encode(silence))
        container.mux(audio.encode())
    return path


def prepare(env: dict[str, str], clip: Path) -> int:
    """The admin, an Instagram channel and a draft holding the clip; returns the draft's id."""
    boot(**env)
    admin = first_admin(USERNAME, PASSWORD)
    listed('instagram')

    async def store() -> int:
        async def chunks():
            with clip.open('rb') as handle:
                while chunk := handle.read(1024 * 1024):
                    yield chunk
        return (await library.store_upload(chunks(), 'launch-film.mp4', uploaded_by=admin.id)).id

    media_id = asyncio.run(store())
    post_id = draft('Launch film', author_id=admin.id, platforms=('instagram',), media_ids=[media_id])
    db.engine().dispose()
    return post_id


def cpu_s(pid: int) -> tuple[float, float]:
    """(the process's own CPU seconds, its reaped children's)."""
    return cpu_seconds(pid), reaped_children_cpu_seconds(pid)


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f'/proc/{pid}/task').iterdir():
        found += [int(child) for child in (task / 'children').read_text().split()]
    return found


class Sampler(threading.Thread):
    """VmRSS of the app and of any worker process it runs, every 20 ms."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.app_kb, self.worker_kb, self.stopped = pid, 0, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.02):
            self.app_kb = max(self.app_kb, status_kb(self.pid, 'VmRSS'))
            for child in children(self.pid):
                with contextlib.suppress(OSError, RuntimeError):  # it ended between the two reads
                    self.worker_kb = max(self.worker_kb, status_kb(child, 'VmRSS'))


def probe_loop(base: str, until: threading.Event) -> list[float]:
    """Answer times (ms) of GET /healthz, one every PROBE_EVERY_S, until `until` is set."""
    times = []
    with httpx.Client(base_url=base, timeout=30) as client:
        while not until.is_set():
            started = time.perf_counter()
            client.get('/healthz').raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            until.wait(PROBE_EVERY_S)
    return times


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


async def composer_page(playwright, base: str, post_id: int):
    """Headless Chromium signed in as the bench's user, on the composer with draft `post_id`; (browser, page)."""
    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = await (await browser.new_context(viewport={'width': 1280, 'height': 900})).new_page()
    await page.goto(f'{base}/login?next=/compose?post={post_id}')
    await page.get_by_label('Username').fill(USERNAME)
    await page.get_by_label('Password', exact=True).fill(PASSWORD)
    await page.get_by_label('Password', exact=True).press('Enter')
    return browser, page


async def convert_in_page(base: str, post_id: int, app_pid: int, seconds: int) -> dict[str, float]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser, page = await composer_page(playwright, base, post_id)
        button = page.get_by_role('button', name='Convert for Instagram')
        await button.wait_for(timeout=60_000)
        await asyncio.sleep(SETTLE_S)
        idle_done = threading.Event()
        idle_probe = asyncio.create_task(asyncio.to_thread(probe_loop, base, idle_done))
        await asyncio.sleep(SETTLE_S)
        idle_done.set()
        idle_times = await idle_probe
        idle_kb = status_kb(app_pid, 'VmRSS')
        sampler = Sampler(app_pid)
        sampler.start()
        cpu_before = cpu_s(app_pid)
        done = threading.Event()
        probe = asyncio.create_task(asyncio.to_thread(probe_loop, base, done))
        started = time.perf_counter()
        await button.click()
        await page.get_by_text('is converted for Instagram').wait_for(timeout=3_600_000)
        work_s = time.perf_counter() - started
        done.set()
        busy_times = await probe
        await asyncio.sleep(0.5)  # the worker has been reaped: its CPU time is in the app's children's
        cpu_after = cpu_s(app_pid)
        sampler.stopped.set()
        sampler.join()
        await browser.close()
    return {'work_s_per_video_s': work_s / seconds,
            'peak_rss_above_idle_mb': (sampler.app_kb - idle_kb) / 1024,
            'worker_peak_rss_mb': sampler.worker_kb / 1024,
            'idle_rss_mb': idle_kb / 1024,
            'loop_delay_p99_ms': p99(busy_times), 'loop_delay_median_ms': statistics.median(busy_times),
            'idle_loop_delay_p99_ms': p99(idle_times), 'probes': len(busy_times),
            'app_cpu_s': cpu_after[0] - cpu_before[0], 'worker_cpu_s': cpu_after[1] - cpu_before[1],
            'work_s': work_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=int, default=60)
    parser.add_argument('--fps', type=int, default=30)
    options = parser.parse_args()
    if not Path(CHROMIUM).exists():
        sys.exit('Debian chromium is missing: apt-get install -y chromium')
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder)
        database = os.environ.get('BENCH_DATABASE_URL') or f'sqlite:///{data / "bench.db"}'
        env = {'DATA_DIR': str(data / 'data'), 'DATABASE_URL': database, 'SECRET_KEY': 'bench-secret-key-' + 'x' * 32,
               'MAX_UPLOAD_MB': '2048'}
        if database.startswith('postgresql'):
            from tests.conftest import empty_postgres

            empty_postgres(database)
        made = time.perf_counter()
        clip = make_clip(data / 'clip.mp4', options.seconds, options.fps)
        print(f'made a {options.seconds} s {SIZE[0]}×{SIZE[1]} clip at {options.fps} fps '
              f'({clip.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - made:.1f} s')
        post_id = prepare(env, clip)
        process, base = start_app(app_env(**env), data, log=data / 'app.log')
        try:
            found = asyncio.run(convert_in_page(base, post_id, process.pid, options.seconds))
        finally:
            stop_app(process)
    print(f'conversion: {found["work_s"]:.1f} s for {options.seconds} s of video '
          f'({found["work_s_per_video_s"]:.2f} s of work per second of video)')
    print(f'app process: idle {found["idle_rss_mb"]:.1f} MiB, peak {found["peak_rss_above_idle_mb"]:+.1f} MiB above '
          f'idle (target <= 100); CPU {found["app_cpu_s"]:.1f} s')
    print(f'worker process: peak {found["worker_peak_rss_mb"]:.1f} MiB; CPU {found["worker_cpu_s"]:.1f} s')
    print(f'GET /healthz every {PROBE_EVERY_S * 1000:.0f} ms during it: p99 {found["loop_delay_p99_ms"]:.1f} ms, '
          f'median {found["loop_delay_median_ms"]:.1f} ms over {found["probes"]} (idle p99 '
          f'{found["idle_loop_delay_p99_ms"]:.1f} ms; target <= 50)')
    keys = ('work_s_per_video_s', 'peak_rss_above_idle_mb', 'worker_peak_rss_mb', 'loop_delay_p99_ms',
            'app_cpu_s', 'worker_cpu_s')
    print(' '.join(f'{key}={found[key]:.2f}' for key in keys))


if __name__ == '__main__':
    main()
