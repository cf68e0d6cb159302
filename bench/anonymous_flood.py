"""Memory under anonymous traffic: GETs of `/` on a fresh install, then 10,000 GETs of the sign-in page.

Run: .venv/bin/python bench/anonymous_flood.py [requests after setup] [requests before setup]
Starts `python app.py` on an empty data folder and sends 1,000 GETs of `/` (each follows the redirect to the setup
page, which asks for the link printed at start), creates the administrator through that printed link, restarts
the app and sends 10,000 GETs of the page visitors then land on (/login, asked for directly). The GETs go one
after another from one client without cookies (as a scanner would); the server's RSS is read before and after
each flood (after a 15 s settle, so NiceGUI's pruning of clients and sessions that never connected has run).
The last line: `rss_delta_mb` for the flood after setup, `fresh_rss_delta_mb` per 1,000 GETs before it.
"""
from __future__ import annotations

import html
import re
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.app_process import app_env, printed_setup_link, rss_mb, start_app, stop_app  # noqa: E402


def flood(pid: int, base: str, path: str, count: int, *, lands_on: str, status: int) -> tuple[float, float, float]:
    """`count` cookie-less GETs of `path` (following redirects). Returns RSS before and after, and the seconds."""
    time.sleep(2)
    before = rss_mb(pid)
    started = time.perf_counter()
    with httpx.Client(base_url=base, follow_redirects=True) as client:
        for _ in range(count):
            client.cookies.clear()
            response = client.get(path)
            assert (response.url.path, response.status_code) == (lands_on, status), response
    elapsed = time.perf_counter() - started
    time.sleep(15)
    return before, rss_mb(pid), elapsed


def create_admin(link: str) -> None:
    """What the operator does with the printed link: fill in the setup form."""
    with httpx.Client() as browser:
        form = browser.get(link)
        hidden = {name: html.unescape(value)
                  for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.text)}
        answer = browser.post(link.split('?')[0], data={**hidden, 'username': 'admin', 'password': 'a long password!',
                                                        'repeat': 'a long password!', 'time_zone': 'UTC'})
        assert answer.status_code == 303, answer.text


def report(label: str, count: int, path: str, before: float, after: float, elapsed: float) -> None:
    print(f'{label}: {count} anonymous GETs of {path} in {elapsed:.1f} s ({count / elapsed:.0f}/s); '
          f'server RSS before {before:.1f} MiB, after {after:.1f} MiB')


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    fresh_count = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    with tempfile.TemporaryDirectory() as data:
        env, log = app_env(DATA_DIR=data, SECRET_KEY='f' * 40), Path(data) / 'app.log'
        process, base = start_app(env, Path(data), log=log)
        try:
            fresh = flood(process.pid, base, '/', fresh_count, lands_on='/setup', status=403)
            create_admin(printed_setup_link(log))
        finally:
            stop_app(process)
        process, base = start_app(env, Path(data), log=log)
        try:
            after_setup = flood(process.pid, base, '/login', count, lands_on='/login', status=200)
        finally:
            stop_app(process)
    report('fresh install', fresh_count, '/ (landing on /setup)', *fresh)
    report('after setup', count, '/login', *after_setup)
    fresh_delta = (fresh[1] - fresh[0]) * 1000 / fresh_count
    print(f'rss_before_mb={after_setup[0]:.1f} rss_after_mb={after_setup[1]:.1f} '
          f'rss_delta_mb={after_setup[1] - after_setup[0]:.1f} fresh_rss_delta_mb={fresh_delta:.1f}')


if __name__ == '__main__':
    main()
