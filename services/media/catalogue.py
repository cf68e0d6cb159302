"""The media library: every stored photo and video with who uploaded it and the posts that use it; deleting one by
hand, which only a file no post uses allows (`cleanup` removes the row and files)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import MediaAsset, Post, PostMedia, User
from services.media import cleanup, facts
from services.team import audit, permissions

KINDS = ('image', 'video')  # what the library filters by: the first part of the MIME type
LISTED = 200  # the newest this many that match; a search finds older ones
SNIPPET = 40  # characters of a post's text that name it


class MediaInUse(UserError):
    """A post uses the file: it cannot be deleted until no post does."""


@dataclass(frozen=True)
class PostUse:
    """A post using a file: its id and the start of its text ('' when it has none)."""
    post_id: int
    snippet: str


@dataclass(frozen=True)
class LibraryEntry:
    """One stored file, who uploaded it (None: nobody known, e.g. a deleted user) and the posts using it."""
    asset: MediaAsset
    uploader: str | None
    posts: list[PostUse] = field(default_factory=list)
    converted_for: list[str] = field(default_factory=list)  # platforms it has a converted copy for

    @property
    def in_use(self) -> bool:
        return bool(self.posts)


def list_media(*, search: str = '', kind: str | None = None, limit: int = LISTED) -> list[LibraryEntry]:
    """The newest `limit` files whose name contains `search` (any case), of `kind` ('image', 'video' or None for
    both), each with its uploader, the posts using it (newest first) and the platforms it was converted for."""
    query = select(MediaAsset, User.username).join(User, User.id == MediaAsset.uploaded_by, isouter=True) \
        .where(MediaAsset.variant_of.is_(None))  # a converted copy shows with its original
    words = ' '.join(search.split())
    if words:
        escaped = words.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
        query = query.where(MediaAsset.original_name.ilike(f'%{escaped}%', escape='\\'))
    if kind in KINDS:
        query = query.where(MediaAsset.mime_type.startswith(f'{kind}/'))
    with db.session() as session:
        rows = list(session.exec(query.order_by(MediaAsset.created_at.desc(), MediaAsset.id.desc()).limit(limit)))
        ids = [asset.id for asset, _name in rows]
        used = _posts_using(session, ids)
        copies: dict[int, list[str]] = defaultdict(list)
        if ids:
            for original, platform in session.exec(select(MediaAsset.variant_of, MediaAsset.variant_for)
                                                   .where(MediaAsset.variant_of.in_(ids))):
                copies[original].append(platform)
    facts.complete(asset for asset, _name in rows)  # files stored before their facts were read: once
    return [LibraryEntry(asset, username, used.get(asset.id, []), sorted(copies.get(asset.id, [])))
            for asset, username in rows]


def _posts_using(session, media_ids: list[int]) -> dict[int, list[PostUse]]:
    if not media_ids:
        return {}
    found: dict[int, list[PostUse]] = defaultdict(list)
    rows = session.exec(select(PostMedia.media_id, Post.id, sa.func.substr(Post.text, 1, SNIPPET + 1))
                        .join(Post, Post.id == PostMedia.post_id).where(PostMedia.media_id.in_(media_ids))
                        .order_by(Post.id.desc()))
    for media_id, post_id, start in rows:
        words = ' '.join((start or '').split())
        found[media_id].append(PostUse(post_id, words[:SNIPPET] + ('…' if len(words) > SNIPPET else '')))
    return found


def delete_media(media_id: int, actor: User, *, ip: str = '') -> str:
    """Delete the file `media_id` (its row and files) for `actor`; returns its name.

    Raises Forbidden when `actor` may not write posts, MediaInUse when a post uses it, UserError when it is gone.
    """
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with db.session() as session:
        asset = session.get(MediaAsset, media_id)
        uses = session.exec(select(sa.func.count()).select_from(PostMedia).where(PostMedia.media_id == media_id)).one()
    if asset is None:
        raise UserError(N_('This file was already deleted.'))
    if uses or not cleanup.delete_if_unused(media_id):
        if _gone(media_id):
            raise UserError(N_('This file was already deleted.'))
        raise MediaInUse(N_('%(name)s is used by a post. Remove it from every post that uses it, then delete it.'),
                         name=asset.original_name)
    with db.session() as session:
        audit.record(session, audit.Action.MEDIA_DELETED, actor_id=actor.id, target=asset.original_name, ip=ip)
    return asset.original_name


def _gone(media_id: int) -> bool:
    with db.session() as session:
        return session.get(MediaAsset, media_id) is None
