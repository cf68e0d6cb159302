"""Creating users and changing their own settings."""
from __future__ import annotations

import re
from functools import cache
from zoneinfo import available_timezones

import sqlalchemy as sa
from sqlmodel import select

from services import audit, auth, db
from services.auth import AuthError
from services.i18n import LANGUAGES, N_
from services.models import Role, User

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
        if user is None or not auth.verify_password(current, user.password_hash):
            raise AuthError(N_('The current password is wrong.'))
        user.password_hash = new_hash
        user.session_version += 1
        audit.record(session, audit.Action.PASSWORD_CHANGED, actor_id=user.id, target=user.username, ip=ip)
    return user


def list_users() -> list[User]:
    with db.session() as session:
        return list(session.exec(select(User).order_by(User.username)))
