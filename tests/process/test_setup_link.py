"""The setup link a real `python app.py` prints on a fresh install: it opens the form, a restart replaces it, and
`--show` opens it in the browser by itself."""
from __future__ import annotations

import time

import httpx

from tests.app_process import app_env, printed_setup_link, start_app, stop_app


def test_the_printed_link_opens_setup_and_a_restart_prints_a_fresh_one(tmp_path):
    env, log = app_env(DATA_DIR=str(tmp_path / 'data')), tmp_path / 'app.log'
    process, base_url = start_app(env, tmp_path, log=log)
    try:
        first = printed_setup_link(log)
        assert first.startswith(base_url + '/setup?code=')
        assert 'Create the administrator' in httpx.get(first).text
    finally:
        stop_app(process)
    process, base_url = start_app(env, tmp_path, log=log)
    try:
        second = printed_setup_link(log)
        assert second.split('code=')[1] != first.split('code=')[1]
        old = httpx.get(base_url + '/setup?' + first.split('?')[1])
        assert old.status_code == 403 and 'This setup code is not valid.' in old.text
        assert httpx.get(second).status_code == 200
    finally:
        stop_app(process)


def test_the_link_uses_the_public_address_when_one_is_set(tmp_path):
    log = tmp_path / 'app.log'
    env = app_env(DATA_DIR=str(tmp_path / 'data'), PUBLIC_BASE_URL='https://creations.example.org')
    process, _ = start_app(env, tmp_path, log=log)
    try:
        assert printed_setup_link(log).startswith('https://creations.example.org/setup?code=')
    finally:
        stop_app(process)


def test_show_opens_the_setup_link_with_its_code_in_the_browser(tmp_path):
    opened = tmp_path / 'opened.txt'
    browser = tmp_path / 'browser.sh'
    browser.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser.chmod(0o755)
    log = tmp_path / 'app.log'
    process, _ = start_app(app_env(DATA_DIR=str(tmp_path / 'data'), BROWSER=f'{browser} %s'), tmp_path, log=log,
                           args=('--show',))
    try:
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text().split() == [printed_setup_link(log)]
    finally:
        stop_app(process)
