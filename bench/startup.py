"""Cold start and idle memory of `python app.py` on an empty data folder.

Run: .venv/bin/python bench/startup.py [runs]
Each run starts a fresh process with a new data folder (so the first start also creates the database), times
how long until /healthz answers and until the sign-in page (setup, on an empty database) is served, then lets it
idle for 5 s and reads its resident memory. Prints each run, then the medians; the last line is key=value pairs.
"""
from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

APP = Path(__file__).resolve().parents[1] / 'app.py'


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no VmRSS')


def one_run() -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as data:
        port = free_port()
        env = {**os.environ, 'DATA_DIR': data, 'PORT': str(port), 'SECRET_KEY': 'b' * 40}
        start = time.perf_counter()
        process = subprocess.Popen([sys.executable, str(APP)], env=env, cwd=data,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f'http://127.0.0.1:{port}'
            while True:
                try:
                    if httpx.get(base + '/healthz', timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.02)
            ready = time.perf_counter() - start
            page = httpx.get(base + '/', follow_redirects=True, timeout=10)
            assert page.status_code == 200 and 'setup' in str(page.url)
            first_page = time.perf_counter() - start
            time.sleep(5)
            return ready, first_page, rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)


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
