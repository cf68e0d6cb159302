"""Which posts need approval before they go out, and who may save a post how: the rules the saving, the due-post
timer and the review share (services/posts/review.py holds the review itself)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import select

from services.connections import channels as channel_book
from services.core import db
from services.core.i18n import N_
from services.core.models import Channel, Delivery, Post, User
from services.posts.checks import Problem
from services.team import permissions

NEEDS_APPROVAL = N_('%(platform)s needs approval: submit the post for review.')


def needs_review(actor: User | None, chosen: list[Channel]) -> bool:
    """Whether a post by `actor` to `chosen` can only go out after approval."""
    contributor = actor is not None and not permissions.can(actor, permissions.Action.WRITE_POSTS)
    return contributor or any(channel.needs_approval for channel in chosen)


def approval_problems(chosen: list[Channel]) -> list[Problem]:
    """Why a post to `chosen` may not be scheduled or published without review: one problem per channel needing it."""
    return [Problem(NEEDS_APPROVAL, {'platform': channel_book.full_title(c)}, c.platform, c.id)
            for c in chosen if c.needs_approval]


def require_save(actor: User, post_id: int | None, *, publishes: bool = False, schedules: bool = False,
                 ip: str = '') -> None:
    """Raise Forbidden (audited) unless `actor` may save this way: writers anything, contributors their own posts
    as drafts or submitted for review."""
    if publishes:
        permissions.require(actor, permissions.Action.PUBLISH, ip=ip)
    elif schedules:
        permissions.require(actor, permissions.Action.WRITE_POSTS, ip=ip)
    else:
        permissions.require(actor, permissions.Action.DRAFT_POSTS, ip=ip)
    if post_id is not None:
        with db.session() as session:
            author_id = session.exec(select(Post.author_id).where(Post.id == post_id)).first()
        if author_id is not None:
            permissions.require_post_change(actor, author_id, ip=ip)


def approval_holds() -> sa.ColumnElement[bool]:
    """SQL: the post may be sent: no channel of it needs approval, or its current round was approved."""
    to_gated = sa.exists().where(Delivery.post_id == Post.id, Delivery.channel_id == Channel.id,
                                 Channel.needs_approval.is_(True))
    return sa.or_(~to_gated, sa.func.coalesce(Post.approved_round, -1) == Post.review_round)
