"""Creating users and changing their own settings."""
from __future__ import annotations

import re
import secrets
from functools import cache
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlmodel import select

from services.core import db
from services.core.i18n import LANGUAGES, N_
from services.core.models import Role, User
from services.team import audit, auth, permissions
from services.team.auth import AuthError

USERNAME_PATTERN = re.compile(r'^[\w.\-]{3,32}$')


class SetupClosed(Exception):
    """The first admin exists already: setup cannot run again."""


_has_users = False


def has_users() -> bool:
    """Whether any account exists (checked once per process after it turns true: users are never all deleted)."""
    global _has_users
    if not _has_users:
        with db.session() as session:
            _has_users = session.exec(select(sa.func.count()).select_from(User)).one() > 0
    return _has_users


def forget_cached_state() -> None:
    global _has_users
    _has_users = False


@cache
def time_zones() -> list[str]:
    return sorted(zone for zone in available_timezones() if '/' in zone or zone == 'UTC')


def normalize_username(username: str) -> str:
    name = username.strip().casefold()
    if not USERNAME_PATTERN.match(name):
        raise AuthError(N_('A username has 3 to 32 letters, digits, dots, dashes or underscores.'))
    return name


def create_first_admin(username: str, password: str, *, language: str, time_zone: str, ip: str) -> User:
    """Create the administrator on a database with no users.

    Raises SetupClosed once any user exists, AuthError for a bad username, password or time zone.
    """
    name = normalize_username(username)
    if language not in LANGUAGES:
        language = 'en'
    if time_zone not in time_zones():
        time_zone = 'UTC'
    password_hash = auth.hash_password(password)
    with db.session() as session:
        if session.exec(select(sa.func.count()).select_from(User)).one() > 0:
            raise SetupClosed()
        user = User(username=name, password_hash=password_hash, role=Role.ADMIN, language=language,
                    timezone=time_zone)
        session.add(user)
        session.flush()
        audit.record(session, audit.Action.SETUP_ADMIN, actor_id=user.id, target=name, ip=ip)
    has_users()
    return user


def set_language(user_id: int, language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(language)
    with db.session() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.language = language


def change_password(user_id: int, current: str, new: str, *, ip: str) -> User:
    """Replace the user's password after checking the current one; other sessions of the user end.

    Returns the updated user (issue a new token from it). Raises AuthError on a wrong current password or
    a new password that breaks the rules.
    """
    new_hash = auth.hash_password(new)
    with db.session() as session:
        user = session.get(User, user_id)
        if user is None:
            raise AuthError(N_('The current password is wrong.'))
        username = user.username
    auth.refuse_while_locked(username, ip)  # or a stolen session could guess the password here
    with db.session() as session:
        user = session.get(User, user_id)
        if not auth.verify_password(current, user.password_hash):
            auth.record_password_failure(username, ip, detail='password change')
            raise AuthError(N_('The current password is wrong.'))
        user.password_hash = new_hash
        user.session_version += 1
        user.must_change_password = False
        audit.record(session, audit.Action.PASSWORD_CHANGED, actor_id=user.id, target=user.username, ip=ip)
    return user


def list_users() -> list[User]:
    with db.session() as session:
        return list(session.exec(select(User).order_by(User.username)))


def create_user(actor: User, username: str, role: str, *, language: str, time_zone: str,
                ip: str) -> tuple[User, str]:
    """A new user with a temporary password (returned once, to show once) to be changed at first sign-in.

    Raises Forbidden unless `actor` manages users; AuthError for a bad or taken username.
    """
    permissions.require(actor, permissions.Action.MANAGE_USERS, ip=ip)
    name = normalize_username(username)
    temporary = secrets.token_urlsafe(12)
    password_hash = auth.hash_password(temporary)
    with db.session() as session:
        if session.exec(select(User).where(User.username == name)).first() is not None:
            raise AuthError(N_('The username %(name)s is taken.'), name=name)
        user = User(username=name, password_hash=password_hash, role=Role(role), must_change_password=True,
                    language=language if language in LANGUAGES else 'en',
                    timezone=time_zone if time_zone in time_zones() else 'UTC')
        session.add(user)
        session.flush()
        audit.record(session, audit.Action.USER_CREATED, actor_id=actor.id, target=name, ip=ip, detail=role)
    return user, temporary


def set_role(actor: User, user_id: int, role: str, *, ip: str) -> None:
    permissions.require(actor, permissions.Action.MANAGE_USERS, ip=ip)
    with db.session() as session:
        user = _target(session, user_id)
        if user.role == Role.ADMIN and role != Role.ADMIN:
            _keep_an_admin(session, user)
        user.role = Role(role)
        audit.record(session, audit.Action.USER_ROLE_CHANGED, actor_id=actor.id, target=user.username, ip=ip,
                     detail=role)


def set_active(actor: User, user_id: int, active: bool, *, ip: str) -> None:
    """Deactivate (their open pages end at their next action) or reactivate a user."""
    permissions.require(actor, permissions.Action.MANAGE_USERS, ip=ip)
    with db.session() as session:
        user = _target(session, user_id)
        if not active and user.role == Role.ADMIN:
            _keep_an_admin(session, user)
        user.is_active = active
        if not active:
            user.session_version += 1
        action = audit.Action.USER_REACTIVATED if active else audit.Action.USER_DEACTIVATED
        audit.record(session, action, actor_id=actor.id, target=user.username, ip=ip)


def reset_password(actor: User | None, user_id: int, *, ip: str, new_password: str | None = None) -> str:
    """Give the user a new password (a temporary one unless `new_password` is given); their sessions end.

    `actor` None means the server's command line (a locked-out admin), which needs no role.
    """
    if actor is not None:
        permissions.require(actor, permissions.Action.MANAGE_USERS, ip=ip)
    password = new_password or secrets.token_urlsafe(12)
    password_hash = auth.hash_password(password)
    with db.session() as session:
        user = _target(session, user_id)
        user.password_hash = password_hash
        user.session_version += 1
        user.must_change_password = new_password is None
        audit.record(session, audit.Action.PASSWORD_RESET, actor_id=actor.id if actor else None,
                     target=user.username, ip=ip, detail='' if actor else 'command line')
    return password


def name_of(user_id: int) -> str:
    """The username of user `user_id`, '' once that user is gone."""
    with db.session() as session:
        return session.exec(select(User.username).where(User.id == user_id)).first() or ''


def find_user(username: str) -> User | None:
    with db.session() as session:
        return session.exec(select(User).where(User.username == username.strip().casefold())).first()


def update_preferences(user_id: int, *, language: str, time_zone: str) -> None:
    if language not in LANGUAGES or time_zone not in time_zones():
        raise AuthError(N_('Choose a language and a time zone from the lists.'))
    with db.session() as session:
        user = _target(session, user_id)
        user.language, user.timezone = language, time_zone


def _target(session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise AuthError(N_('This user no longer exists.'))
    return user


def _keep_an_admin(session, leaving: User) -> None:
    others = session.exec(select(sa.func.count()).select_from(User).where(
        User.role == Role.ADMIN, User.is_active.is_(True), User.id != leaving.id)).one()
    if others == 0:
        raise AuthError(N_('%(name)s is the last active administrator. Make someone else an administrator first.'),
                        name=leaving.username)
