"""Memory under anonymous traffic: 10,000 GETs of the page an anonymous visitor lands on.

Run: .venv/bin/python bench/anonymous_flood.py [requests]
Starts `python app.py` on an empty data folder with one user (so visitors land on the sign-in page), sends the
GETs one after another from one client without cookies (as a scanner would), and reads the server's RSS
before and after (after a 15 s settle, so NiceGUI's pruning of clients that never connected has run).
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_process import app_env, rss_mb, start_app, stop_app  # noqa: E402


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as data:
        env = app_env(DATA_DIR=data, SECRET_KEY='f' * 40)
        from services.core import db
        from services.core.config import configure, load_settings
        from services.team import users

        settings = configure(load_settings({'DATA_DIR': data, 'SECRET_KEY': env['SECRET_KEY']}, env_file=None))
        db.init_db(settings.database_url)
        users.create_first_admin('admin', 'a long password!', language='en', time_zone='UTC', ip='')
        process, base = start_app(env, Path(data))
        try:
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
            stop_app(process)
    print(f'{count} anonymous GETs of {landing.url.path} in {elapsed:.1f} s ({count / elapsed:.0f}/s)')
    print(f'server RSS before {before:.1f} MiB, after {after:.1f} MiB')
    print(f'rss_before_mb={before:.1f} rss_after_mb={after:.1f} rss_delta_mb={after - before:.1f}')


if __name__ == '__main__':
    main()
