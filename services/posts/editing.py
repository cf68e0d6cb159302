"""Posts: write, edit, schedule, duplicate and delete them (the rules live here, not in pages)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Literal, NoReturn

import sqlalchemy as sa
from sqlmodel import Session, select

from services.connections import channels as channel_book
from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import (
    AccountStatus,
    Channel,
    Delivery,
    DeliveryAttempt,
    DeliveryStatus,
    MediaAsset,
    Post,
    PostMedia,
    PostStatus,
    User,
    utcnow,
)
from services.media import variants
from services.media.facts import facts_of
from services.posts import approval, recurrence, state
from services.posts.checks import MediaFacts, Problem, Target, check_post, check_schedule
from services.posts.recurrence import Recurrence
from services.posts.versions import Version, effective
from services.team import audit, permissions

MAX_TEXT = 20000  # far above every platform's limit: only guards the database


class SaveAction(StrEnum):
    DRAFT = 'draft'
    SCHEDULE = 'schedule'
    PUBLISH = 'publish'
    SUBMIT = 'submit'  # for review (services/posts/review.py), with the time wanted, if any


STATUS_AFTER = {SaveAction.DRAFT: PostStatus.DRAFT, SaveAction.SCHEDULE: PostStatus.SCHEDULED,
                SaveAction.PUBLISH: PostStatus.PUBLISHING, SaveAction.SUBMIT: PostStatus.IN_REVIEW}


@dataclass
class PostInput:
    """What the composer hands over: the post as the user left it."""

    text: str = ''
    media_ids: list[int] = field(default_factory=list)
    channels: list[int] = field(default_factory=list)
    options: dict[str, dict] = field(default_factory=dict)  # by platform
    versions: dict[int, Version] = field(default_factory=dict)  # by channel id: what a channel gets of its own
    scheduled_at: datetime | None = None  # aware, any zone
    recurrence: Recurrence | None = None  # None: as it was (a new post does not repeat)
    # an occurrence of a recurring post: the edit is for 'later' ones too (made from it), or for 'this' one only
    applies_to: Literal['this', 'later'] = 'later'


class PostRefused(UserError):
    """The post cannot be saved this way; `problems` lists every reason (each one a translatable Problem)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message, **problems[0].params)
        self.problems = problems


class PostLocked(UserError):
    """The post is published (or being published) and can no longer be edited."""


@dataclass(frozen=True)
class PostDetails:
    post: Post
    media: list[MediaAsset]
    deliveries: list[Delivery]

    @property
    def platforms(self) -> list[str]:
        return list(dict.fromkeys(delivery.platform for delivery in self.deliveries))

    @property
    def channel_ids(self) -> list[int]:
        return [delivery.channel_id for delivery in self.deliveries]

    @property
    def versions(self) -> dict[int, Version]:
        return {delivery.channel_id: Version.of(delivery) for delivery in self.deliveries
                if Version.of(delivery).is_own}

    @property
    def editable(self) -> bool:
        return self.post.status in state.EDITABLE


def media_facts(assets: list[MediaAsset]) -> list[MediaFacts]:
    """What the post rules need to know of each of `assets`, as the probe found it."""
    return [facts_of(asset) for asset in assets]


def problems_for(data: PostInput, assets: list[MediaAsset], action: SaveAction, *,
                 now: datetime | None = None, chosen: list[Channel] | None = None) -> list[Problem]:
    """Why `data` cannot be saved with `action` (a draft only needs to fit the database)."""
    if len(data.text) > MAX_TEXT:
        return [Problem(N_('The text is too long to save (over %(limit)s characters).'), {'limit': MAX_TEXT})]
    if action == SaveAction.DRAFT:
        return []
    chosen = _chosen_channels(data) if chosen is None else chosen
    problems = check_post(targets(data, assets, chosen), empty=not data.text.strip() and not assets)
    for channel in chosen:
        if channel.status != AccountStatus.CONNECTED:
            problems.append(Problem(N_('%(platform)s is not connected. Reconnect it on the Channels page first.'),
                                    {'platform': channel_book.full_title(channel)}, channel.platform, channel.id))
    if action != SaveAction.SUBMIT:
        problems.extend(approval.approval_problems(chosen))
    if action == SaveAction.SCHEDULE or (action == SaveAction.SUBMIT and data.scheduled_at is not None):
        if data.scheduled_at is None:
            problems.append(Problem(N_('Choose a date and time to schedule the post.')))
        else:
            problem = check_schedule(data.scheduled_at, now or utcnow())
            if problem:
                problems.append(problem)
    return problems


def save_post(author_id: int, data: PostInput, action: SaveAction, *, post_id: int | None = None,
              now: datetime | None = None, actor: User | None = None, ip: str = '') -> Post:
    """Create or update a post with its media and one delivery per platform, all in one transaction.

    DRAFT keeps it as a draft; SCHEDULE sets it to fire at `data.scheduled_at`; PUBLISH queues it now (this only
    stores it: pages and the API save through services.posts.actions.save, which also hands it to the engine).
    Raises PostRefused with every problem found, PostLocked when the post may no longer change, Forbidden when
    `actor` (the signed-in user, when there is one) may not do this.
    """
    if actor is not None:
        approval.require_save(actor, post_id, publishes=action == SaveAction.PUBLISH,
                            schedules=action == SaveAction.SCHEDULE, ip=ip)
    with state.transaction() as change:
        post = save_in(change, author_id, data, action, post_id=post_id, now=now,
                       actor_id=actor.id if actor else author_id, ip=ip)
    return post


def save_in(change: state.Change, author_id: int, data: PostInput, action: SaveAction, *, post_id: int | None = None,
            now: datetime | None = None, actor_id: int, ip: str = '', chosen: list[Channel] | None = None,
            series: bool = True, queue_channel_id: int | None = None) -> Post:
    """`save_post`'s work inside the caller's transaction `change` (permissions already checked): the queue saves
    one post per channel in one transaction. `chosen`: `data.channels` when the caller has read them already.
    For an occurrence of a recurring post (and `series`), `data.applies_to` 'this' takes it out of its series
    (services.posts.recurrence.detach), 'later' also edits the later occurrences already made. The post is out of
    any channel's queue unless `queue_channel_id` (the queue's own save) says which holds it.
    Raises as `save_post` does, Forbidden aside."""
    session = change.session
    assets = _assets_in_order(session, data.media_ids)
    chosen = _chosen_channels(data) if chosen is None else chosen
    problems = problems_for(data, assets, action, now=now, chosen=chosen)
    if problems:
        raise PostRefused(problems)
    status = STATUS_AFTER[action]
    current = session.get(Post, post_id) if post_id else None
    before = (current.status, current.scheduled_at) if current is not None else None
    in_series = series and current is not None and bool(current.recurrence) and current.status in recurrence.WAITS
    if in_series and data.applies_to == 'this':
        recurrence.detach(change, post_id)
        data = replace(data, recurrence=None)
    later = recurrence.later_in_series(change, post_id) if in_series and data.applies_to == 'later' else []
    values = {'text': data.text, 'options': {p: dict(o) for p, o in data.options.items()
                                             if p in {c.platform for c in chosen}},
              # published now is due now: the calendar shows it on the day it went out
              'scheduled_at': utcnow() if action == SaveAction.PUBLISH else data.scheduled_at,
              'updated_at': utcnow(), 'queue_channel_id': queue_channel_id,
              # submitted again: a new round, so an approval of the one before is void
              'review_round': (current.review_round if current is not None else 0) + (action == SaveAction.SUBMIT)}
    if post_id:
        post = _move_editable(change, post_id, status)
        for name, value in values.items():
            setattr(post, name, value)
        session.add(post)
        session.flush()
    else:  # written with its first INSERT
        post = change.new_post(author_id, status, **values)
    recurrence.set_rule(post, data.recurrence, publishing=action == SaveAction.PUBLISH)
    _replace_media(session, post.id, [asset.id for asset in assets], new=not post_id)
    _replace_deliveries(change, post.id, chosen, data.versions, [asset.id for asset in assets], new=not post_id)
    _audit_save(session, post, action, before, actor_id=actor_id, ip=ip)
    change.announce_post(post.id)
    for other in later:  # each keeps its own time
        save_in(change, author_id, replace(data, scheduled_at=session.get(Post, other).scheduled_at),
                SaveAction.SCHEDULE if action == SaveAction.PUBLISH else action, post_id=other, now=now,
                actor_id=actor_id, ip=ip, chosen=chosen, series=False)
    return post


def _audit_save(session: Session, post: Post, action: SaveAction, before: tuple[str, datetime | None] | None, *,
                actor_id: int, ip: str) -> None:
    """Record what a save did to the post: published, scheduled, moved, unscheduled or only edited.

    `before` is the post's (status, scheduled_at) before the save, None for a new post (a new draft is not audited).
    """
    if action in (SaveAction.PUBLISH, SaveAction.SUBMIT):
        what = audit.Action.POST_PUBLISHED if action == SaveAction.PUBLISH else audit.Action.POST_SUBMITTED
    elif action == SaveAction.SCHEDULE:
        was_scheduled = before is not None and before[0] == PostStatus.SCHEDULED
        what = audit.Action.POST_SCHEDULED if not was_scheduled else \
            audit.Action.POST_EDITED if before[1] == post.scheduled_at else audit.Action.POST_RESCHEDULED
    elif before is None:
        return
    else:
        what = audit.Action.POST_UNSCHEDULED if before[0] == PostStatus.SCHEDULED else audit.Action.POST_EDITED
    when = post.scheduled_at.isoformat() if action in (SaveAction.SCHEDULE, SaveAction.SUBMIT) and post.scheduled_at \
        else ''
    audit.record(session, what, actor_id=actor_id, target=str(post.id), ip=ip, detail=when)


def get_post(post_id: int) -> PostDetails | None:
    with db.session() as session:
        post = session.get(Post, post_id)
        if post is None:
            return None
        media = session.exec(select(MediaAsset).join(PostMedia, PostMedia.media_id == MediaAsset.id)
                             .where(PostMedia.post_id == post_id).order_by(PostMedia.position)).all()
        deliveries = session.exec(select(Delivery).where(Delivery.post_id == post_id).order_by(Delivery.id)).all()
    return PostDetails(post, list(media), list(deliveries))


def duplicate_post(post_id: int, actor: User) -> Post:
    """A new draft by `actor` with the text, media, platforms and options of post `post_id`."""
    permissions.require(actor, permissions.Action.DRAFT_POSTS)
    details = get_post(post_id)
    if details is None:
        raise UserError(N_('This post no longer exists.'))
    data = PostInput(text=details.post.text, media_ids=[m.id for m in details.media],
                     channels=details.channel_ids, options=dict(details.post.options or {}),
                     versions=details.versions)
    return save_post(actor.id, data, SaveAction.DRAFT, actor=actor)


def delete_post(post_id: int, actor: User, *, ip: str = '') -> list[int]:
    """Delete an editable post with its deliveries (audited); returns its media ids (to delete when unused).
    Raises Forbidden unless `actor` writes posts or wrote this one (a contributor)."""
    approval.require_save(actor, post_id, ip=ip)
    with state.transaction() as change:
        session = change.session
        media_ids = list(session.exec(select(PostMedia.media_id).where(PostMedia.post_id == post_id)))
        if not change.remove_post(post_id, only_from=state.EDITABLE):  # its deliveries and media links go with it
            _refuse_edit(session, post_id)
        audit.record(session, audit.Action.POST_DELETED, actor_id=actor.id, target=str(post_id), ip=ip)
        change.announce_post(post_id)
    return media_ids


@dataclass(frozen=True)
class PostFilter:
    status: str | None = None
    platform: str | None = None
    channel_ids: tuple[int, ...] | None = None  # a channel, or a group's: posts going to any of them (none: no post)
    author_id: int | None = None
    since: datetime | None = None  # created at or after (aware)
    until: datetime | None = None  # created before (aware)
    search: str = ''


def list_posts(filters: PostFilter | None = None, *, before_id: int | None = None,
               limit: int = 25) -> list[PostDetails]:
    """Newest first, `limit` at a time; pass the last id shown as `before_id` for the next page.

    Keyset paging on the primary key keeps every page as cheap as the first, however many posts exist.
    """
    filters = filters or PostFilter()
    query = select(Post).order_by(Post.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(Post.id < before_id)
    if filters.status:
        query = query.where(Post.status == filters.status)
    if filters.author_id:
        query = query.where(Post.author_id == filters.author_id)
    if filters.since:
        query = query.where(Post.created_at >= filters.since)
    if filters.until:
        query = query.where(Post.created_at < filters.until)
    if filters.platform:
        query = query.where(sa.exists().where(Delivery.post_id == Post.id, Delivery.platform == filters.platform))
    if filters.channel_ids is not None:
        query = query.where(sa.exists().where(Delivery.post_id == Post.id,
                                              Delivery.channel_id.in_(list(filters.channel_ids))))
    if filters.search.strip():
        pattern = '%' + filters.search.strip().replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_') + '%'
        query = query.where(Post.text.ilike(pattern, escape='\\'))
    with db.session() as session:
        page = list(session.exec(query))
        ids = [post.id for post in page]
        deliveries = session.exec(select(Delivery).where(Delivery.post_id.in_(ids)).order_by(Delivery.id)).all() \
            if ids else []
    by_post: dict[int, list[Delivery]] = {post_id: [] for post_id in ids}
    for delivery in deliveries:
        by_post[delivery.post_id].append(delivery)
    return [PostDetails(post, [], by_post[post.id]) for post in page]


def attempts_of(post_id: int) -> dict[int, list[DeliveryAttempt]]:
    """Every delivery attempt of a post, oldest first, by delivery id."""
    with db.session() as session:
        rows = session.exec(select(DeliveryAttempt).join(Delivery, Delivery.id == DeliveryAttempt.delivery_id)
                            .where(Delivery.post_id == post_id).order_by(DeliveryAttempt.id)).all()
    found: dict[int, list[DeliveryAttempt]] = {}
    for attempt in rows:
        found.setdefault(attempt.delivery_id, []).append(attempt)
    return found


def _move_editable(change: state.Change, post_id: int, status: str) -> Post:
    """Move an editable post to `status` (a conditional update, so one the scheduler picked up meanwhile is left
    alone) and return it; raises UserError when it is gone, PostLocked when it is no longer editable."""
    if not change.move_post(post_id, status, only_from=state.EDITABLE):
        _refuse_edit(change.session, post_id)
    return change.session.get(Post, post_id, populate_existing=True)


def _refuse_edit(session: Session, post_id: int) -> NoReturn:
    if session.get(Post, post_id) is None:
        raise UserError(N_('This post no longer exists.'))
    raise PostLocked(N_('This post has been published and can no longer be changed. Duplicate it instead.'))


def _assets_in_order(session: Session, media_ids: list[int]) -> list[MediaAsset]:
    if not media_ids:
        return []
    found = {a.id: a for a in session.exec(select(MediaAsset).where(MediaAsset.id.in_(media_ids)))}
    missing = [i for i in media_ids if i not in found]
    if missing:
        raise UserError(N_('A photo or video of this post was deleted. Remove it and add it again.'))
    return [found[i] for i in media_ids]


def _replace_media(session: Session, post_id: int, media_ids: list[int], *, new: bool = False) -> None:
    if not new:
        session.exec(sa.delete(PostMedia).where(PostMedia.post_id == post_id))
    session.add_all(PostMedia(post_id=post_id, media_id=media_id, position=index)
                    for index, media_id in enumerate(media_ids))


def targets(data: PostInput, assets: list[MediaAsset], chosen: list[Channel]) -> list[Target]:
    """What each chosen channel gets of `data` (its version over the post), as the post rules check it."""
    found = []
    for channel in chosen:
        got = effective(data.text, assets, data.options, channel.platform, data.versions.get(channel.id))
        media = variants.for_platform(got.media, channel.platform)  # a copy converted for it, where there is one
        found.append(Target(channel.platform, channel_book.full_title(channel), got.text, media_facts(media),
                            got.options, channel.id))
    return found


def _chosen_channels(data: PostInput) -> list[Channel]:
    """The channels `data` names, in its order. Raises UserError when one of them was never there."""
    known = channel_book.channels_by_id(data.channels)
    if any(channel_id not in known for channel_id in data.channels):
        raise UserError(N_('A channel of this post no longer exists. Choose the channels again.'))
    return [known[channel_id] for channel_id in dict.fromkeys(data.channels)]


def _replace_deliveries(change: state.Change, post_id: int, chosen: list[Channel], versions: dict[int, Version],
                        media_ids: list[int], *, new: bool = False) -> None:
    """One pending delivery per chosen channel, with its version; deliveries of channels no longer chosen go
    (`new`: the post has none yet)."""
    session = change.session
    existing = {} if new else {d.channel_id: d for d in session.exec(select(Delivery).where(
        Delivery.post_id == post_id))}
    wanted = {channel.id for channel in chosen}
    for channel_id, delivery in existing.items():
        if channel_id not in wanted:
            session.delete(delivery)
    for channel in chosen:
        delivery = existing.get(channel.id) or change.new_delivery(post_id, channel.platform, channel.id)
        version = versions.get(channel.id) or Version()
        delivery.text = version.text
        delivery.media_ids = [i for i in version.media_ids if i in media_ids] if version.media_ids is not None \
            else None
        delivery.options = dict(version.options) if version.options else None
        delivery.attempt_count, delivery.last_error = 0, None
        delivery.updated_at = utcnow()
        session.add(delivery)
    session.flush()
    if not new:
        change.move_deliveries(DeliveryStatus.PENDING, only_from=[DeliveryStatus.CANCELLED],
                               where=[Delivery.post_id == post_id])  # those of a cancelled post wait again
