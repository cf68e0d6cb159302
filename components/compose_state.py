"""The post as the composer holds it while it is written: the main post, where it goes, and each channel's version."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from services.core.models import Channel, MediaAsset, PostStatus, User
from services.posts import editing
from services.posts.editing import PostInput
from services.posts.recurrence import Recurrence
from services.posts.versions import Effective, Version, effective
from services.team import permissions


@dataclass
class ComposeState:
    post_id: int | None = None
    text: str = ''
    media: list[MediaAsset] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)
    options: dict[str, dict] = field(default_factory=dict)  # by platform
    versions: dict[int, Version] = field(default_factory=dict)  # by channel id; kept when a channel is unticked
    editable: bool = True  # False for a post sent, or one its reader may not change (a teammate's, to a contributor)
    author_id: int | None = None  # None for a post not saved yet
    status: str = PostStatus.DRAFT
    recurrence: Recurrence | None = None  # what the Repeat fields ask for (None: as the post has it)
    applies_to: str = 'later'  # editing an occurrence of a recurring post: 'this' one only, or 'later' ones too

    def as_input(self, scheduled_at: datetime | None = None) -> PostInput:
        """The post to check and save: the versions of the channels it goes to (one unticked keeps its version
        here, in case it is ticked again, but does not send it)."""
        versions = {channel_id: version for channel_id, version in self.versions.items()
                    if channel_id in self.channels and version.is_own}
        return PostInput(text=self.text, media_ids=[m.id for m in self.media], channels=list(self.channels),
                         options=self.options, versions=versions, scheduled_at=scheduled_at,
                         recurrence=self.recurrence, applies_to=self.applies_to)

    def is_customised(self, channel_id: int) -> bool:
        version = self.versions.get(channel_id)
        return version is not None and version.is_own

    def takes_main_options(self, channels: list[Channel], names: set[str]) -> bool:
        """Whether one of `channels` takes one of the main post's options `names` (its version does not set them
        all)."""
        return any(not names <= set((self.versions.get(channel.id) or Version()).options or {})
                   for channel in channels)

    def effective_for(self, channel: Channel) -> Effective:
        """What `channel` gets: its version over the main post."""
        return effective(self.text, self.media, self.options, channel.platform, self.versions.get(channel.id))

    def customise(self, channel_id: int) -> Version:
        """Give the channel its own version, starting from the main text; its media and options stay the main
        post's until they are changed in its tab."""
        self.versions[channel_id] = Version(text=self.text)
        return self.versions[channel_id]

    def change_version(self, channel_id: int, **changes) -> Version:
        """Set the channel's own `text`, `media_ids` or `options`."""
        self.versions[channel_id] = replace(self.versions.get(channel_id) or Version(), **changes)
        return self.versions[channel_id]

    def reset(self, channel_id: int) -> None:
        """The channel uses the main post again."""
        self.versions.pop(channel_id, None)


def load_state(post_id: int | None, user: User) -> tuple[ComposeState, datetime | None]:
    """The saved post `post_id` as the composer holds it for `user`, with its scheduled time; an empty post for None.
    It is read-only where the services would refuse `user`'s changes (the services decide all the same)."""
    details = editing.get_post(post_id) if post_id else None
    if details is None:
        return ComposeState(), None
    post = details.post
    state = ComposeState(post_id=post.id, text=post.text, media=details.media, channels=details.channel_ids,
                         options=dict(post.options or {}), versions=details.versions,
                         editable=details.editable and permissions.can_change_post(user, post.author_id),
                         author_id=post.author_id, status=post.status)
    return state, details.post.scheduled_at


def unless_unchanged(saved_at: datetime | None, chosen: datetime | None) -> datetime | None:
    """The stored time when the When fields still show it: they hold minutes, and a post scheduled through the API
    may be due at a second within one, which a save that did not move it should keep."""
    if chosen is not None and saved_at is not None and chosen == saved_at.replace(second=0, microsecond=0):
        return saved_at
    return chosen
