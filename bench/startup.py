"""Cold start and idle memory of `python app.py`: on an empty data folder, and restarted on it.

Run: .venv/bin/python bench/startup.py [runs]
Each run starts a fresh process with a new data folder (so the first start also creates the database), times
how long until /healthz answers and until the first page is served (on an empty database, `/` leads to the
setup page asking for the printed link), then lets it idle for 5 s and reads its resident memory. It then stops
the app and starts it again on the same folder (what every later start of a server is: nothing to migrate) and
reads the idle memory once more. Prints each run, then the medians; the last line is key=value pairs.
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_process import app_env, rss_mb, start_app, stop_app  # noqa: E402


def idle_rss(process, base: str) -> float:
    """RSS after the first page and 5 s of idling."""
    page = httpx.get(base + '/', follow_redirects=True, timeout=10)
    assert (page.url.path, page.status_code) == ('/setup', 403)
    time.sleep(5)
    return rss_mb(process.pid)


def one_run() -> tuple[float, float, float, float]:
    with tempfile.TemporaryDirectory() as data:
        env = app_env(DATA_DIR=data, SECRET_KEY='b' * 40)
        start = time.perf_counter()
        process, base = start_app(env, Path(data))
        try:
            ready = time.perf_counter() - start
            httpx.get(base + '/', follow_redirects=True, timeout=10)
            first_page = time.perf_counter() - start
            fresh = idle_rss(process, base)
        finally:
            stop_app(process)
        process, base = start_app(env, Path(data))
        try:
            restarted = idle_rss(process, base)
        finally:
            stop_app(process)
    return ready, first_page, fresh, restarted


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    results = []
    for index in range(runs):
        ready, first_page, fresh, restarted = one_run()
        results.append((ready, first_page, fresh, restarted))
        print(f'run {index + 1}: healthz after {ready:.2f} s, first page after {first_page:.2f} s, '
              f'idle RSS {fresh:.1f} MiB; restarted on that data: idle RSS {restarted:.1f} MiB')
    ready, first_page, fresh, restarted = (statistics.median(column) for column in zip(*results, strict=True))
    print(f'median of {runs} runs on {os.cpu_count()} cores')
    print(f'cold_start_s={ready:.2f} first_page_s={first_page:.2f} idle_rss_mb={fresh:.1f} '
          f'restart_idle_rss_mb={restarted:.1f}')


if __name__ == '__main__':
    main()
