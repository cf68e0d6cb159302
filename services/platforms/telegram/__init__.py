"""Telegram: a bot posts to channels and groups (each chat a channel of the app), connected by its token and the chat
(a form, or the environment, where `TELEGRAM_CHAT_ID` may list several chats, comma-separated)."""
from __future__ import annotations

from collections.abc import Mapping

from services.core.i18n import N_
from services.platforms.spec import (
    ConversionTarget,
    CredentialForm,
    EnvAccount,
    FormField,
    PlatformSpec,
    PreviewStyle,
    Setting,
)
from services.platforms.telegram.client import TelegramClient
from services.platforms.telegram.errors import KNOWN_ERRORS
from services.platforms.telegram.rules import COUNTER, RULES, post_kind


def _listed_name(credentials: Mapping[str, str], bot: str) -> str:
    """A bot is listed with the chat it posts to."""
    chat = credentials.get('chat_id', '')
    return f'{chat} ({bot})' if chat else bot


PLATFORM = PlatformSpec(
    name='telegram', label='Telegram', icon='send',
    client=lambda settings: TelegramClient(settings['api_url']),
    counter=COUNTER, rules=RULES, converts_to=ConversionTarget(fps=(1, 60), max_mbit=8.0),
    settings=(Setting('api_url', 'TELEGRAM_API_URL', 'https://api.telegram.org', is_url=True),
              Setting('bot_token', 'TELEGRAM_BOT_TOKEN'), Setting('chat_id', 'TELEGRAM_CHAT_ID')),
    env_account=EnvAccount({'bot_token': 'bot_token', 'chat_id': 'chat_id'}, name_from='chat_id'),
    credential_form=CredentialForm(
        N_('Add a Telegram bot'),
        N_('Create a bot with @BotFather, add it as an administrator of your channel or group, then enter its token '
           'and the chat (a @channelname or a numeric id).'),
        (FormField('bot_token', N_('Bot token'), secret=True),
         FormField('chat_id', N_('Chat'), placeholder='@mychannel')),
        N_('Enter both the bot token and the chat.'), another=N_('Add a chat to this bot')),
    account_name=_listed_name,
    describe=TelegramClient.describe,
    pacing_s=1.0,  # about one message a second per chat
    credential_limit=(30, 1.0),  # about 30 messages a second per bot, into all its chats
    channel_keys=('chat_id',),  # one bot posts into many chats
    known_errors=KNOWN_ERRORS,
    post_kind=post_kind,
    preview=PreviewStyle(cut=None, layout='album'),  # the whole message, photos in a grid above it
)
