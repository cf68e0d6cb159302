import os
import stat

import pytest

from services.core.config import ConfigError, load_settings


def settings_from(tmp_path, **env):
    return load_settings({'DATA_DIR': str(tmp_path / 'data'), **env}, env_file=None)


def test_defaults_serve_locally_with_sqlite_in_the_data_folder(tmp_path):
    settings = settings_from(tmp_path)
    assert (settings.host, settings.port, settings.max_upload_mb) == ('127.0.0.1', 8080, 10)
    assert settings.database_url == f'sqlite:///{tmp_path / "data" / "dashboard.db"}'
    assert settings.platform('telegram')['api_url'] == 'https://api.telegram.org'


def test_missing_secret_key_is_generated_once_and_kept_private(tmp_path):
    first = settings_from(tmp_path).secret_key
    key_file = tmp_path / 'data' / 'secret_key'
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert settings_from(tmp_path).secret_key == first
    assert len(first) >= 40


def test_given_secret_key_wins(tmp_path):
    key = 'k' * 32
    assert settings_from(tmp_path, SECRET_KEY=key).secret_key == key
    assert not (tmp_path / 'data' / 'secret_key').exists()


def test_env_file_is_read_and_environment_overrides_it(tmp_path):
    env_file = tmp_path / '.env'
    env_file.write_text('PORT=9000\nMAX_UPLOAD_MB=25\n')
    settings = load_settings({'DATA_DIR': str(tmp_path / 'd'), 'PORT': '9100'}, env_file=env_file)
    assert (settings.port, settings.max_upload_mb) == (9100, 25)


@pytest.mark.parametrize('url, expected', [
    ('postgresql://u:p@db/app', 'postgresql+psycopg://u:p@db/app'),
    ('postgres://u:p@db/app', 'postgresql+psycopg://u:p@db/app'),
    ('sqlite:////tmp/x.db', 'sqlite:////tmp/x.db'),
])
def test_database_urls_get_the_installed_driver(tmp_path, url, expected):
    assert settings_from(tmp_path, DATABASE_URL=url).database_url == expected


@pytest.mark.parametrize('env, words', [
    ({'DATABASE_URL': 'mysql://u@h/db'}, 'DATABASE_URL must start with'),
    ({'PORT': 'eighty'}, "PORT must be a whole number, got 'eighty'"),
    ({'PORT': '70000'}, 'PORT must be between 1 and 65535'),
    ({'MAX_UPLOAD_MB': '1.5'}, 'MAX_UPLOAD_MB must be a whole number'),
    ({'SECRET_KEY': 'short'}, 'SECRET_KEY must be at least 32 characters'),
    ({'TELEGRAM_API_URL': 'ftp://x'}, 'TELEGRAM_API_URL must be an http:// or https:// address'),
])
def test_bad_settings_are_refused_with_one_clear_line(tmp_path, env, words):
    with pytest.raises(ConfigError) as refused:
        settings_from(tmp_path, **env)
    assert words in str(refused.value)
    assert '\n' not in str(refused.value)


def test_unwritable_data_dir_is_refused(tmp_path):
    blocker = tmp_path / 'file'
    blocker.write_text('not a folder')
    with pytest.raises(ConfigError, match='DATA_DIR .* is not a writable folder'):
        load_settings({'DATA_DIR': str(blocker / 'data')}, env_file=None)
