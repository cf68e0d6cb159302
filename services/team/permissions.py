"""Who may do what. Every service that changes something asks here first, whatever path the request came by."""
from __future__ import annotations

from enum import StrEnum
from typing import NoReturn

from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Role, User
from services.team import audit


class Action(StrEnum):
    READ = 'read'                      # calendar, history, dashboard
    DRAFT_POSTS = 'draft_posts'        # write and edit one's own drafts, attach media, submit for review, comment
    WRITE_POSTS = 'write_posts'        # edit anyone's posts, schedule, cancel, delete
    REVIEW_POSTS = 'review_posts'      # approve, request changes, reject
    PUBLISH = 'publish'                # publish now, retry
    MANAGE_ACCOUNTS = 'manage_accounts'
    MANAGE_USERS = 'manage_users'
    READ_AUDIT = 'read_audit'
    MANAGE_WEBHOOKS = 'manage_webhooks'


ALLOWED = {
    Role.ADMIN: set(Action),
    Role.EDITOR: {Action.READ, Action.DRAFT_POSTS, Action.WRITE_POSTS, Action.PUBLISH, Action.REVIEW_POSTS},
    Role.CONTRIBUTOR: {Action.READ, Action.DRAFT_POSTS},
    Role.VIEWER: {Action.READ},
}


class Forbidden(UserError):
    """The user's role does not allow this action."""


def can(user: User, action: Action) -> bool:
    return user.is_active and action in ALLOWED.get(Role(user.role), set())


def require(user: User, action: Action, *, ip: str = '') -> None:
    """Raise Forbidden (and audit the refusal) unless `user` may do `action`."""
    if can(user, action):
        return
    _refuse(user, str(action), ip)


def can_change_post(user: User, author_id: int) -> bool:
    """Whether `user` may edit (or delete) a post written by `author_id`: writers any, contributors their own."""
    return can(user, Action.WRITE_POSTS) or (author_id == user.id and can(user, Action.DRAFT_POSTS))


def require_post_change(user: User, author_id: int, *, ip: str = '') -> None:
    """Raise Forbidden (audited) unless `user` may edit or delete a post written by `author_id`."""
    if not can_change_post(user, author_id):
        _refuse(user, f'{Action.WRITE_POSTS}:others', ip)


def _refuse(user: User, target: str, ip: str) -> NoReturn:
    with db.session() as session:
        audit.record(session, audit.Action.FORBIDDEN, actor_id=user.id, target=target, ip=ip)
    raise Forbidden(N_('Your role does not allow this. Ask an administrator.'))
