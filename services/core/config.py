"""Settings read once from the environment (and an optional `.env` file) into one typed object."""
from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
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


SMTP_SECURITY = ('starttls', 'tls', 'none')  # STARTTLS on a plain port (587), TLS from the start (465), neither


@dataclass(frozen=True)
class SmtpSettings:
    """Where emails go out; no `host` means email is not set up (notifications stay in the app)."""
    host: str = ''
    port: int = 587
    user: str = ''
    password: str = ''
    sender: str = ''  # SMTP_FROM
    security: str = 'starttls'

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)


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
    # Each platform's own settings (API addresses, credentials from the environment) by the keys its spec declares.
    platforms: dict[str, dict[str, str]] = field(default_factory=dict)
    publish_concurrency: int = 32
    delivery_lease_seconds: float = 60.0  # how long a sending process's claim lasts unless it renews it
    shutdown_grace_seconds: float = 8.0  # on SIGTERM, how long requests under way get to finish
    route_name: str = ''  # behind a proxy with several processes: this one's name in the proxy's route cookie
    publish_max_attempts: int = 5
    retry_base_seconds: float = 2.0
    # Seconds between two sends to the same account (<PLATFORM>_PACING_SECONDS; 0 turns pacing off).
    pacing_seconds: dict[str, float] = field(default_factory=dict)
    # Posts that fell due while the app was down are still published at start-up when less late than this.
    misfire_grace_minutes: int = 15
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # The first wait before an email or webhook call the other side did not take is tried again; it doubles each time.
    outbox_retry_seconds: float = 30.0

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / 'uploads'

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith('sqlite')

    def platform(self, name: str) -> dict[str, str]:
        """The settings of platform `name` by key ('api_url', ...); empty for a platform registered after start."""
        return self.platforms.get(name, {})


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
    from services.platforms import registry  # each platform declares its own variables; loaded once, at start

    specs = registry.all()
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
        platforms={spec.name: {setting.key: _base_url(setting.env, get(setting.env, setting.default))
                               if setting.is_url else get(setting.env, setting.default) for setting in spec.settings}
                   for spec in specs},
        publish_concurrency=_int_setting('PUBLISH_CONCURRENCY', get('PUBLISH_CONCURRENCY', '32'), low=1, high=256),
        delivery_lease_seconds=_float_setting('DELIVERY_LEASE_SECONDS', get('DELIVERY_LEASE_SECONDS', '60')),
        shutdown_grace_seconds=_float_setting('SHUTDOWN_GRACE_SECONDS', get('SHUTDOWN_GRACE_SECONDS', '8')),
        route_name=get('ROUTE_NAME', '').strip(),
        publish_max_attempts=_int_setting('PUBLISH_MAX_ATTEMPTS', get('PUBLISH_MAX_ATTEMPTS', '5'), low=1, high=50),
        retry_base_seconds=_float_setting('RETRY_BASE_SECONDS', get('RETRY_BASE_SECONDS', '2')),
        pacing_seconds={spec.name: _float_setting(f'{spec.name.upper()}_PACING_SECONDS',
                                                  get(f'{spec.name.upper()}_PACING_SECONDS', f'{spec.pacing_s:g}'))
                        for spec in specs},
        misfire_grace_minutes=_int_setting('MISFIRE_GRACE_MINUTES', get('MISFIRE_GRACE_MINUTES', '15'),
                                           low=0, high=7 * 24 * 60),
        smtp=_smtp_settings(get),
        outbox_retry_seconds=_float_setting('OUTBOX_RETRY_SECONDS', get('OUTBOX_RETRY_SECONDS', '30')),
    )


def _smtp_settings(get: Callable[..., str]) -> SmtpSettings:
    security = get('SMTP_SECURITY', 'starttls').lower()
    if security not in SMTP_SECURITY:
        raise ConfigError(f'SMTP_SECURITY must be one of {", ".join(SMTP_SECURITY)}, got {security!r}')
    default_port = '465' if security == 'tls' else '587'
    smtp = SmtpSettings(host=get('SMTP_HOST'), port=_int_setting('SMTP_PORT', get('SMTP_PORT', default_port),
                                                                   low=1, high=65535),
                        user=get('SMTP_USER'), password=get('SMTP_PASSWORD'), sender=get('SMTP_FROM'),
                        security=security)
    if smtp.host and not smtp.sender:
        raise ConfigError('SMTP_FROM must be set with SMTP_HOST: it is the address emails come from')
    return smtp


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
