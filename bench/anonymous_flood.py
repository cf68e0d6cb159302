"""Memory under anonymous traffic: 10,000 GETs of the page an anonymous visitor lands on.

Run: .venv/bin/python bench/anonymous_flood.py [requests]
Starts `python app.py` on an empty data folder with one user (so visitors land on the sign-in page), sends the
GETs one after another from one client without cookies (as a scanner would), and reads the server's RSS
before and after (after a 15 s settle, so NiceGUI's pruning of clients that never connected has run).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no VmRSS')


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as data:
        env = {**os.environ, 'DATA_DIR': data, 'PORT': str(free_port()), 'SECRET_KEY': 'f' * 40}
        from services import db, users
        from services.config import configure, load_settings

        settings = configure(load_settings({'DATA_DIR': data, 'SECRET_KEY': env['SECRET_KEY']}, env_file=None))
        db.init_db(settings.database_url)
        users.create_first_admin('admin', 'a long password!', language='en', time_zone='UTC', ip='')
        process = subprocess.Popen([sys.executable, str(ROOT / 'app.py')], env=env, cwd=data,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f'http://127.0.0.1:{env["PORT"]}'
        try:
            while True:
                try:
                    if httpx.get(base + '/healthz', timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.05)
            landing = httpx.get(base + '/', follow_redirects=True)
            time.sleep(2)
            before = rss_mb(process.pid)
            started = time.perf_counter()
            with httpx.Client(base_url=base) as client:
                for _ in range(count):
                    client.cookies.clear()
                    assert client.get(str(landing.url.path)).status_code == 200
            elapsed = time.perf_counter() - started
            time.sleep(15)
            after = rss_mb(process.pid)
        finally:
            process.terminate()
            process.wait(timeout=10)
    print(f'{count} anonymous GETs of {landing.url.path} in {elapsed:.1f} s ({count / elapsed:.0f}/s)')
    print(f'server RSS before {before:.1f} MiB, after {after:.1f} MiB')
    print(f'rss_before_mb={before:.1f} rss_after_mb={after:.1f} rss_delta_mb={after - before:.1f}')


if __name__ == '__main__':
    main()
