"""What the fake TikTok knows and keeps: its creators (each with its own tokens), the uploads and calls it got, and
the chunk rules an init must follow."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

DEFAULT_ACCESS_TOKEN = 'act.fake-access-token-0'
DEFAULT_REFRESH_TOKEN = 'rft.fake-refresh-token-0'
DEFAULT_OPEN_ID = 'fake-open-id'
ALL_PRIVACY_LEVELS = ('PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY')


@dataclass
class FakeCreator:
    """One TikTok user who allowed the app: its profile, what it may post, and its tokens. `access_tokens` are the
    ones that work (`access_token` among them); `refresh_token` is the one that works, replaced by each refresh."""
    open_id: str = DEFAULT_OPEN_ID
    username: str = 'fake.creator'
    nickname: str = 'Fake Creator'
    avatar_url: str = ''  # '': an address of the fake CDN named after the username
    access_token: str = DEFAULT_ACCESS_TOKEN
    refresh_token: str | None = DEFAULT_REFRESH_TOKEN
    privacy_level_options: tuple[str, ...] = ALL_PRIVACY_LEVELS
    max_video_post_duration_sec: int = 600
    access_tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.access_tokens.add(self.access_token)

    def creator_info(self) -> dict[str, Any]:
        """What creator_info/query answers for this creator."""
        avatar = self.avatar_url or f'https://p16-sign.fake-cdn.invalid/avatar/{self.username}.jpeg'
        return {'creator_avatar_url': avatar, 'creator_username': self.username, 'creator_nickname': self.nickname,
                'privacy_level_options': list(self.privacy_level_options), 'comment_disabled': False,
                'duet_disabled': False, 'stitch_disabled': False,
                'max_video_post_duration_sec': self.max_video_post_duration_sec}


@dataclass
class FakeUpload:
    """One video init and what arrived for it: byte counts and a running sha256, never the bytes."""
    publish_id: str
    title: str
    privacy_level: str
    video_size: int
    chunk_size: int
    total_chunk_count: int
    expires_at: float  # time.monotonic() after which the upload URL answers 403
    received: int = 0
    chunks: int = 0
    content_types: list[str] = field(default_factory=list)
    status: str = 'PROCESSING_UPLOAD'
    fail_reason: str = ''
    polls_since_upload: int = 0
    post_id: str | None = None
    digest: Any = field(default_factory=hashlib.sha256, repr=False)
    open_id: str = DEFAULT_OPEN_ID  # the creator whose token made the init

    @property
    def sha256(self) -> str:
        return self.digest.hexdigest()

    @property
    def complete(self) -> bool:
        return self.received == self.video_size

    def content_range(self) -> str:
        return f'bytes 0-{self.received - 1}/{self.video_size}' if self.received else f'bytes */{self.video_size}'


@dataclass(frozen=True)
class Call:
    endpoint: str  # 'token', 'creator_info', 'init', 'upload', 'status' or 'unknown'
    params: dict[str, Any]  # the form or JSON body; for uploads the Content-Range, Content-Type and byte count
    status: int  # 0: the fake dropped the connection; -1: the client hung up during a delay
    fault: str | None


@dataclass(frozen=True)
class _Chunk:
    size: int
    digest: Any  # the upload's sha256 as it would be with this chunk added


def chunk_plan_problem(video_size: int, chunk_size: int, total_chunk_count: int) -> str | None:
    """Why a chunk plan breaks the rules in either meaning of MB (10^6 or 2^20 bytes); None when it is valid."""
    if video_size <= 0 or chunk_size <= 0:
        return 'video_size and chunk_size must be positive.'
    if total_chunk_count != video_size // chunk_size or not 1 <= total_chunk_count <= 1000:
        return 'total_chunk_count must be floor(video_size / chunk_size), between 1 and 1000.'
    for mb in (1_000_000, 1 << 20):
        if video_size < 5 * mb:
            if chunk_size != video_size:
                return f'A video under 5 MB goes whole (1 MB = {mb} bytes).'
            continue
        if total_chunk_count == 1 and video_size > 64 * mb:
            return f'A video over 64 MB must go in more than one chunk (1 MB = {mb} bytes).'
        if not 5 * mb <= chunk_size <= 64 * mb:
            return f'chunk_size must be 5-64 MB (1 MB = {mb} bytes).'
        if video_size - (total_chunk_count - 1) * chunk_size > 128 * mb:
            return f'The last chunk must be at most 128 MB (1 MB = {mb} bytes).'
    return None
