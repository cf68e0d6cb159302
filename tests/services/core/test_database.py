import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from services.core import db
from services.core.models import Post, SQLModel, User


def test_alembic_upgrade_from_empty_creates_every_table(engine):
    db.upgrade_schema(engine)
    tables = set(sa.inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    assert 'alembic_version' in tables
    db.upgrade_schema(engine)  # a second start finds nothing to do


def test_migrations_match_the_models(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    db.upgrade_schema(engine)
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_foreign_keys_are_enforced(engine):
    db.upgrade_schema(engine)
    with pytest.raises(sa.exc.IntegrityError), Session(engine) as session:
        session.add(Post(author_id=424242, text='orphan'))
        session.commit()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = db.create_db_engine(f'sqlite:///{tmp_path / "wal.db"}')
    with engine.connect() as connection:
        assert connection.exec_driver_sql('PRAGMA journal_mode').scalar() == 'wal'
        assert connection.exec_driver_sql('PRAGMA foreign_keys').scalar() == 1
    engine.dispose()


def test_times_come_back_as_aware_utc(engine):
    db.upgrade_schema(engine)
    with Session(engine) as session:
        session.add(User(username='sam', password_hash='x'))
        session.commit()
    with Session(engine) as session:
        created = session.exec(select(User)).one().created_at
    assert created.tzinfo is not None and created.utcoffset().total_seconds() == 0


def test_the_newest_revision_read_from_the_files_is_alembics_head():
    from alembic.script import ScriptDirectory

    assert db.newest_revision() == ScriptDirectory.from_config(db.alembic_config()).get_current_head()


def test_a_start_on_an_up_to_date_schema_does_not_load_alembic(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    url = f'sqlite:///{tmp_path / "current.db"}'
    start = ('import sys; from services.core import db; db.init_db(sys.argv[1]); '
             "print('alembic' in sys.modules, db.engine().connect().exec_driver_sql("
             "'SELECT version_num FROM alembic_version').scalar())")
    root = Path(__file__).resolve().parents[3]
    first, second = (subprocess.run([sys.executable, '-c', start, url], cwd=root, capture_output=True, text=True,
                                    check=True).stdout.split() for _ in range(2))
    assert first == ['True', db.newest_revision()]  # the empty database was migrated
    assert second == ['False', db.newest_revision()]
