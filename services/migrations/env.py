"""Alembic environment: runs against the engine the app hands over (or DATABASE_URL for the CLI)."""
from alembic import context
from sqlmodel import SQLModel

target_metadata = SQLModel.metadata


def run_migrations() -> None:
    engine = context.config.attributes.get('connection_engine')
    if engine is None:
        from services.core.config import load_settings
        from services.core.db import create_db_engine

        engine = create_db_engine(load_settings().database_url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == 'sqlite'
        if sqlite:
            # A batch migration rebuilds a table (copy, drop, rename): with foreign keys on, dropping it would
            # cascade to the rows that point at it (a delivery's attempts). Checked again once it is done.
            connection.exec_driver_sql('PRAGMA foreign_keys=OFF')
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
        if sqlite:
            broken = connection.exec_driver_sql('PRAGMA foreign_key_check').all()
            connection.exec_driver_sql('PRAGMA foreign_keys=ON')
            if broken:
                raise RuntimeError(f'the migration left rows pointing at nothing: {broken[:5]}')


run_migrations()
