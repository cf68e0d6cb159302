"""Settings read once from the environment (and an optional `.env` file) into one typed object."""
from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

log = logging.getLogger(__name__)

SUPPORTED_DB_SCHEMES = {
    'sqlite': 'sqlite',
    'postgres': 'postgresql+psycopg',
    'postgresql': 'postgresql+psycopg',
    'postgresql+psycopg': 'postgresql+psycopg',
}


# Spacing between sends to one account, from the spec sheet's rate limits.
DEFAULT_PACING = {'telegram': '1.0', 'instagram': '0', 'youtube': '0', 'tiktok': '10'}


class ConfigError(Exception):
    """A setting is missing or wrong; the message is one line meant for the person starting the app."""


@dataclass(frozen=True)
class Settings:
    host: str
    port: int
    data_dir: Path
    database_url: str
    secret_key: str
    max_upload_mb: int
    public_base_url: str
    telegram_bot_token: str
    telegram_chat_id: str
    telegram_api_url: str
    instagram_access_token: str
    instagram_user_id: str
    instagram_api_url: str
    youtube_client_id: str
    youtube_client_secret: str
    youtube_refresh_token: str
    youtube_api_url: str
    youtube_oauth_url: str
    tiktok_client_key: str
    tiktok_client_secret: str
    tiktok_access_token: str
    tiktok_refresh_token: str
    tiktok_api_url: str
    publish_concurrency: int = 8
    publish_max_attempts: int = 5
    retry_base_seconds: float = 2.0
    # Seconds between two sends to the same account (Telegram: about 1 message/s per chat; 0 turns pacing off).
    pacing_seconds: dict[str, float] = field(default_factory=dict)
    # Posts that fell due while the app was down are still published at start-up when less late than this.
    misfire_grace_minutes: int = 15
    # Connecting accounts in the app (OAuth): where the browser goes to allow access, and Instagram's code exchange
    # (YouTube's and TikTok's token endpoints are youtube_oauth_url and tiktok_api_url).
    instagram_authorize_url: str = 'https://www.instagram.com'
    instagram_oauth_url: str = 'https://api.instagram.com'
    youtube_authorize_url: str = 'https://accounts.google.com'
    tiktok_authorize_url: str = 'https://www.tiktok.com'

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / 'uploads'

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith('sqlite')


_current: Settings | None = None


def configure(settings: Settings) -> Settings:
    """Make `settings` the ones the running app uses."""
    global _current
    _current = settings
    return settings


def get_settings() -> Settings:
    if _current is None:
        raise RuntimeError('configure() has not run')
    return _current


def load_settings(environ: dict[str, str] | None = None, env_file: Path | None = Path('.env')) -> Settings:
    """Build the settings from `environ` (default: the process environment) over the values of `env_file`.

    Raises ConfigError with one clear line when a value is unusable.
    """
    values: dict[str, str] = {}
    if env_file is not None and env_file.is_file():
        values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    values.update(os.environ if environ is None else environ)

    def get(name: str, default: str = '') -> str:
        return values.get(name, default).strip()

    data_dir = _writable_dir(Path(get('DATA_DIR', 'data')).expanduser())
    return Settings(
        host=get('HOST', '127.0.0.1'),
        port=_int_setting('PORT', get('PORT', '8080'), low=1, high=65535),
        data_dir=data_dir,
        database_url=_database_url(get('DATABASE_URL') or f'sqlite:///{data_dir / "dashboard.db"}'),
        secret_key=_secret_key(get('SECRET_KEY')) or _stored_secret_key(data_dir),
        max_upload_mb=_int_setting('MAX_UPLOAD_MB', get('MAX_UPLOAD_MB', '10'), low=1, high=2048),
        public_base_url=_base_url('PUBLIC_BASE_URL', get('PUBLIC_BASE_URL'), required=False),
        telegram_bot_token=get('TELEGRAM_BOT_TOKEN'),
        telegram_chat_id=get('TELEGRAM_CHAT_ID'),
        telegram_api_url=_base_url('TELEGRAM_API_URL', get('TELEGRAM_API_URL', 'https://api.telegram.org')),
        instagram_access_token=get('INSTAGRAM_ACCESS_TOKEN'),
        instagram_user_id=get('INSTAGRAM_USER_ID'),
        instagram_api_url=_base_url('INSTAGRAM_API_URL', get('INSTAGRAM_API_URL', 'https://graph.instagram.com')),
        youtube_client_id=get('YOUTUBE_CLIENT_ID'),
        youtube_client_secret=get('YOUTUBE_CLIENT_SECRET'),
        youtube_refresh_token=get('YOUTUBE_REFRESH_TOKEN'),
        youtube_api_url=_base_url('YOUTUBE_API_URL', get('YOUTUBE_API_URL', 'https://www.googleapis.com')),
        youtube_oauth_url=_base_url('YOUTUBE_OAUTH_URL', get('YOUTUBE_OAUTH_URL', 'https://oauth2.googleapis.com')),
        tiktok_client_key=get('TIKTOK_CLIENT_KEY'),
        tiktok_client_secret=get('TIKTOK_CLIENT_SECRET'),
        tiktok_access_token=get('TIKTOK_ACCESS_TOKEN'),
        tiktok_refresh_token=get('TIKTOK_REFRESH_TOKEN'),
        tiktok_api_url=_base_url('TIKTOK_API_URL', get('TIKTOK_API_URL', 'https://open.tiktokapis.com')),
        publish_concurrency=_int_setting('PUBLISH_CONCURRENCY', get('PUBLISH_CONCURRENCY', '8'), low=1, high=256),
        publish_max_attempts=_int_setting('PUBLISH_MAX_ATTEMPTS', get('PUBLISH_MAX_ATTEMPTS', '5'), low=1, high=50),
        retry_base_seconds=_float_setting('RETRY_BASE_SECONDS', get('RETRY_BASE_SECONDS', '2')),
        pacing_seconds={platform: _float_setting(f'{platform.upper()}_PACING_SECONDS',
                                                 get(f'{platform.upper()}_PACING_SECONDS', default))
                        for platform, default in DEFAULT_PACING.items()},
        misfire_grace_minutes=_int_setting('MISFIRE_GRACE_MINUTES', get('MISFIRE_GRACE_MINUTES', '15'),
                                           low=0, high=7 * 24 * 60),
        instagram_authorize_url=_base_url('INSTAGRAM_AUTHORIZE_URL',
                                          get('INSTAGRAM_AUTHORIZE_URL', 'https://www.instagram.com')),
        instagram_oauth_url=_base_url('INSTAGRAM_OAUTH_URL', get('INSTAGRAM_OAUTH_URL', 'https://api.instagram.com')),
        youtube_authorize_url=_base_url('YOUTUBE_AUTHORIZE_URL', get('YOUTUBE_AUTHORIZE_URL',
                                                                     'https://accounts.google.com')),
        tiktok_authorize_url=_base_url('TIKTOK_AUTHORIZE_URL', get('TIKTOK_AUTHORIZE_URL', 'https://www.tiktok.com')),
    )


def _int_setting(name: str, raw: str, *, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f'{name} must be a whole number, got {raw!r}') from None
    if not low <= value <= high:
        raise ConfigError(f'{name} must be between {low} and {high}, got {value}')
    return value


def _float_setting(name: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f'{name} must be a number of seconds, got {raw!r}') from None
    if value < 0:
        raise ConfigError(f'{name} must not be negative, got {value}')
    return value


def _base_url(name: str, raw: str, *, required: bool = True) -> str:
    if not raw and not required:
        return ''
    parts = urlsplit(raw)
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        raise ConfigError(f'{name} must be an http:// or https:// address, got {raw!r}')
    return raw.rstrip('/')


def _secret_key(raw: str) -> str:
    if raw and len(raw) < 32:
        raise ConfigError('SECRET_KEY must be at least 32 characters long (or unset, to have one generated)')
    return raw


def _writable_dir(path: Path) -> Path:
    path = path.resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f'.write-test-{secrets.token_hex(4)}'
        probe.write_bytes(b'')
        probe.unlink()
    except OSError as error:
        raise ConfigError(f'DATA_DIR {str(path)!r} is not a writable folder ({error.strerror or error})') from None
    return path


def _database_url(raw: str) -> str:
    scheme, sep, rest = raw.partition('://')
    driver = SUPPORTED_DB_SCHEMES.get(scheme.lower())
    if not sep or driver is None:
        known = ', '.join(sorted({'sqlite', 'postgresql'}))
        raise ConfigError(f'DATABASE_URL must start with one of {known}:// (got {scheme or raw!r})')
    return f'{driver}://{rest}'


def _stored_secret_key(data_dir: Path) -> str:
    """Use the key kept in the data folder, creating it (owner-only) on first start."""
    key_file = data_dir / 'secret_key'
    if key_file.is_file():
        return key_file.read_text(encoding='utf-8').strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w', encoding='utf-8') as handle:
        handle.write(key)
    log.warning('SECRET_KEY is not set: generated one and kept it in %s (keep that file private and backed up)',
                key_file)
    return key
