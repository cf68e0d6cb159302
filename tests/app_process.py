"""`python app.py` as a real process, for the browser, API and crash tests and the benchmarks."""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / 'app.py'
# Settings a developer's shell or the test run may hold that must not leak into an app under test.
NOT_INHERITED = ('PYTEST', 'NICEGUI', 'TELEGRAM', 'INSTAGRAM', 'YOUTUBE', 'TIKTOK', 'DATABASE_URL', 'MAX_UPLOAD_MB',
                 'PUBLIC_BASE_URL', 'PORT', 'HOST', 'DATA_DIR', 'SECRET_KEY')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return probe.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
    raise RuntimeError('no VmRSS')


def app_env(**settings: str) -> dict[str, str]:
    """This process's environment without any of the app's settings, plus `settings`."""
    inherited = {name: value for name, value in os.environ.items() if not name.startswith(NOT_INHERITED)}
    return {**inherited, 'HOST': '127.0.0.1', **settings}


def start_app(env: dict[str, str], cwd: Path, *, log: Path | None = None, args: tuple[str, ...] = (),
              port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start the app (with command-line `args`) on `port` (a free one when None) and wait until /healthz answers;
    returns the process and its base URL. Output goes to `log` (appended) when given. Raises RuntimeError, with the
    log, if it exits or stays silent.
    """
    port = port or free_port()
    out = log.open('a') if log else subprocess.DEVNULL
    try:
        process = subprocess.Popen([sys.executable, str(APP), *args], cwd=cwd, env={**env, 'PORT': str(port)},
                                   stdout=out, stderr=subprocess.STDOUT)
    finally:
        if log:
            out.close()
    base_url = f'http://127.0.0.1:{port}'
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f'the app exited: {log.read_text() if log else "(no log)"}')
        try:
            if httpx.get(f'{base_url}/healthz', timeout=1).status_code == 200:
                return process, base_url
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    process.kill()
    raise RuntimeError('the app did not answer /healthz within 30 s')


def wait_for(check, seconds: float = 20.0, every: float = 0.05) -> None:
    """Poll `check()` every `every` s until it is true; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f'still false after {seconds} s')
        time.sleep(every)


def wait_for_log(process: subprocess.Popen, log: Path, pattern: str, *, seconds: float = 60) -> re.Match:
    """Wait until the app's `log` (as `start_app` writes it) has a line matching `pattern`; returns the match.

    Raises RuntimeError, with the log, if the app exits or the line does not come within `seconds`.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = re.search(pattern, log.read_text())
        if found:
            return found
        if process.poll() is not None:
            raise RuntimeError(f'the app exited: {log.read_text()}')
        time.sleep(0.1)
    raise RuntimeError(f'no line matching {pattern!r} in the app\'s log within {seconds:.0f} s: {log.read_text()}')


def stop_app(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=10)


def printed_setup_link(log: Path) -> str:
    """The setup link (with its one-time code) the app printed last in `log`, as its operator would copy it."""
    links = re.findall(r'https?://\S+/setup\?code=\S+', log.read_text())
    if not links:
        raise AssertionError(f'no setup link in the app\'s output: {log.read_text()}')
    return links[-1]
