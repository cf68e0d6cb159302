"""Anonymous Creations: wiring only (config → database → services → pages → ui.run)."""
from __future__ import annotations

import argparse
import gc
import hmac
import logging
import multiprocessing
import os
import sys

from services.core.config import ConfigError, configure, load_settings


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Anonymous Creations, a self-hosted social media dashboard')
    parser.add_argument('--show', action='store_true', help='open a browser tab once the app is up')
    parser.add_argument('--native', action='store_true', help='open the app in its own desktop window')
    return parser.parse_known_args(argv)[0]


def native_window_missing() -> str | None:
    """What `--native` lacks to open a window (pywebview and a GUI toolkit for it), or None."""
    import importlib.util

    if importlib.util.find_spec('webview') is None:
        return 'pywebview'
    if sys.platform.startswith('linux') and not any(importlib.util.find_spec(m) for m in ('qtpy', 'gi')):
        return 'Qt (PySide6 and qtpy) or GTK (PyGObject)'
    return None


def reset_password(username: str) -> None:
    """`python app.py reset-password USERNAME`: a locked-out admin sets a new password on the server."""
    import getpass

    from services.core import db
    from services.core.errors import UserError
    from services.team import users

    try:
        settings = configure(load_settings())
    except ConfigError as error:
        sys.exit(f'Configuration error: {error}')
    db.init_db(settings.database_url)
    user = users.find_user(username)
    if user is None:
        sys.exit(f'No user is called {username!r}.')
    password = getpass.getpass(f'New password for {user.username}: ')
    if password != getpass.getpass('Repeat it: '):
        sys.exit('The two passwords differ; nothing was changed.')
    try:
        users.reset_password(None, user.id, ip='command line', new_password=password)
    except UserError as refusal:
        sys.exit(refusal.message % refusal.params if refusal.params else refusal.message)
    print(f'The password of {user.username} was changed; their open sessions have ended.')


def main() -> None:
    if sys.argv[1:2] == ['reset-password']:
        if len(sys.argv) != 3:
            sys.exit('usage: python app.py reset-password USERNAME')
        reset_password(sys.argv[2])
        return
    logging.basicConfig(level=logging.INFO, format='%(levelname)s %(name)s: %(message)s')
    logging.getLogger('alembic.runtime.plugins').setLevel(logging.WARNING)
    logging.getLogger('httpx').setLevel(logging.WARNING)  # it logs request URLs, and Telegram's carry the bot token
    args = parse_args(sys.argv[1:])
    try:
        settings = configure(load_settings())
    except ConfigError as error:
        sys.exit(f'Configuration error: {error}')
    if args.native:
        missing = native_window_missing()
        if missing:
            sys.exit(f'The desktop window needs {missing}: pip install -r requirements-native.txt '
                     '(on Linux also: apt install libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxkbcommon-x11-0)')
        if sys.platform.startswith('linux'):
            os.environ.setdefault('PYWEBVIEW_GUI', 'qt')  # the toolkit requirements-native.txt installs
            if os.geteuid() == 0:  # Qt WebEngine's Chromium refuses to run as root inside its sandbox
                os.environ.setdefault('QTWEBENGINE_CHROMIUM_FLAGS', '--no-sandbox')
    # NiceGUI keeps per-browser storage on disk: inside the data folder, never in the working directory.
    os.environ.setdefault('NICEGUI_STORAGE_PATH', str(settings.data_dir / 'sessions'))
    # Optional extras that libraries import without need, and do without when missing: httpx's command-line client
    # (rich, click, pygments) and Mako's highlighting of template errors (Alembic imports Mako): ~9 MiB less.
    for unused in ('httpx._main', 'mako.ext.pygmentplugin'):
        sys.modules.setdefault(unused, None)

    from nicegui import app, ui

    from components import theme
    from pages import audit, calendar, channel_groups, channels, compose, history, home, login, post_detail, setup
    from pages import media as media_page
    from pages import queue as queue_page
    from pages import review as review_page
    from pages import settings as settings_page
    from pages import users as users_page
    from pages import webhooks as webhooks_page
    from services import lifecycle
    from services.core import db
    from services.team import users
    from services.web import (
        access_gate,
        api,
        channel_pictures,
        health,
        media_routes,
        oauth_callback,
        route_cookie,
        security_headers,
    )

    try:
        db.init_db(settings.database_url)
    except Exception as error:  # noqa: BLE001 - one clear line instead of a traceback at start
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        sys.exit(f'Database error: cannot open {settings.database_url.split("@")[-1]}: {reason}')
    users.forget_cached_state()
    # The window process of --native runs this module again: only the server prints (and knows) the setup code.
    first_run = None
    if not users.has_users() and multiprocessing.current_process().name == 'MainProcess':
        first_run = setup.first_run_path()
        link = (settings.public_base_url or setup.local_url(settings)) + first_run
        app.on_startup(lambda: setup.announce(link))  # after NiceGUI's own "ready to go", so it is seen
        if args.native:
            app.native.window_args['url'] = setup.local_url(settings) + first_run

    theme.install()
    access_gate.install()
    route_cookie.install()
    security_headers.install()  # outermost: it also covers the gate's own redirects
    api.install()
    for module in (health, media_routes, channel_pictures, setup, login, home, compose, calendar, history, post_detail,
                   channels, oauth_callback, settings_page, users_page, audit, channel_groups, webhooks_page,
                   media_page, queue_page, review_page):
        app.include_router(module.router)
    async def start_services() -> None:
        await lifecycle.start_services(settings)
        # what start-up built (modules, pages, scheduled posts' jobs) lives as long as the process: out of the
        # collector's sight, its full collections stop walking it in the middle of a burst of sends
        gc.freeze()

    app.on_startup(start_services)
    app.on_shutdown(lifecycle.stop_services)

    storage_secret = hmac.new(settings.secret_key.encode(), b'browser-storage', 'sha256').hexdigest()
    ui.run(host=settings.host, port=settings.port, title='Anonymous Creations', favicon='🗓️',
           reload=False, show=(first_run or '/') if args.show and not args.native else False, native=args.native,
           window_size=(1280, 860) if args.native else None, storage_secret=storage_secret, show_welcome_message=True,
           language='en-US', fastapi_docs=True, session_middleware_kwargs={
               'same_site': 'lax', 'https_only': settings.public_base_url.startswith('https://')})


if __name__ in {'__main__', '__mp_main__'}:
    main()
