"""Who may do what. Every service that changes something asks here first, whatever path the request came by."""
from __future__ import annotations

from enum import StrEnum

from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import Role, User
from services.team import audit


class Action(StrEnum):
    READ = 'read'                      # calendar, history, dashboard
    WRITE_POSTS = 'write_posts'        # compose, edit, schedule, cancel, delete
    PUBLISH = 'publish'                # publish now, retry
    MANAGE_ACCOUNTS = 'manage_accounts'
    MANAGE_USERS = 'manage_users'
    READ_AUDIT = 'read_audit'
    MANAGE_WEBHOOKS = 'manage_webhooks'


ALLOWED = {
    Role.ADMIN: set(Action),
    Role.EDITOR: {Action.READ, Action.WRITE_POSTS, Action.PUBLISH},
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
    with db.session() as session:
        audit.record(session, audit.Action.FORBIDDEN, actor_id=user.id, target=str(action), ip=ip)
    raise Forbidden(N_('Your role does not allow this. Ask an administrator.'))
