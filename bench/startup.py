"""Cold start and idle memory of `python app.py` on an empty data folder.

Run: .venv/bin/python bench/startup.py [runs]
Each run starts a fresh process with a new data folder (so the first start also creates the database), times
how long until /healthz answers and until the sign-in page (setup, on an empty database) is served, then lets it
idle for 5 s and reads its resident memory. Prints each run, then the medians; the last line is key=value pairs.
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


def one_run() -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as data:
        start = time.perf_counter()
        process, base = start_app(app_env(DATA_DIR=data, SECRET_KEY='b' * 40), Path(data))
        try:
            ready = time.perf_counter() - start
            page = httpx.get(base + '/', follow_redirects=True, timeout=10)
            assert page.status_code == 200 and 'setup' in str(page.url)
            first_page = time.perf_counter() - start
            time.sleep(5)
            return ready, first_page, rss_mb(process.pid)
        finally:
            stop_app(process)

def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    results = []
    for index in range(runs):
        ready, first_page, rss = one_run()
        results.append((ready, first_page, rss))
        print(f'run {index + 1}: healthz after {ready:.2f} s, setup page after {first_page:.2f} s, '
              f'idle RSS {rss:.1f} MiB')
    ready, first_page, rss = (statistics.median(column) for column in zip(*results, strict=True))
    print(f'median of {runs} runs on {os.cpu_count()} cores')
    print(f'cold_start_s={ready:.2f} first_page_s={first_page:.2f} idle_rss_mb={rss:.1f}')


if __name__ == '__main__':
    main()
