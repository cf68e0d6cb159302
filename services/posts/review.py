"""Review: contributors (and anyone posting to a channel that needs approval) submit a post; an editor or admin
approves it (scheduled for its wanted time, or published now), requests changes (back to its author as a draft) or
rejects it.

An approval holds for the review round it approved: every submit starts a new round, so an edit after approval (or
while an approval is being given in a stale tab) voids it. A scheduled post to a channel that needs approval is sent
only while its approval holds (`approval_holds`, which the due-post timer checks when the post falls due).
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import select

from services.connections import channels as channel_book
from services.core import db, i18n
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import (
    Channel,
    Delivery,
    MediaAsset,
    Post,
    PostComment,
    PostMedia,
    PostStatus,
    Role,
    User,
    utcnow,
)
from services.notifications import inbox
from services.notifications.kinds import Kind
from services.posts import editing, state
from services.posts.approval import approval_holds
from services.posts.checks import Problem
from services.posts.editing import PostInput, SaveAction
from services.posts.versions import Version
from services.publishing import engine
from services.team import audit, permissions

NOT_IN_REVIEW = N_('This post is no longer waiting for review. Reload the page to see where it is.')
EDITED_SINCE = N_('The post was changed after you opened it: read it again before you decide.')
OWN_POST = N_('Someone else has to review your post.')
WANTED_TIME_PASSED = N_('The time wanted for this post has passed. Publish it now or request a new time.')
REASON_NEEDED = N_('Write what should change, so that the author knows.')
WAY_OUT = N_('Approve it once this is fixed, or request changes so that its author fixes it.')
MAX_COMMENT = 5000


class ReviewRefused(UserError):
    """The review action cannot be taken: the post moved on, was edited, or the time has passed."""


class NotReady(ReviewRefused):
    """The post in review no longer meets the checks its submission passed (a channel was disconnected, its rules
    refuse what it would get, the wanted time is out of reach); `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems[0].message, **problems[0].params)
        self.problems = problems

    def text(self, language: str) -> str:
        """Every reason, then the way out, in `language`."""
        reasons = [i18n.translate(language, p.message, **p.params) for p in self.problems]
        return ' '.join([*dict.fromkeys(reasons), i18n.translate(language, WAY_OUT)])


def approve(post_id: int, actor: User, *, review_round: int, publish_now: bool = False, ip: str = '',
            now: datetime | None = None) -> Post:
    """Approve round `review_round` of a post in review: it is scheduled for its wanted time, or, when that time has
    passed (or none was wanted) and `publish_now` says so, published now.

    Before anything is written, the post is checked again as saving checks it (its channels still connected, each
    channel's version within its platform's rules, the wanted time within reach): nothing is approved that would
    fail.

    Raises Forbidden unless `actor` reviews (and is not its author, admins aside); ReviewRefused when the post left
    review, was edited since that round, or its time passed without `publish_now`; NotReady (a ReviewRefused) when
    the checks fail.
    """
    permissions.require(actor, permissions.Action.REVIEW_POSTS, ip=ip)
    now = now or utcnow()
    with state.transaction() as change:
        post = _in_review(change.session, post_id, review_round, actor)
        wanted = post.scheduled_at
        late = wanted is None or wanted <= now
        if late and not publish_now:
            raise ReviewRefused(WANTED_TIME_PASSED)
        problems = _problems_now(change.session, post, None if late else wanted, now)
        if problems:
            raise NotReady(problems)
        target = PostStatus.PUBLISHING if late else PostStatus.SCHEDULED
        moved = change.move_post(post_id, target, only_from=[PostStatus.IN_REVIEW],
                                 where=[Post.review_round == review_round], approved_round=review_round,
                                 **({'scheduled_at': now} if late else {}))
        if not moved:
            raise ReviewRefused(EDITED_SINCE)
        audit.record(change.session, audit.Action.POST_APPROVED, actor_id=actor.id, target=str(post_id), ip=ip,
                     detail='' if late else wanted.isoformat())
        inbox.tell(change.session, Kind.POST_APPROVED, post_id=post_id)
        change.announce_post(post_id)
        post = change.session.get(Post, post_id, populate_existing=True)
    if late:
        engine.get_engine().start(post_id)
    return post


def request_changes(post_id: int, actor: User, comment: str, *, review_round: int, ip: str = '') -> Post:
    """Send round `review_round` of a post in review back to its author as a draft, with `comment` saying why.

    Raises Forbidden, ReviewRefused (as `approve` does, and for an empty comment)."""
    return _decline(post_id, actor, comment, review_round, ip, PostStatus.DRAFT, 'changes_requested',
                    audit.Action.POST_CHANGES_REQUESTED, Kind.CHANGES_REQUESTED)


def reject(post_id: int, actor: User, reason: str = '', *, review_round: int, ip: str = '') -> Post:
    """Reject round `review_round` of a post in review (`reason`, when given, joins its discussion); its author may
    rework and submit it again. Raises Forbidden, ReviewRefused."""
    return _decline(post_id, actor, reason, review_round, ip, PostStatus.REJECTED, 'rejected',
                    audit.Action.POST_REJECTED, Kind.POST_REJECTED)


def _decline(post_id: int, actor: User, text: str, review_round: int, ip: str, target: str, kind: str,
             action: str, told: str) -> Post:
    permissions.require(actor, permissions.Action.REVIEW_POSTS, ip=ip)
    text = text.strip()[:MAX_COMMENT]
    if not text and target == PostStatus.DRAFT:
        raise UserError(REASON_NEEDED)
    with state.transaction() as change:
        _in_review(change.session, post_id, review_round, actor)
        if not change.move_post(post_id, target, only_from=[PostStatus.IN_REVIEW],
                                where=[Post.review_round == review_round]):
            raise ReviewRefused(EDITED_SINCE)
        audit.record(change.session, action, actor_id=actor.id, target=str(post_id), ip=ip, detail=text[:200])
        if text:  # after the step, so that the timeline shows the reason under it
            change.session.add(PostComment(post_id=post_id, author_id=actor.id, text=text, kind=kind))
        inbox.tell(change.session, told, post_id=post_id, detail=text[:200])
        change.announce_post(post_id)
        post = change.session.get(Post, post_id, populate_existing=True)
    return post


def _problems_now(session, post: Post, wanted: datetime | None, now: datetime) -> list[Problem]:
    """What stops the stored `post` from going out at `wanted` (None: now), as submitting it checked."""
    deliveries = session.exec(select(Delivery).where(Delivery.post_id == post.id).order_by(Delivery.id)).all()
    media = list(session.exec(select(MediaAsset).join(PostMedia, PostMedia.media_id == MediaAsset.id)
                              .where(PostMedia.post_id == post.id).order_by(PostMedia.position)))
    chosen = [session.get(Channel, delivery.channel_id) for delivery in deliveries]
    data = PostInput(text=post.text, media_ids=[m.id for m in media], channels=[c.id for c in chosen],
                     options=dict(post.options or {}), scheduled_at=wanted,
                     versions={d.channel_id: Version.of(d) for d in deliveries if Version.of(d).is_own})
    return editing.problems_for(data, media, SaveAction.SUBMIT, now=now, chosen=chosen)


def _in_review(session, post_id: int, review_round: int, actor: User) -> Post:
    post = session.get(Post, post_id)
    if post is None:
        raise ReviewRefused(N_('This post no longer exists.'))
    if post.status != PostStatus.IN_REVIEW:
        raise ReviewRefused(NOT_IN_REVIEW)
    if post.review_round != review_round:
        raise ReviewRefused(EDITED_SINCE)
    if post.author_id == actor.id and actor.role != Role.ADMIN:
        raise ReviewRefused(OWN_POST)
    return post


def waiting_count() -> int:
    """How many posts wait for review (the navigation's count)."""
    with db.session() as session:
        return session.exec(select(sa.func.count()).select_from(Post)
                            .where(Post.status == PostStatus.IN_REVIEW)).one()


def set_needs_approval(channel_id: int, needed: bool, actor: User, *, ip: str = '') -> list[int]:
    """Mark the channel as needing approval (or not). Scheduled posts to it not approved in their current round go
    back to review, in the same transaction, so nothing unapproved goes out; returns their ids.

    Raises Forbidden unless `actor` writes posts (admins and editors); UserError when the channel is gone."""
    permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    with state.transaction() as change:
        channel = change.session.get(Channel, channel_id)
        if channel is None:
            raise UserError(N_('This channel no longer exists.'))
        channel.needs_approval = needed
        change.session.add(channel)
        audit.record(change.session, audit.Action.CHANNEL_NEEDS_APPROVAL, actor_id=actor.id,
                     target=f'{channel.platform}: {channel_book.title(channel)}', ip=ip,
                     detail='on' if needed else 'off')
        held: list[int] = []
        if needed:
            change.session.flush()
            held = change.move_posts(PostStatus.IN_REVIEW, only_from=[PostStatus.SCHEDULED, PostStatus.MISSED],
                                     where=[~approval_holds()])
            for post_id in held:
                change.announce_post(post_id)
    return held
