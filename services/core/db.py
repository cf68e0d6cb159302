"""The database engine, sessions, and schema upgrades (Alembic) at start-up."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlmodel import Session

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / 'migrations'
REVISION_LINE = re.compile(r'''^(revision|down_revision)\s*(?::[^=]*)?=\s*['"]([^'"]+)['"]''', re.MULTILINE)

_engine: sa.Engine | None = None


def create_db_engine(database_url: str) -> sa.Engine:
    """An engine for `database_url`; on SQLite with foreign keys on, WAL and a busy timeout."""
    if database_url.startswith('sqlite'):
        engine = sa.create_engine(database_url, connect_args={'check_same_thread': False, 'timeout': 15})
        sa.event.listen(engine, 'connect', _sqlite_pragmas)
        return engine
    return sa.create_engine(database_url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.execute('PRAGMA journal_mode=WAL')
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.close()


def alembic_config(engine: sa.Engine | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option('script_location', str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes['connection_engine'] = engine
    return config


def upgrade_schema(engine: sa.Engine) -> None:
    """Bring the schema of `engine`'s database to the newest migration (an empty database gets every table).

    Alembic (with Mako, ~15 MiB that a process never gives back) is loaded only when there is something to do.
    """
    newest = newest_revision()
    if newest is not None and _current_revision(engine) == newest:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), 'head')


def newest_revision() -> str | None:
    """The head of the migrations, read from their files; None unless they form one line (then Alembic decides)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS_DIR / 'versions').glob('*.py'):
        found = dict(REVISION_LINE.findall(path.read_text(encoding='utf-8')))
        if 'revision' not in found:
            return None
        revisions.add(found['revision'])
        parents.add(found.get('down_revision'))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and len(parents) == len(revisions) else None


def _current_revision(engine: sa.Engine) -> str | None:
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text('SELECT version_num FROM alembic_version')).scalar()
    except sa.exc.DBAPIError:  # no such table: an empty database
        return None


def init_db(database_url: str) -> sa.Engine:
    """Open the database, upgrade its schema and make it the one `session()` uses."""
    global _engine
    if _engine is not None:
        _engine.dispose()
    engine = create_db_engine(database_url)
    upgrade_schema(engine)
    _engine = engine
    return engine


def engine() -> sa.Engine:
    if _engine is None:
        raise RuntimeError('init_db() has not run')
    return _engine


@contextmanager
def session() -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine(), expire_on_commit=False) as db:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise


def database_now() -> datetime:
    """The database's clock (aware UTC): the one clock every process on a shared database agrees on. SQLite is one
    process's own file, so there it is this machine's clock."""
    current = engine()
    if current.dialect.name != 'postgresql':
        return datetime.now(UTC)
    with current.connect() as connection:
        return connection.exec_driver_sql('SELECT CURRENT_TIMESTAMP').scalar_one().astimezone(UTC)


def is_reachable() -> bool:
    try:
        with engine().connect() as connection:
            connection.execute(sa.text('SELECT 1'))
    except Exception:  # noqa: BLE001 - any failure means "not reachable" for the health check
        return False
    return True
