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
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == 'sqlite',
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations()
