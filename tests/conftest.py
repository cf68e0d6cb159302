from __future__ import annotations

import html
import os
import re

import httpx
import pytest

from services.core import db
from services.core.config import SUPPORTED_DB_SCHEMES
from services.team import users
from tests.harness import first_admin

pytest_plugins = ['nicegui.testing.user_plugin']

ADMIN = ('admin', 'correct horse battery')
# The app's settings a developer's shell may hold: every test starts without them.
APP_SETTINGS = ('DATABASE_URL', 'SECRET_KEY', 'HOST', 'PORT', 'MAX_UPLOAD_MB', 'PUBLIC_BASE_URL')
APP_SETTING_PREFIXES = ('TELEGRAM_', 'INSTAGRAM_', 'YOUTUBE_', 'TIKTOK_', 'PUBLISH_', 'RETRY_', 'MISFIRE_', 'SMTP_',
                        'OUTBOX_')


@pytest.fixture(autouse=True)
def app_env(tmp_path, monkeypatch):
    """Every test gets an empty data folder and no settings from the developer's shell or .env.

    With TEST_APP_DATABASE_URL set, the app runs on that (emptied) PostgreSQL database instead of SQLite.
    `tests.harness.boot` and `process_env` read the folder and the database from here.
    """
    for name in [name for name in os.environ if name in APP_SETTINGS or name.startswith(APP_SETTING_PREFIXES)]:
        monkeypatch.delenv(name)
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


@pytest.fixture(autouse=True)
def plain_pages(monkeypatch):
    """The sign-in page is plain HTML, not a NiceGUI page (an anonymous visit must not build a page client), so
    the simulated user cannot render it. A navigation that lands there keeps the response in `user.plain_page`."""
    from nicegui.testing import User

    original_open = User.open

    async def open_page_or_plain(self: User, path: str, *, clear_forward_history: bool = True):
        responses: list[httpx.Response] = []

        async def keep(response: httpx.Response) -> None:
            await response.aread()
            responses.append(response)

        self.http_client.event_hooks['response'].append(keep)
        try:
            return await original_open(self, path, clear_forward_history=clear_forward_history)
        except ValueError as error:
            if not str(error).startswith('Expected a page response'):
                raise
            self.plain_page = responses[-1]
            self.back_history.append(path)
            return None
        finally:
            self.http_client.event_hooks['response'].remove(keep)

    monkeypatch.setattr(User, 'open', open_page_or_plain)


async def sign_in(user, username: str, password: str, *, form_url: str = '/login') -> httpx.Response:
    """Fill in and submit the sign-in form at `form_url` as a browser would (its hidden fields included); the
    session cookie stays in `user.http_client`. Returns the answer: a 303 to the next page, or the form again."""
    form = await user.http_client.get(form_url)
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form.text))
    assert 'csrf' in hidden, f'no sign-in form at {form_url}: {form.status_code}'
    return await user.http_client.post('/login', data={**{k: html.unescape(v) for k, v in hidden.items()},
                                                       'username': username, 'password': password})


async def open_signed_in(user, username: str, password: str, path: str = '/') -> None:
    """Sign in and open `path`."""
    response = await sign_in(user, username, password)
    assert response.status_code == 303, response.text
    await user.open(path)


async def on_sign_in_page(user, text: str, *, seconds: float = 5.0) -> None:
    """Wait until a navigation has landed on the sign-in page and it shows `text`."""
    def landed():
        page = getattr(user, 'plain_page', None)
        return page is not None and text in html.unescape(page.text)

    await eventually(landed, seconds=seconds)


@pytest.fixture
def admin(user):
    """The first admin, created as setup would (needs the app started by the `user` fixture)."""
    return first_admin(*ADMIN, time_zone='Europe/Berlin', ip='127.0.0.1')


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

    from services.core.models import AuditEvent

    with db.session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.target == target)
                                 .order_by(AuditEvent.id)))


def empty_postgres(url: str) -> str:
    """Drop everything in this test process's PostgreSQL database at `url` (`own_postgres`) and return its URL."""
    import sqlalchemy as sa

    url = own_postgres(url)
    scheme, _, rest = url.partition('://')
    engine = sa.create_engine(f'{SUPPORTED_DB_SCHEMES[scheme]}://{rest}')
    with engine.begin() as connection:
        connection.exec_driver_sql('DROP SCHEMA public CASCADE')
        connection.exec_driver_sql('CREATE SCHEMA public')
    engine.dispose()
    return url


_own_databases: dict[str, str] = {}


def own_postgres(url: str) -> str:
    """The database at `url`; under pytest-xdist, a database of this worker's own beside it (`<name>_gw0`, created
    at first use: the role needs CREATEDB), since every test empties the database it uses."""
    import sqlalchemy as sa

    worker = os.environ.get('PYTEST_XDIST_WORKER')
    if not worker:
        return url
    if url not in _own_databases:
        scheme, _, rest = url.partition('://')
        base = sa.engine.make_url(f'{SUPPORTED_DB_SCHEMES[scheme]}://{rest}')
        name = f'{base.database}_{worker}'
        engine = sa.create_engine(base, isolation_level='AUTOCOMMIT')
        with engine.connect() as connection:
            if not connection.execute(sa.text('SELECT 1 FROM pg_database WHERE datname = :name'),
                                      {'name': name}).first():
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        engine.dispose()
        _own_databases[url] = f'{scheme}://' + base.set(database=name).render_as_string(
            hide_password=False).partition('://')[2]
    return _own_databases[url]
