"""Connected platform accounts: which platforms a post can go to, and their credentials (encrypted at rest)."""
from __future__ import annotations

from sqlmodel import select

from services import db
from services.config import Settings, get_settings
from services.crypto import decrypt_credentials, encrypt_credentials
from services.models import AccountStatus, Platform, PlatformAccount, utcnow
from services.platforms.base import Account

ENV_SOURCE = 'env'


def accounts_by_platform() -> dict[str, PlatformAccount | None]:
    """For every platform, its account (a connected one first), or None when none was ever connected."""
    with db.session() as session:
        rows = session.exec(select(PlatformAccount).order_by(PlatformAccount.id)).all()
    found: dict[str, PlatformAccount | None] = {platform.value: None for platform in Platform}
    for account in rows:
        current = found.get(account.platform)
        if current is None or (current.status != AccountStatus.CONNECTED and account.status == AccountStatus.CONNECTED):
            found[account.platform] = account
    return found


def list_accounts() -> list[PlatformAccount]:
    with db.session() as session:
        return list(session.exec(select(PlatformAccount).order_by(PlatformAccount.platform, PlatformAccount.id)))


def credentials_of(account: PlatformAccount) -> Account:
    """The account as a platform client needs it, credentials decrypted."""
    return Account(platform=account.platform, display_name=account.display_name, id=account.id,
                   credentials=decrypt_credentials(account.credentials_encrypted, get_settings().secret_key))


def save_account(platform: str, display_name: str, credentials: dict[str, str], *,
                 account_id: int | None = None) -> PlatformAccount:
    """Create or update an account with freshly checked credentials; it is connected from now on."""
    with db.session() as session:
        account = session.get(PlatformAccount, account_id) if account_id else None
        account = account or PlatformAccount(platform=platform)
        account.display_name = display_name
        account.credentials_encrypted = encrypt_credentials(credentials, get_settings().secret_key)
        account.status = AccountStatus.CONNECTED
        account.updated_at = utcnow()
        session.add(account)
    return account


def update_credentials(account_id: int, updates: dict[str, str]) -> None:
    """Merge `updates` (e.g. a chat id that moved, a rotated token) into the stored credentials."""
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is None:
            return
        merged = {**decrypt_credentials(account.credentials_encrypted, get_settings().secret_key), **updates}
        account.credentials_encrypted = encrypt_credentials(merged, get_settings().secret_key)
        account.updated_at = utcnow()


def mark_needs_reconnect(account_id: int) -> None:
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is not None:
            account.status = AccountStatus.NEEDS_RECONNECT
            account.updated_at = utcnow()


def remove_account(account_id: int) -> None:
    with db.session() as session:
        account = session.get(PlatformAccount, account_id)
        if account is not None:
            session.delete(account)


def sync_env_accounts(settings: Settings) -> None:
    """Accounts configured by environment variables (the seed's way) appear as accounts, once."""
    if settings.telegram_bot_token and settings.telegram_chat_id:
        # `env_chat_id` remembers what the environment said, so a chat id that moved later is kept.
        credentials = {'bot_token': settings.telegram_bot_token, 'chat_id': settings.telegram_chat_id,
                       'env_chat_id': settings.telegram_chat_id, 'source': ENV_SOURCE}
        existing = [a for a in list_accounts() if a.platform == 'telegram'
                    and credentials_of(a).credentials.get('source') == ENV_SOURCE]
        if existing:
            current = credentials_of(existing[0]).credentials
            if (current.get('bot_token'), current.get('env_chat_id')) != (settings.telegram_bot_token,
                                                                          settings.telegram_chat_id):
                save_account('telegram', existing[0].display_name, credentials, account_id=existing[0].id)
        else:
            save_account('telegram', settings.telegram_chat_id, credentials)
