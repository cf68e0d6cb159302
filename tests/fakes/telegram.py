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
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse

from tests import fakes
from tests.fakes import FakeServer, FaultQueue, drop_connection, read_params, wait_unless_client_leaves

DEFAULT_TOKEN = '123456789:AAFakeTokenForTestsOnly-0123456789a'
DEFAULT_CHAT_ID = -1001234567890
MB = 1024 * 1024
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
ALBUM_SIZES = range(2, 11)
WELL_FORMED_TOKEN = re.compile(r'\d{1,20}:[A-Za-z0-9_-]{30,50}')
PATH = re.compile(r'/bot(?P<token>[^/]*)/(?P<method>[^/]+)/?')
METHODS = ('getMe', 'sendMessage', 'sendPhoto', 'sendVideo', 'sendMediaGroup')  # what `inject(on=...)` may name


@dataclass(frozen=True)
class FakeBot:
    token: str = DEFAULT_TOKEN
    id: int = 123456789
    username: str = 'fake_poster_bot'
    first_name: str = 'Fake Poster'

    def as_user(self) -> dict[str, Any]:
        return {'id': self.id, 'is_bot': True, 'first_name': self.first_name, 'username': self.username}


@dataclass(frozen=True)
class FakeChat:
    id: int = DEFAULT_CHAT_ID
    type: str = 'channel'  # 'channel', 'supergroup', 'group' or 'private'
    title: str = 'Fake Channel'
    username: str | None = 'fakechannel'  # None: a private chat, which has no public links

    def as_chat(self) -> dict[str, Any]:
        chat = {'id': self.id, 'type': self.type, 'title': self.title}
        return chat | ({'username': self.username} if self.username else {})


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


@dataclass(frozen=True)
class ReceivedFile:
    field: str  # the multipart part's name ('photo', 'video', 'file0', ...)
    filename: str
    size: int
    content_type: str
    sha256: str


@dataclass(frozen=True)
class SentMessage:
    """One accepted send call (an album is one entry with several message ids)."""
    method: str  # canonical spelling: 'sendMessage', 'sendPhoto', 'sendVideo', 'sendMediaGroup'
    chat_id: int
    text: str | None
    caption: str | None  # for albums, the first item's
    files: list[ReceivedFile]
    media: list[dict[str, Any]] | None  # the parsed InputMedia array of an album
    params: dict[str, Any]  # every non-file field as received
    message_ids: list[int]


@dataclass(frozen=True)
class Call:
    """Any request the fake got, accepted or not."""
    method: str
    token: str
    params: dict[str, Any]
    status: int  # 0: the fake dropped the connection; -1: the client hung up during a delay
    fault: str | None


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict[str, Any] | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters

    def envelope(self) -> dict[str, Any]:
        envelope = {'ok': False, 'error_code': self.code, 'description': self.description}
        return envelope | ({'parameters': self.parameters} if self.parameters else {})


class FakeTelegram(FakeServer):
    """The fake Bot API. Use as a context manager; `base_url` replaces https://api.telegram.org."""

    def __init__(self, bots: list[FakeBot] | None = None, chats: list[FakeChat] | None = None, *,
                 photo_limit: int = 10 * MB, file_limit: int = 50 * MB) -> None:
        super().__init__()
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
            ('getMe', self._get_me), ('sendMessage', self._send_message), ('sendPhoto', self._send_photo),
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
        return await handler(name, bot, params, files)

    # --- methods -------------------------------------------------------------------------------------------------

    async def _get_me(self, name: str, bot: FakeBot, params: dict[str, Any], files: dict[str, UploadFile]) -> Any:
        return bot.as_user() | {'can_join_groups': True, 'can_read_all_group_messages': False,
                                'supports_inline_queries': False}

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

