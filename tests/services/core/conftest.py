"""The database tests' empty database, on SQLite and (when TEST_POSTGRES_URL names one) on PostgreSQL."""
import os

import pytest

from services.core import db
from services.core.config import load_settings
from tests.conftest import empty_postgres

POSTGRES_URL = os.environ.get('TEST_POSTGRES_URL', '')


@pytest.fixture(params=['sqlite', 'postgresql'])
def engine(request, tmp_path):
    """An empty database: SQLite, and PostgreSQL when TEST_POSTGRES_URL names one (scripts/test.sh sets it up)."""
    if request.param == 'sqlite':
        engine = db.create_db_engine(f'sqlite:///{tmp_path / "test.db"}')
    else:
        if not POSTGRES_URL:
            pytest.skip('TEST_POSTGRES_URL is not set')
        url = empty_postgres(POSTGRES_URL)
        engine = db.create_db_engine(load_settings({'DATABASE_URL': url, 'DATA_DIR': str(tmp_path)},
                                                   env_file=None).database_url)
    yield engine
    engine.dispose()
