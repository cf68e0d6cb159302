"""Starting the app's services inside a test (or a benchmark), the way `app.py` does, on an empty data folder.

The data folder and the database come from the environment the `app_env` fixture sets for every test: a fresh
folder, SQLite inside it, or the emptied PostgreSQL database named by TEST_APP_DATABASE_URL. A real app process
(`tests/app_process.start_app`) gets the same folder and database from `process_env`.
"""
from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from services import lifecycle
from services.core import db
from services.core.config import Settings, configure, load_settings
from services.platforms import base
from services.publishing import engine
from services.publishing.engine import Engine
from services.team import users
from tests import app_process
from tests.fakes.telegram import FakeTelegram
from tests.harness.builders import connected

SECRET_KEY = 's' * 40


def boot(**settings: str) -> Settings:
    """Configure the services, open the database (migrated to the newest schema) and forget what an earlier test
    left cached. `settings` are environment variables of the app (TELEGRAM_API_URL=..., PUBLIC_BASE_URL=...).
    Without a DATA_DIR among them, the data folder and the database are the test's own. Returns the settings.
    Raises ConfigError for bad ones.
    """
    configured = configure(load_settings(_with_defaults(settings), env_file=None))
    db.init_db(configured.database_url)
    users.forget_cached_state()
    return configured


def boot_with_engine(**settings: str) -> tuple[Settings, Engine]:
    """`boot`, then the publishing engine (not started on anything, and no scheduler)."""
    configured = boot(**settings)
    return configured, engine.init_engine(configured)


@asynccontextmanager
async def publishing_to(telegram: FakeTelegram) -> AsyncIterator[Settings]:
    """`boot_with_engine` sending to the fake `telegram` without pacing, its channel connected
    (`builders.channel_of('telegram')`). On leaving: the engine's work is waited for and the shared HTTP client,
    opened in this test's loop, is closed."""
    settings, runner = boot_with_engine(TELEGRAM_API_URL=telegram.base_url, TELEGRAM_PACING_SECONDS='0')
    connected('telegram')
    try:
        yield settings
    finally:
        await runner.wait_idle()
        await base.close_http_client()


async def stop_services() -> None:
    """What the app does when it stops: the scheduler, token renewal and the media sweep stop, the shared HTTP
    client closes. Work the engine still has in hand is not waited for."""
    await lifecycle.stop_services()


def process_env(**settings: str) -> dict[str, str]:
    """The environment of a real app process (`app_process.start_app`) with `settings`; like `boot`, on the
    test's data folder and database unless they name a DATA_DIR. Leases last 3 s (not a minute), so that what a
    killed process was sending is judged within seconds."""
    return app_process.app_env(**_with_defaults({'DELIVERY_LEASE_SECONDS': '3', **settings}))


def _with_defaults(settings: dict[str, str]) -> dict[str, str]:
    """`settings`, with a SECRET_KEY and, unless they name a data folder, the test's folder and database (which
    the app_env fixture puts in the environment)."""
    where = {} if 'DATA_DIR' in settings else {name: os.environ[name] for name in ('DATA_DIR', 'DATABASE_URL')
                                               if os.environ.get(name)}
    return {'SECRET_KEY': SECRET_KEY, **where, **settings}
