"""A post's discussion: comments with @mentions (the mentioned are notified), and its review history (every submit,
approval, request for changes and rejection, read from the audit log) in one timeline.

A comment announces its post (as any change to it does), so every page that has the post open hears of it, in this
process and, through the event bus, in the others.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import select

from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import AuditEvent, Post, PostComment, User
from services.notifications import inbox
from services.notifications.kinds import Kind
from services.posts import state
from services.team import audit, permissions

MAX_COMMENT = 5000
MENTION = re.compile(r'(?<![\w@])@([\w.\-]{3,32})')
REVIEW_ACTIONS = (audit.Action.POST_SUBMITTED, audit.Action.POST_APPROVED, audit.Action.POST_CHANGES_REQUESTED,
                  audit.Action.POST_REJECTED)


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: a comment (`kind` 'comment', or 'changes_requested' / 'rejected' for a review's
    reason), or a review step (`kind` its audit action, e.g. 'post.approve', `text` ''; `when` the wanted time)."""

    id: str
    kind: str
    author: str  # the username, '' once the user is gone
    text: str
    at: datetime
    when: str = ''


def mentioned_names(text: str) -> list[str]:
    """The usernames `text` mentions as @name, in order, once each (a sentence's final dot is not part of a name)."""
    return list(dict.fromkeys(name.rstrip('.-').casefold() for name in MENTION.findall(text)))


def add_comment(post_id: int, actor: User, text: str, *, ip: str = '') -> PostComment:
    """Add `actor`'s comment to the post and notify the active team members it @mentions (not the writer).

    Raises Forbidden unless `actor` may draft posts (viewers read only); UserError for an empty or too long comment,
    or a post that is gone."""
    permissions.require(actor, permissions.Action.DRAFT_POSTS, ip=ip)
    text = text.strip()
    if not text:
        raise UserError(N_('Write a comment first.'))
    if len(text) > MAX_COMMENT:
        raise UserError(N_('A comment has at most %(limit)s characters.'), limit=MAX_COMMENT)
    with state.transaction() as change:
        session = change.session
        if session.get(Post, post_id) is None:
            raise UserError(N_('This post no longer exists.'))
        comment = PostComment(post_id=post_id, author_id=actor.id, text=text)
        session.add(comment)
        session.flush()
        names = mentioned_names(text)
        mentioned = list(session.exec(select(User.id).where(User.username.in_(names), User.id != actor.id))) \
            if names else []
        if mentioned:
            inbox.tell(session, Kind.MENTIONED, post_id=post_id, detail=text[:200], only=mentioned)
        change.announce_post(post_id)
        session.expunge(comment)
    return comment


def timeline(post_id: int) -> list[Entry]:
    """The post's comments and review steps, oldest first."""
    with db.session() as session:
        comments = session.exec(select(PostComment, User.username).outerjoin(User, User.id == PostComment.author_id)
                                .where(PostComment.post_id == post_id)).all()
        steps = session.exec(select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
                             .where(AuditEvent.target == str(post_id), AuditEvent.action.in_(REVIEW_ACTIONS))).all()
    found = [Entry(f'c{c.id}', c.kind, name or '', c.text, c.created_at) for c, name in comments]
    found += [Entry(f'a{e.id}', e.action, name or '', '', e.created_at,
                    e.detail if e.action in (audit.Action.POST_SUBMITTED, audit.Action.POST_APPROVED) else '')
              for e, name in steps]
    return sorted(found, key=lambda entry: (entry.at, entry.id))
