"""What the fake Telegram knows and keeps: its bots and chats as the Bot API describes them (User, ChatFullInfo,
ChatMember), the sends and calls it got, and its error answer."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TOKEN = '123456789:AAFakeTokenForTestsOnly-0123456789a'
DEFAULT_CHAT_ID = -1001234567890


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


@dataclass(frozen=True)
class FakeBot:
    token: str = DEFAULT_TOKEN
    id: int = 123456789
    username: str = 'fake_poster_bot'
    first_name: str = 'Fake Poster'

    def as_user(self) -> dict[str, Any]:
        return {'id': self.id, 'is_bot': True, 'first_name': self.first_name, 'username': self.username}


@dataclass(frozen=True)
class FakeMember:
    """What a bot is in a chat: 'creator', 'administrator', 'member', 'restricted', 'left' or 'kicked'.
    `can_post_messages` is an administrator's right in a channel; `can_send_messages` a restricted member's."""
    status: str = 'administrator'
    can_post_messages: bool = True
    can_send_messages: bool = True

    @property
    def may_post(self) -> bool:
        return self.status == 'creator' or (self.status == 'administrator' and self.can_post_messages)

    def may_send_in(self, chat_type: str) -> bool:
        """Whether the bot may send into a chat of `chat_type` ('channel': administrators allowed to post only)."""
        if chat_type == 'channel':
            return self.may_post
        return self.status in ('creator', 'administrator', 'member') or (
            self.status == 'restricted' and self.can_send_messages)

    def as_member(self, bot: FakeBot, chat_type: str) -> dict[str, Any]:
        member: dict[str, Any] = {'status': self.status, 'user': bot.as_user()}
        if self.status == 'administrator':
            member |= {'can_be_edited': False, 'is_anonymous': False, 'can_manage_chat': True,
                       'can_delete_messages': True, 'can_manage_video_chats': False, 'can_restrict_members': False,
                       'can_promote_members': False, 'can_change_info': False, 'can_invite_users': True,
                       'can_post_stories': False, 'can_edit_stories': False, 'can_delete_stories': False}
            if chat_type == 'channel':  # the posting rights exist in channels only
                member |= {'can_post_messages': self.can_post_messages, 'can_edit_messages': self.can_post_messages}
        elif self.status == 'restricted':
            member |= {'is_member': True, 'can_send_messages': self.can_send_messages, 'until_date': 0}
        elif self.status == 'kicked':
            member |= {'until_date': 0}
        return member


ADMINISTRATOR = FakeMember()


@dataclass(frozen=True)
class FakeChat:
    """A chat; `photo` (JPEG bytes) is its picture, `members` what each bot (by id) is in it. A bot not listed is an
    administrator allowed to post, so a chat with no `members` takes every bot's messages."""
    id: int = DEFAULT_CHAT_ID
    type: str = 'channel'  # 'channel', 'supergroup', 'group' or 'private'
    title: str = 'Fake Channel'
    username: str | None = 'fakechannel'  # None: a private chat, which has no public links
    photo: bytes | None = field(default=None, repr=False)
    members: Mapping[int, FakeMember] = field(default_factory=dict, hash=False)

    def as_chat(self) -> dict[str, Any]:
        chat = {'id': self.id, 'type': self.type, 'title': self.title}
        return chat | ({'username': self.username} if self.username else {})

    def member(self, bot: FakeBot) -> FakeMember:
        return self.members.get(bot.id, ADMINISTRATOR)

    def photo_ids(self) -> dict[str, str]:
        """The ChatPhoto's file ids (the fake serves the same picture for both sizes)."""
        number = abs(self.id)
        return {'small_file_id': f'FakeChatPhotoSmall{number}', 'small_file_unique_id': f'S{number}',
                'big_file_id': f'FakeChatPhotoBig{number}', 'big_file_unique_id': f'B{number}'}

    def as_full_info(self) -> dict[str, Any]:
        """getChat's answer (a ChatFullInfo)."""
        info = self.as_chat() | {'accent_color_id': 0, 'max_reaction_count': 11}
        return info | ({'photo': self.photo_ids()} if self.photo else {})


def not_in(chat: FakeChat, member: FakeMember) -> ApiError:
    """Telegram's 403 for a bot that left or was thrown out of `chat`."""
    kind = f'{chat.type} chat'
    if member.status == 'kicked':
        return ApiError(403, f'Forbidden: bot was kicked from the {kind}')
    return ApiError(403, f'Forbidden: bot is not a member of the {kind}')
