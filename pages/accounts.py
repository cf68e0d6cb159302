"""Connected platform accounts: add a Telegram bot, test a connection, remove an account."""
from __future__ import annotations

from fastapi import Request
from nicegui import APIRouter, ui

from components.session import guarded, page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _
from services import accounts
from services.config import get_settings
from services.models import PlatformAccount
from services.platforms.base import Account, NeedsReconnect, PlatformError, Rejected
from services.platforms.registry import client_for
from services.post_checks import PLATFORM_LABELS

router = APIRouter()


@router.page('/accounts')
def accounts_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Accounts'), user):
        listing = ui.refreshable(_account_list)
        listing()
        _telegram_form(listing.refresh)


def _account_list() -> None:
    rows = accounts.list_accounts()
    if not rows:
        with ui.card().classes('w-full items-center py-6'):
            ui.label(_('No account is connected yet. Add a Telegram bot below.')).mark('no-accounts')
        return
    with ui.column().classes('w-full gap-2'):
        for account in rows:
            _account_card(account)


def _account_card(account: PlatformAccount) -> None:
    with ui.card().classes('w-full').mark(f'account-{account.id}'):
        with ui.row().classes('w-full items-center gap-3'):
            ui.label(PLATFORM_LABELS.get(account.platform, account.platform)).classes('font-semibold')
            ui.label(account.display_name).classes('text-gray-700')
            status_badge(account.status)
            ui.space()
            result = ui.label().classes('text-sm')

            async def test(account_id: int = account.id) -> None:
                row = next((a for a in accounts.list_accounts() if a.id == account_id), None)
                if row is None:
                    return
                message, ok, _name = await _check(accounts.credentials_of(row))
                result.text = message
                result.classes(replace='text-sm ' + ('text-positive' if ok else 'text-negative'))

            ui.button(_('Test connection'), icon='wifi_tethering', on_click=guarded(test)).props('flat') \
                .mark('test-connection')
            ui.button(_('Remove'), icon='delete', on_click=guarded(lambda a=account.id: _remove(a))) \
                .props('flat color=negative')


def _remove(account_id: int) -> None:
    accounts.remove_account(account_id)
    ui.navigate.reload()


def _telegram_form(on_saved) -> None:
    with ui.card().classes('w-full gap-2'):
        ui.label(_('Add a Telegram bot')).classes('font-semibold')
        ui.label(_('Create a bot with @BotFather, add it as an administrator of your channel or group, then enter '
                   'its token and the chat (a @channelname or a numeric id).')).classes('text-sm text-gray-600')
        token = ui.input(_('Bot token'), password=True).props('outlined dense').classes('w-full').mark('bot-token')
        chat = ui.input(_('Chat'), placeholder='@mychannel').props('outlined dense').classes('w-full') \
            .mark('chat-id')
        feedback = ui.label().classes('text-sm')

        async def save() -> None:
            credentials = {'bot_token': (token.value or '').strip(), 'chat_id': (chat.value or '').strip()}
            if not all(credentials.values()):
                feedback.text = _('Enter both the bot token and the chat.')
                feedback.classes(replace='text-sm text-negative')
                return
            message, ok, bot_name = await _check(Account(platform='telegram', credentials=credentials))
            if not ok:
                feedback.text = message
                feedback.classes(replace='text-sm text-negative')
                return
            accounts.save_account('telegram', _display_name(credentials, bot_name), credentials)
            token.value = chat.value = ''
            feedback.text = ''
            ui.notify(_('Telegram is connected.'), type='positive')
            on_saved()

        ui.button(_('Test and save'), icon='link', on_click=guarded(save)).props('unelevated') \
            .mark('save-telegram')


async def _check(account: Account) -> tuple[str, bool, str]:
    """What the platform says about these credentials: a message for the user, whether they work, the name.

    A stored account that passes is marked connected again (with the name the platform gives now)."""
    label = PLATFORM_LABELS.get(account.platform, account.platform)
    try:
        name = await client_for(account.platform, get_settings()).check(account)
    except NeedsReconnect:
        return _('%(platform)s did not accept these credentials. Check them and try again.',
                 platform=label), False, ''
    except Rejected as error:
        return _('%(platform)s refused: %(reason)s', platform=label, reason=error.message), False, ''
    except PlatformError as error:
        return _('%(platform)s could not be reached (%(reason)s). Try again in a moment.', platform=label,
                 reason=error.message), False, ''
    if account.id is not None:
        accounts.save_account(account.platform, _display_name(account.credentials, name), account.credentials,
                              account_id=account.id)
    return _('Connected as %(name)s.', name=name), True, name


def _display_name(credentials: dict[str, str], bot_name: str) -> str:
    chat = credentials.get('chat_id', '')
    return f'{chat} ({bot_name})' if chat else bot_name
