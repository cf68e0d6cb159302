"""A post's version for one channel: its own text, choice and order of the post's media, and options, each taken
from the post where the channel has none of its own."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.core.models import Delivery, MediaAsset, Post


@dataclass(frozen=True)
class Version:
    """What a channel sets for itself; None: the post's own."""
    text: str | None = None
    media_ids: list[int] | None = None
    options: dict[str, Any] | None = None

    @property
    def is_own(self) -> bool:
        return self.text is not None or self.media_ids is not None or bool(self.options)

    @classmethod
    def of(cls, delivery: Delivery) -> Version:
        return cls(delivery.text, list(delivery.media_ids) if delivery.media_ids is not None else None,
                   dict(delivery.options) if delivery.options else None)


@dataclass(frozen=True)
class Effective:
    """What goes to the channel."""
    text: str
    media: list[MediaAsset]
    options: dict[str, Any] = field(default_factory=dict)


def effective(text: str, media: Sequence[MediaAsset], options: Mapping[str, Mapping], platform: str,
              version: Version | None) -> Effective:
    """The channel's post: the post's `text`, `media` and `options` (by platform) with `version` over them. A
    version's media keep only files the post still carries, in the version's order."""
    version = version or Version()
    chosen = list(media)
    if version.media_ids is not None:
        by_id = {asset.id: asset for asset in media}
        chosen = [by_id[media_id] for media_id in version.media_ids if media_id in by_id]
    return Effective(text if version.text is None else version.text, chosen,
                     {**dict(options.get(platform, {})), **(version.options or {})})


def of_delivery(post: Post, delivery: Delivery, media: Sequence[MediaAsset]) -> Effective:
    return effective(post.text, media, post.options or {}, delivery.platform, Version.of(delivery))
