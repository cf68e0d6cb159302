"""A fake Telegram Bot API on 127.0.0.1: same paths, envelope, limits and error descriptions as the real one.

    with FakeTelegram() as fake:
        fake.inject(Fault.rate_limited(retry_after=3))      # the next call gets a 429
        client = TelegramClient(fake.base_url)
        ...
        assert fake.sent[0].caption == 'Hello'

Chats are addressed by numeric id or '@username'. Descriptions follow tdlib/telegram-bot-api (Client.cpp); the
413 wording is a guess (UNCONFIRMED in the spec sheet).
"""
from __future__ import annotations

import hashlib
import itertools
import json
import re
import time
from collections import defaultdict
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from tests import fakes
from tests.fakes import FakeServer, FaultQueue, drop_connection, read_params, wait_unless_client_leaves
from tests.fakes.telegram_flood import FloodControl
from tests.fakes.telegram_types import (
    DEFAULT_CHAT_ID,
    DEFAULT_TOKEN,
    ApiError,
    Call,
    FakeBot,
    FakeChat,
    FakeMember,
    ReceivedFile,
    SentMessage,
    not_in,
)

__all__ = ['DEFAULT_CHAT_ID', 'DEFAULT_TOKEN', 'FakeBot', 'FakeChat', 'FakeMember', 'FakeTelegram', 'Fault']

MB = 1024 * 1024
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
ALBUM_SIZES = range(2, 11)
WELL_FORMED_TOKEN = re.compile(r'\d{1,20}:[A-Za-z0-9_-]{30,50}')
PATH = re.compile(r'/bot(?P<token>[^/]*)/(?P<method>[^/]+)/?')
FILE_PATH = re.compile(r'/file/bot(?P<token>[^/]*)/(?P<file_path>.+)')
METHODS = ('getMe', 'getChat', 'getChatMember', 'getFile', 'sendMessage', 'sendPhoto', 'sendVideo',
           'sendMediaGroup')  # what `inject(on=...)` may name
SENDS = frozenset({'sendMessage', 'sendPhoto', 'sendVideo', 'sendMediaGroup'})


class Fault(fakes.Fault):
    """Telegram's failures, as `FakeTelegram.inject` takes them (`details`: the error's description and parameters)."""

    @classmethod
    def error(cls, name: str, status: int, description: str, parameters: dict[str, Any] | None = None) -> Fault:
        return cls(name, status, {'description': description, 'parameters': parameters})

    @classmethod
    def rate_limited(cls, retry_after: int = 5) -> Fault:
        return cls.error('rate_limited', 429, f'Too Many Requests: retry after {retry_after}',
                         {'retry_after': retry_after})

    @classmethod
    def server_error(cls, status: int = 500) -> Fault:
        words = {500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable'}
        return cls.error(f'server_error_{status}', status, words.get(status, 'Internal Server Error'))

    @classmethod
    def unauthorized(cls) -> Fault:
        return cls.error('unauthorized', 401, 'Unauthorized')

    @classmethod
    def chat_not_found(cls) -> Fault:
        return cls.error('chat_not_found', 400, 'Bad Request: chat not found')

    @classmethod
    def migrated(cls, to_chat_id: int = -1009876543210) -> Fault:
        """The group became a supergroup; the fake then also knows a supergroup with `to_chat_id`."""
        return cls.error('migrated', 400, 'Bad Request: group chat was upgraded to a supergroup chat',
                         {'migrate_to_chat_id': to_chat_id})


class FakeTelegram(FakeServer):
    """The fake Bot API. Use as a context manager; `base_url` replaces https://api.telegram.org.

    Each bot sends into each chat as its `FakeChat.members` allow. With `limits`, also within Telegram's flood
    limits: `chat_burst` messages at once then `chat_rate` a second per bot and chat, `bot_burst` then `bot_rate` a
    second per bot (an album counts as one send); a send over them gets 429 with `parameters.retry_after`. (Off by
    default: tests that pace faster than Telegram allows, to stay short, predate them.) `answered_429` counts every
    429 answered, injected ones too. `latency` delays every answer by that many seconds.
    """

    def __init__(self, bots: list[FakeBot] | None = None, chats: list[FakeChat] | None = None, *,
                 photo_limit: int = 10 * MB, file_limit: int = 50 * MB, latency: float = 0.0, limits: bool = False,
                 chat_rate: float = 1.0, chat_burst: int = 3, bot_rate: float = 30.0, bot_burst: int = 30) -> None:
        super().__init__(latency=latency)
        self.limits = limits
        self.flood = FloodControl(chat_rate=chat_rate, chat_burst=chat_burst, bot_rate=bot_rate, bot_burst=bot_burst)
        self.answered_429 = 0
        self.bots = {bot.token: bot for bot in bots or [FakeBot()]}
        self.chats = {chat.id: chat for chat in chats or [FakeChat()]}
        self.photo_limit, self.file_limit = photo_limit, file_limit
        self.sent: list[SentMessage] = []
        self.calls: list[Call] = []
        self._faults = FaultQueue(METHODS)
        self._last_message_id: defaultdict[int, int] = defaultdict(int)
        self._file_ids = itertools.count(1)
        self._album_ids = itertools.count(13_000_000_000_000_001)
        self._methods = {name.lower(): (name, handler) for name, handler in (
            ('getMe', self._get_me), ('getChat', self._get_chat), ('getChatMember', self._get_chat_member),
            ('getFile', self._get_file), ('sendMessage', self._send_message), ('sendPhoto', self._send_photo),
            ('sendVideo', self._send_video), ('sendMediaGroup', self._send_media_group))}

    def inject(self, fault: fakes.Fault, times: int = 1, *, on: str | None = None, skip: int = 0) -> None:
        """Make the next `times` calls of method `on` (any method when None; see METHODS) meet `fault`, after
        letting `skip` such calls through and after the faults already queued."""
        self._faults.add(fault, times, on=on, skip=skip)

    @property
    def pending_faults(self) -> int:
        """Faults injected and not yet met (0 once the last one's request has arrived)."""
        return self._faults.pending

    def add_chat(self, chat: FakeChat) -> None:
        self.chats[chat.id] = chat

    # --- HTTP ----------------------------------------------------------------------------------------------------

    async def handle(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if download := FILE_PATH.fullmatch(scope['path']):
            await self._download(download['token'], download['file_path'])(scope, receive, send)
            return
        request = Request(scope, receive)
        path = PATH.fullmatch(scope['path'])
        token, method = (path['token'], path['method']) if path else ('', scope['path'])
        try:
            params, files = await read_params(request)
        except ValueError as error:
            params, files = {}, {}
            fault: fakes.Fault | None = Fault.error('unparsable', 400, f"Bad Request: can't parse request: {error}")
        else:
            fault = self._faults.next_for(self._methods.get(method.lower(), (method, None))[0])
        try:
            status, body = await self._answer(fault, token, method, path is not None, params, files, receive)
            # recorded before answering, so a test that got the answer also sees the record
            self.calls.append(Call(method, token, params, status, fault.name if fault else None))
            self.answered_429 += status == 429
            if status == 0:
                await drop_connection(send, receive)
            elif status > 0:
                await JSONResponse(body, status_code=status)(scope, receive, send)
        finally:
            for upload in files.values():
                await upload.close()

    async def _answer(self, fault: fakes.Fault | None, token: str, method: str, path_ok: bool, params: dict[str, Any],
                      files: dict[str, UploadFile], receive: Any) -> tuple[int, dict[str, Any]]:
        """(status, envelope); status 0 means drop the connection, -1 that the client left while waiting."""
        if fault and fault.delay and await wait_unless_client_leaves(receive, fault.delay):
            return -1, {}
        if fault and not fault.after and (fault.drop or fault.status):
            return self._failure(fault)
        try:
            answer = 200, {'ok': True, 'result': await self._dispatch(token, method, path_ok, params, files)}
        except ApiError as error:
            answer = error.code, error.envelope()
        return self._failure(fault) if fault and fault.after else answer

    def _failure(self, fault: fakes.Fault) -> tuple[int, dict[str, Any]]:
        """What `fault` answers: status 0 (drop the connection), or its status and error envelope."""
        if fault.drop:
            return 0, {}
        self._register_migration(fault)
        return fault.status, ApiError(fault.status, fault.details.get('description', ''),
                                      fault.details.get('parameters')).envelope()

    def _register_migration(self, fault: fakes.Fault) -> None:
        new_id = (fault.details.get('parameters') or {}).get('migrate_to_chat_id')
        if new_id is not None and new_id not in self.chats:
            self.add_chat(FakeChat(id=new_id, type='supergroup', title='Fake Supergroup', username=None))

    async def _dispatch(self, token: str, method: str, path_ok: bool, params: dict[str, Any],
                        files: dict[str, UploadFile]) -> Any:
        if not path_ok or not WELL_FORMED_TOKEN.fullmatch(token):
            raise ApiError(404, 'Not Found')
        bot = self.bots.get(token)
        if bot is None:
            raise ApiError(401, 'Unauthorized')
        name, handler = self._methods.get(method.lower(), (None, None))
        if handler is None:
            raise ApiError(404, 'Not Found: method not found')
        if name in SENDS:
            self._may_send(bot, self._chat(params))
        return await handler(name, bot, params, files)

    def _may_send(self, bot: FakeBot, chat: FakeChat) -> None:
        """Refuse a send the bot's place in the chat or the flood limits forbid (before the upload is read)."""
        member = chat.member(bot)
        if member.status in ('left', 'kicked'):
            raise not_in(chat, member)
        if not member.may_send_in(chat.type):
            words = 'need administrator rights in the channel chat' if chat.type == 'channel' else (
                'not enough rights to send text messages to the chat')
            raise ApiError(400 if chat.type == 'channel' else 403, f'Bad Request: {words}')
        if self.limits and (wait := self.flood.retry_after(bot.token, chat.id)):
            raise ApiError(429, f'Too Many Requests: retry after {wait}', {'retry_after': wait})

    # --- methods -------------------------------------------------------------------------------------------------

    async def _get_me(self, name: str, bot: FakeBot, params: dict[str, Any], files: dict[str, UploadFile]) -> Any:
        return bot.as_user() | {'can_join_groups': True, 'can_read_all_group_messages': False,
                                'supports_inline_queries': False}

    async def _get_chat(self, name: str, bot: FakeBot, params: dict[str, Any], files: dict[str, UploadFile]) -> Any:
        chat = self._chat(params)
        if chat.member(bot).status == 'kicked':
            raise not_in(chat, chat.member(bot))
        return chat.as_full_info()

    async def _get_chat_member(self, name: str, bot: FakeBot, params: dict[str, Any],
                               files: dict[str, UploadFile]) -> Any:
        chat, user_id = self._chat(params), str(params.get('user_id') or '')
        if chat.member(bot).status == 'kicked':
            raise not_in(chat, chat.member(bot))
        user = next((known for known in self.bots.values() if str(known.id) == user_id), None)
        if user is None:
            raise ApiError(400, 'Bad Request: user not found' if user_id else 'Bad Request: user_id is empty')
        return chat.member(user).as_member(user, chat.type)

    async def _get_file(self, name: str, bot: FakeBot, params: dict[str, Any], files: dict[str, UploadFile]) -> Any:
        file_id = str(params.get('file_id') or '')
        chat = self._chat_with_photo(file_id)
        if chat is None or chat.photo is None:
            raise ApiError(400, 'Bad Request: invalid file_id')
        unique = 'S' if 'Small' in file_id else 'B'
        return {'file_id': file_id, 'file_unique_id': f'{unique}{abs(chat.id)}', 'file_size': len(chat.photo),
                'file_path': f'photos/{file_id}.jpg'}

    def _download(self, token: str, file_path: str) -> Response:
        """The file behind a getFile `file_path` (chat photos: the fake keeps no other files)."""
        chat = self._chat_with_photo(file_path.removeprefix('photos/').removesuffix('.jpg'))
        if token not in self.bots or chat is None or chat.photo is None:
            return PlainTextResponse('Not Found', status_code=404)
        return Response(chat.photo, media_type='image/jpeg')

    def _chat_with_photo(self, file_id: str) -> FakeChat | None:
        return next((chat for chat in self.chats.values() if chat.photo and file_id in chat.photo_ids().values()),
                    None)

    async def _send_message(self, name: str, bot: FakeBot, params: dict[str, Any],
                            files: dict[str, UploadFile]) -> Any:
        chat = self._chat(params)
        text = str(params.get('text') or '')
        if not text:
            raise ApiError(400, 'Bad Request: message text is empty')
        if utf16_length(text) > TEXT_LIMIT:
            raise ApiError(400, 'Bad Request: message is too long')
        message = self._message(bot, chat, text=text)
        self._record(name, chat, params, [], None, [message])
        return message

    async def _send_photo(self, name: str, bot: FakeBot, params: dict[str, Any],
                          files: dict[str, UploadFile]) -> Any:
        chat, caption = self._chat(params), _caption(params)
        received = await self._upload(files, 'photo', params.get('photo'))
        message = self._message(bot, chat, photo=self._photo_sizes(received), **_with_caption(caption))
        self._record(name, chat, params, [received], None, [message])
        return message

    async def _send_video(self, name: str, bot: FakeBot, params: dict[str, Any],
                          files: dict[str, UploadFile]) -> Any:
        chat, caption = self._chat(params), _caption(params)
        received = await self._upload(files, 'video', params.get('video'))
        message = self._message(bot, chat, video=self._video(received, params), **_with_caption(caption))
        self._record(name, chat, params, [received], None, [message])
        return message

    async def _send_media_group(self, name: str, bot: FakeBot, params: dict[str, Any],
                                files: dict[str, UploadFile]) -> Any:
        chat, items = self._chat(params), _media_array(params.get('media'))
        if len(items) not in ALBUM_SIZES:
            raise ApiError(400, 'Bad Request: media group must contain 2-10 items')  # wording UNCONFIRMED
        received = []
        for item in items:
            if item.get('type') not in ('photo', 'video'):
                raise ApiError(400, "Bad Request: can't parse InputMedia: unsupported media type")
            _caption(item)
            received.append(await self._upload(files, item['type'], item.get('media'), in_album=True))
        group_id = str(next(self._album_ids))
        messages = []
        for item, upload in zip(items, received, strict=True):
            content = ({'photo': self._photo_sizes(upload)} if item['type'] == 'photo'
                       else {'video': self._video(upload, item)})
            messages.append(self._message(bot, chat, media_group_id=group_id, **content,
                                          **_with_caption(item.get('caption'))))
        self._record(name, chat, params, received, items, messages)
        return messages

    # --- pieces --------------------------------------------------------------------------------------------------

    def _chat(self, params: dict[str, Any]) -> FakeChat:
        wanted = str(params.get('chat_id') or '').strip()
        if not wanted:
            raise ApiError(400, 'Bad Request: chat_id is empty')
        for chat in self.chats.values():
            if wanted.startswith('@') and chat.username and chat.username.lower() == wanted[1:].lower():
                return chat
            if str(chat.id) == wanted:
                return chat
        raise ApiError(400, 'Bad Request: chat not found')

    async def _upload(self, files: dict[str, UploadFile], kind: str, value: Any, *,
                      in_album: bool = False) -> ReceivedFile:
        """The `kind` ('photo' or 'video') file a field points at: the part named by 'attach://name', else the
        part named after the field itself. File ids and URLs are refused: the fake keeps no files."""
        value = str(value or '')
        if value and not value.startswith('attach://'):
            raise ApiError(400, 'Bad Request: wrong file identifier/HTTP URL specified')
        part = value.removeprefix('attach://') or kind
        upload = None if in_album and not value else files.get(part)
        if upload is None:
            raise ApiError(400, "Bad Request: can't parse InputMedia: media not found" if in_album
                           else f'Bad Request: there is no {kind} in the request')
        digest, size = hashlib.sha256(), 0
        while chunk := await upload.read(256 * 1024):
            digest.update(chunk)
            size += len(chunk)
        if size > (self.photo_limit if kind == 'photo' else self.file_limit):
            raise ApiError(413, 'Request Entity Too Large')
        return ReceivedFile(part, upload.filename or '', size, upload.content_type or '', digest.hexdigest())

    def _message(self, bot: FakeBot, chat: FakeChat, **content: Any) -> dict[str, Any]:
        self._last_message_id[chat.id] += 1
        author = {'sender_chat': chat.as_chat()} if chat.type == 'channel' else {'from': bot.as_user()}
        return {'message_id': self._last_message_id[chat.id], **author, 'chat': chat.as_chat(),
                'date': int(time.time()), **content}

    def _record(self, method: str, chat: FakeChat, params: dict[str, Any], received: list[ReceivedFile],
                media: list[dict[str, Any]] | None, messages: list[dict[str, Any]]) -> None:
        caption = media[0].get('caption') if media else params.get('caption')
        self.sent.append(SentMessage(method, chat.id, params.get('text'), caption, received, media, dict(params),
                                     [message['message_id'] for message in messages]))

    def _file(self, kind: str, upload: ReceivedFile) -> dict[str, Any]:
        number = next(self._file_ids)
        return {'file_id': f'Fake{kind}{number}', 'file_unique_id': f'U{number}', 'file_size': upload.size}

    def _photo_sizes(self, upload: ReceivedFile) -> list[dict[str, Any]]:
        # the fake never decodes pictures, so the sizes Telegram would compute are stand-ins
        return [self._file('Photo', upload) | {'width': 90, 'height': 90},
                self._file('Photo', upload) | {'width': 800, 'height': 800}]

    def _video(self, upload: ReceivedFile, fields: dict[str, Any]) -> dict[str, Any]:
        size = {name: int(fields.get(name) or 0) for name in ('width', 'height', 'duration')}
        return self._file('Video', upload) | size | {'file_name': upload.filename, 'mime_type': upload.content_type}


def utf16_length(text: str) -> int:
    """Telegram counts text limits in UTF-16 code units: an emoji outside the BMP counts 2."""
    return len(text.encode('utf-16-le')) // 2


def _caption(params: dict[str, Any]) -> str | None:
    caption = params.get('caption')
    if caption and utf16_length(str(caption)) > CAPTION_LIMIT:
        raise ApiError(400, 'Bad Request: message caption is too long')
    return caption


def _with_caption(caption: str | None) -> dict[str, Any]:
    return {'caption': caption} if caption else {}


def _media_array(raw: Any) -> list[dict[str, Any]]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ApiError(400, "Bad Request: can't parse media JSON object") from None
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ApiError(400, 'Bad Request: expected an Array of InputMedia')
    return raw

