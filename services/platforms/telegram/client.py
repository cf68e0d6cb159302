"""Telegram Bot API client: posts text, a photo, a video or an album to one chat or channel.

Credentials: `bot_token` and `chat_id` (a numeric id or `@channelusername`).
"""
from __future__ import annotations

import json
from contextlib import ExitStack
from typing import Any

import httpx

from services.platforms.base import (
    Account,
    MediaFile,
    NeedsReconnect,
    PostContent,
    PublishResult,
    Rejected,
    Retryable,
    send,
)
from services.platforms.spec import AccountProfile
from services.platforms.telegram.errors import BOT_MAY_NOT_POST, BOT_NOT_IN_CHAT, BOT_REMOVED
from services.platforms.telegram.rules import ALBUM as MAX_ALBUM_ITEMS

SENDERS = frozenset({'creator', 'administrator', 'member'})  # may send into a group (not a channel) as they are


class ChatMigrated(Rejected):
    """The group became a supergroup with a new id; the same request must go there instead."""

    def __init__(self, message: str, *, new_chat_id: int) -> None:
        super().__init__(message, status=400)
        self.new_chat_id = new_chat_id


class TelegramClient:
    platform = 'telegram'

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url.rstrip('/')

    async def check(self, account: Account) -> str:
        """Ask Telegram who the bot is; returns '@username' (or the first name). Raises a PlatformError."""
        bot = await self._call(_token(account), 'getMe')
        return f'@{bot["username"]}' if bot.get('username') else str(bot.get('first_name', ''))

    async def describe(self, account: Account) -> AccountProfile:
        """The account's chat as Telegram shows it: its id, title (or @username, or a person's name) and picture,
        once the bot is found allowed to post there.

        The picture is a file address of the Bot API that holds the bot token: the app fetches it on the server and
        never hands it to a browser; Telegram keeps it valid for at least an hour. Raises Rejected with a msgid
        (BOT_MAY_NOT_POST, BOT_NOT_IN_CHAT, BOT_REMOVED) when the bot may not post there, Rejected with Telegram's
        words for a chat it cannot find or a bot thrown out, NeedsReconnect for a token it refuses, or Retryable.
        """
        token, chat_id = _token(account), account.credentials.get('chat_id', '')
        if not chat_id:
            raise NeedsReconnect('No Telegram chat is set for this account')
        chat = await self._call(token, 'getChat', {'chat_id': chat_id})
        bot = await self._call(token, 'getMe')
        member = await self._call(token, 'getChatMember', {'chat_id': chat_id, 'user_id': bot['id']})
        _check_may_post(member, str(chat.get('type') or ''))
        return AccountProfile(remote_id=str(chat['id']), name=_chat_name(chat),
                              picture_url=await self._photo_url(token, chat.get('photo') or {}))

    async def _photo_url(self, token: str, photo: dict[str, Any]) -> str:
        """Where the chat's picture (the larger one) is downloaded; '' when the chat has none."""
        file_id = photo.get('big_file_id') or photo.get('small_file_id')
        if not file_id:
            return ''
        found = await self._call(token, 'getFile', {'file_id': file_id})
        return f'{self._base_url}/file/bot{token}/{found["file_path"]}' if found.get('file_path') else ''

    async def publish(self, content: PostContent, account: Account) -> PublishResult:
        """Send `content` to the account's chat; returns the first message's id and public link.

        Raises Retryable (OutcomeUnknown when the answer was lost), NeedsReconnect or Rejected. When the group moved
        to a supergroup, the account keeps the new `chat_id` and the post is sent there once.
        """
        token, chat_id = _token(account), account.credentials.get('chat_id', '')
        if not chat_id:
            raise NeedsReconnect('No Telegram chat is set for this account')
        method, params, files = _request_for(content)
        try:
            result = await self._call(token, method, {'chat_id': chat_id, **params}, files)
        except ChatMigrated as moved:
            account.keep({'chat_id': str(moved.new_chat_id)})
            result = await self._call(token, method, {'chat_id': account.credentials['chat_id'], **params}, files)
        message = result[0] if isinstance(result, list) else result
        return PublishResult(remote_id=str(message['message_id']), remote_url=_public_link(message))

    async def _call(self, token: str, method: str, params: dict[str, Any] | None = None,
                    files: list[tuple[str, MediaFile]] | None = None) -> Any:
        """One Bot API call. Files are opened here, so every call (a resend too) streams them from the start."""
        url = f'{self._base_url}/bot{token}/{method}'
        with ExitStack() as stack:
            parts = [(name, (media.path.name, _open(stack, media), media.mime_type)) for name, media in files or ()]
            return await send('Telegram', 'POST', url, read=result_or_raise, data=params or {}, files=parts or None)


def result_or_raise(response: httpx.Response) -> Any:
    """The `result` of a Bot API answer, or the typed error its status and envelope describe.

    The only place that looks at status codes (as python-telegram-bot's _baserequest does).
    """
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        message = f'Telegram answered HTTP {response.status_code} without a Bot API body'
        if response.status_code >= 500 or response.status_code == 429:
            raise Retryable(message, status=response.status_code)
        raise Rejected(message, status=response.status_code)
    if body.get('ok') is True and response.is_success:
        return body.get('result')

    code = body.get('error_code')
    code = code if isinstance(code, int) else response.status_code
    description = str(body.get('description') or f'Telegram error {code}')
    parameters = body.get('parameters') if isinstance(body.get('parameters'), dict) else {}
    if code == 429:
        raise Retryable(description, status=code, retry_after=parameters.get('retry_after'))
    if code >= 500 or code == 409:
        raise Retryable(description, status=code)
    if code in (401, 404):
        raise NeedsReconnect(description, status=code)
    if code == 400 and parameters.get('migrate_to_chat_id'):
        raise ChatMigrated(description, new_chat_id=int(parameters['migrate_to_chat_id']))
    raise Rejected(description, status=code)


def _check_may_post(member: dict[str, Any], chat_type: str) -> None:
    """Raise Rejected (a msgid saying what to do) unless the bot, a ChatMember of a chat of `chat_type`, may post
    there: in a channel as its creator or an administrator allowed to post; in a group unless left, removed or
    restricted from sending."""
    status = member.get('status')
    if status == 'kicked':
        raise Rejected(BOT_REMOVED, status=403)
    if status == 'left':
        raise Rejected(BOT_NOT_IN_CHAT, status=403)
    if chat_type == 'channel':
        allowed = status == 'creator' or (status == 'administrator' and member.get('can_post_messages') is True)
    else:
        allowed = status in SENDERS or (status == 'restricted' and member.get('can_send_messages') is not False)
    if not allowed:
        raise Rejected(BOT_MAY_NOT_POST, status=403)


def _chat_name(chat: dict[str, Any]) -> str:
    """A group's or channel's title; else its @username; else a person's name."""
    if chat.get('title'):
        return str(chat['title'])
    if chat.get('username'):
        return f'@{chat["username"]}'
    return ' '.join(str(chat[part]) for part in ('first_name', 'last_name') if chat.get(part))


def _request_for(content: PostContent) -> tuple[str, dict[str, Any], list[tuple[str, MediaFile]]]:
    """The method, form fields and file parts that post `content`. Raises Rejected for media Telegram won't take."""
    kinds = [_kind(item) for item in content.media]
    if not kinds:
        return 'sendMessage', {'text': content.text}, []
    if len(kinds) == 1:
        kind, media = kinds[0], content.media[0]
        fields = {'caption': content.text} if content.text else {}
        if kind == 'video':
            fields.update(_video_fields(media))
        return f'send{kind.capitalize()}', fields, [(kind, media)]
    if len(kinds) > MAX_ALBUM_ITEMS:
        raise Rejected(f'A Telegram album holds at most {MAX_ALBUM_ITEMS} photos or videos, not {len(kinds)}')
    items: list[dict[str, Any]] = []
    for index, (kind, media) in enumerate(zip(kinds, content.media, strict=True)):
        items.append({'type': kind, 'media': f'attach://file{index}',
                      **(_video_fields(media) if kind == 'video' else {})})
    if content.text:
        items[0]['caption'] = content.text  # the first item's caption is shown as the album's
    files = [(f'file{index}', media) for index, media in enumerate(content.media)]
    return 'sendMediaGroup', {'media': json.dumps(items, ensure_ascii=False)}, files


def _video_fields(video: MediaFile) -> dict[str, Any]:
    """Known size and duration let Telegram lay out the player before it has processed the file."""
    known = {'width': video.width, 'height': video.height,
             'duration': round(video.duration_s) if video.duration_s is not None else None}
    return {**{name: value for name, value in known.items() if value is not None}, 'supports_streaming': True}


def _kind(media: MediaFile) -> str:
    if media.mime_type.startswith('image/'):
        return 'photo'
    if media.is_video:
        return 'video'
    raise Rejected(f'Telegram can only post photos and videos here, not {media.mime_type}')


def _open(stack: ExitStack, media: MediaFile) -> Any:
    try:
        return stack.enter_context(media.path.open('rb'))
    except OSError as error:
        raise Rejected(f'The file {media.path.name} cannot be read ({error.strerror or error})') from error


def _token(account: Account) -> str:
    token = account.credentials.get('bot_token', '')
    if not token:
        raise NeedsReconnect('No Telegram bot token is set for this account')
    return token


def _public_link(message: dict[str, Any]) -> str | None:
    username = (message.get('chat') or {}).get('username')
    return f'https://t.me/{username}/{message["message_id"]}' if username else None

