"""App processes `app1` and `app2` (their ROUTE_NAME) on one PostgreSQL and one data folder, behind Debian's nginx
configured with deploy/nginx.conf itself (only the addresses swapped): the deployment the compose recipe makes."""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from services.connections import accounts
from tests.app_process import ROOT, free_port, start_app, stop_app
from tests.conftest import empty_postgres
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN
from tests.harness.boot import boot, process_env
from tests.harness.builders import first_admin

NGINX = shutil.which('nginx') or '/usr/sbin/nginx'
NAMES = ('app1', 'app2')


class Cluster:
    """Start with `Cluster(tmp_path, settings)` (the database already migrated); `stop()` ends it all."""

    def __init__(self, tmp_path: Path, settings: dict[str, str]) -> None:
        self.tmp = tmp_path
        self.env = process_env(**settings)
        self.ports = {name: free_port() for name in NAMES}
        self.apps: dict[str, tuple[subprocess.Popen, str]] = {}
        for name in NAMES:
            (tmp_path / name).mkdir()  # NiceGUI's own per-process storage; uploads are in the shared DATA_DIR
            self.start(name)
        self.port = free_port()
        self.nginx = subprocess.Popen([NGINX, '-c', str(self._nginx_conf()), '-p', str(tmp_path), '-e',
                                       str(tmp_path / 'nginx-error.log')], stderr=subprocess.STDOUT)
        self.url = f'http://127.0.0.1:{self.port}'
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if httpx.get(f'{self.url}/readyz', timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError(f'nginx did not answer: {(tmp_path / "nginx-error.log").read_text()}')

    def start(self, name: str) -> None:
        """Start (or start again, on the same port nginx knows) the app process `name`."""
        cwd = self.tmp / name
        self.apps[name] = start_app({**self.env, 'ROUTE_NAME': name}, cwd, log=cwd / 'app.log',
                                    port=self.ports[name])

    def kill(self, name: str, sig: signal.Signals = signal.SIGKILL) -> None:
        """Send `sig` to the app process `name` and wait until it is gone."""
        process, _url = self.apps[name]
        os.kill(process.pid, sig)
        process.wait(timeout=30)

    def direct(self, name: str) -> str:
        return self.apps[name][1]

    def log(self, name: str) -> str:
        return (self.tmp / name / 'app.log').read_text()

    def _nginx_conf(self) -> Path:
        site = (ROOT / 'deploy' / 'nginx.conf').read_text()
        for name, port in self.ports.items():
            site = site.replace(f'{name}:8080', f'127.0.0.1:{port}')
        site = site.replace('listen 80;', f'listen 127.0.0.1:{self.port};')
        (self.tmp / 'site.conf').write_text(site)
        temp = ' '.join(f'{kind}_temp_path {self.tmp / kind};' for kind in ('client_body', 'proxy', 'fastcgi',
                                                                             'uwsgi', 'scgi'))
        main = self.tmp / 'nginx.conf'
        main.write_text(f'daemon off; worker_processes 1; pid {self.tmp / "nginx.pid"}; user root;\n'
                        f'events {{}}\nhttp {{ access_log off; {temp} include {self.tmp / "site.conf"}; }}\n')
        return main

    def stop(self) -> None:
        self.nginx.terminate()
        self.nginx.wait(timeout=10)
        for process, _url in self.apps.values():
            stop_app(process)


@contextlib.contextmanager
def telegram_cluster(postgres_url: str, tmp_path: Path, telegram_url: str, admin: tuple[str, str],
                     **settings: str) -> Iterator[Cluster]:
    """Two processes on an emptied `postgres_url`, sending to the (fake) Telegram at `telegram_url` with no pacing
    unless `settings` say otherwise, with the administrator `admin` (username, password)."""
    settings = {'DATABASE_URL': empty_postgres(postgres_url), 'DATA_DIR': str(tmp_path / 'data'),
                'TELEGRAM_API_URL': telegram_url, 'TELEGRAM_BOT_TOKEN': DEFAULT_TOKEN,
                'TELEGRAM_CHAT_ID': str(DEFAULT_CHAT_ID), 'TELEGRAM_PACING_SECONDS': '0', **settings}
    accounts.sync_env_accounts(boot(**settings))
    first_admin(*admin)
    running = Cluster(tmp_path, settings)
    try:
        yield running
    finally:
        running.stop()
