from __future__ import annotations

import os

import pytest

from services import db, users
from services.config import SUPPORTED_DB_SCHEMES

pytest_plugins = ['nicegui.testing.user_plugin']

ADMIN = ('admin', 'correct horse battery')


@pytest.fixture(autouse=True)
def app_env(tmp_path, monkeypatch):
    """Every test gets an empty data folder and no settings from the developer's shell or .env.

    With TEST_APP_DATABASE_URL set, the app runs on that (emptied) PostgreSQL database instead of SQLite.
    """
    for name in ('DATABASE_URL', 'SECRET_KEY', 'HOST', 'PORT', 'MAX_UPLOAD_MB', 'PUBLIC_BASE_URL'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('DATA_DIR', str(tmp_path / 'data'))
    if os.environ.get('TEST_APP_DATABASE_URL'):
        monkeypatch.setenv('DATABASE_URL', empty_postgres(os.environ['TEST_APP_DATABASE_URL']))
    monkeypatch.chdir(tmp_path)
    users.forget_cached_state()
    yield tmp_path / 'data'
    if db._engine is not None:
        db._engine.dispose()


@pytest.fixture(autouse=True)
def fresh_lifespan():
    """Each test's app.include_router wraps FastAPI's lifespan once more and NiceGUI's reset never unwraps it:
    without this, the nesting grows test after test until it overflows the stack."""
    from nicegui import core

    original = core.app.router.lifespan_context
    yield
    core.app.router.lifespan_context = original


@pytest.fixture
def admin(user):
    """The first admin, created as setup would (needs the app started by the `user` fixture)."""
    return users.create_first_admin(*ADMIN, language='en', time_zone='Europe/Berlin', ip='127.0.0.1')


async def eventually(check, *, seconds: float = 10.0):
    """Poll `check` until it returns something truthy (for work that runs in a thread after a click)."""
    import asyncio

    for _ in range(int(seconds / 0.05)):
        result = check()
        if result:
            return result
        await asyncio.sleep(0.05)
    raise AssertionError(f'still false after {seconds} s: {check}')


def audit_actions(target: str) -> list[str]:
    from sqlmodel import select

    from services.models import AuditEvent

    with db.session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.target == target)
                                 .order_by(AuditEvent.id)))


def empty_postgres(url: str) -> str:
    """Drop everything in the PostgreSQL database at `url` and return the URL."""
    import sqlalchemy as sa

    scheme, _, rest = url.partition('://')
    engine = sa.create_engine(f'{SUPPORTED_DB_SCHEMES[scheme]}://{rest}')
    with engine.begin() as connection:
        connection.exec_driver_sql('DROP SCHEMA public CASCADE')
        connection.exec_driver_sql('CREATE SCHEMA public')
    engine.dispose()
    return url
