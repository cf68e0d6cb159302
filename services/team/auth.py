"""Password hashing, session tokens and signing in (with throttling of repeated failures)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
from sqlmodel import Session, select

from services.core import db
from services.core.errors import UserError
from services.core.i18n import N_, NP_
from services.core.models import Role, User, utcnow
from services.team import audit

BCRYPT_ROUNDS = 12
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_BYTES = 72  # bcrypt's own limit: refuse rather than truncate
TOKEN_LIFETIME = timedelta(minutes=30)
RENEW_AFTER = timedelta(minutes=10)  # renew an active user's token once it is this old
TOKEN_ISSUER = 'anonymous-creations'
FAILURE_LIMIT_PER_USERNAME = 5
FAILURE_LIMIT_PER_CLIENT = 20
FAILURE_WINDOW = timedelta(minutes=5)
LOCK_DURATION = timedelta(minutes=5)

# Verified against when the username is unknown, so both cases take the same time.
_DUMMY_HASH = bcrypt.hashpw(b'not a real password', bcrypt.gensalt(BCRYPT_ROUNDS))


class AuthError(UserError):
    """Signing in, the session or a password was refused."""


class SessionInvalid(AuthError):
    """The token is missing, expired, tampered with, foreign, or its user may no longer sign in."""


DEACTIVATED = N_('Your account has been deactivated. Ask an administrator. Administrators: %(admins)s.')


@dataclass(frozen=True)
class SessionInfo:
    user: User
    renewed_token: str | None


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(N_('The password must be at least %(min)s characters long.'), min=MIN_PASSWORD_LENGTH)
    if len(password.encode('utf-8')) > MAX_PASSWORD_BYTES:
        raise AuthError(N_('The password is too long: at most %(max)s bytes (about 36 Arabic letters).'),
                        max=MAX_PASSWORD_BYTES)


def hash_password(password: str) -> str:
    check_password_rules(password)
    return bcrypt.hashpw(password.encode('utf-8'), bcrypt.gensalt(BCRYPT_ROUNDS)).decode('ascii')


def verify_password(password: str, password_hash: str) -> bool:
    data = password.encode('utf-8')
    if len(data) > MAX_PASSWORD_BYTES:
        return False
    return bcrypt.checkpw(data, password_hash.encode('ascii'))


def issue_token(user: User, secret_key: str, *, now: datetime | None = None) -> str:
    import jwt  # with the cryptography it loads, ~10 MiB: not before the first sign-in

    now = now or utcnow()
    claims = {'sub': str(user.id), 'ver': user.session_version, 'iss': TOKEN_ISSUER,
              'iat': int(now.timestamp()), 'exp': int((now + TOKEN_LIFETIME).timestamp())}
    return jwt.encode(claims, secret_key, algorithm='HS256')


def decode_token(token: str, secret_key: str) -> dict:
    """The token's claims; SessionInvalid when it is expired, tampered with or not ours."""
    import jwt  # not before the first sign-in (see issue_token)

    try:
        return jwt.decode(token, secret_key, algorithms=['HS256'], issuer=TOKEN_ISSUER,
                          options={'require': ['sub', 'ver', 'iat', 'exp', 'iss']})
    except jwt.ExpiredSignatureError:
        raise SessionInvalid(N_('Your session has expired. Please sign in again.')) from None
    except jwt.InvalidTokenError:
        raise SessionInvalid(N_('Your session is not valid. Please sign in again.')) from None


def check_session(token: str | None, secret_key: str, *, now: datetime | None = None) -> SessionInfo:
    """The signed-in user behind `token`, with a fresh token when the old one should be renewed.

    Raises SessionInvalid when there is no usable session.
    """
    if not token:
        raise SessionInvalid(N_('Please sign in to continue.'))
    claims = decode_token(token, secret_key)
    with db.session() as session:
        user = session.get(User, int(claims['sub']))
    if user is not None and not user.is_active:  # before the version check: deactivating bumps the version
        raise SessionInvalid(DEACTIVATED, admins=_administrators())
    if user is None or user.session_version != claims['ver']:
        raise SessionInvalid(N_('Your session is not valid. Please sign in again.'))
    now = now or utcnow()
    renew = now.timestamp() - claims['iat'] >= RENEW_AFTER.total_seconds()
    return SessionInfo(user=user, renewed_token=issue_token(user, secret_key, now=now) if renew else None)


def sign_in(username: str, password: str, *, ip: str, secret_key: str) -> tuple[User, str]:
    """Check the credentials and return the user with a new token.

    Raises AuthError with one generic message for a wrong name or password, or a lock message after
    repeated failures for this username or this client. Every outcome is audited.
    """
    username = username.strip().casefold()
    refuse_while_locked(username, ip)
    with db.session() as session:
        user = session.exec(select(User).where(User.username == username)).first()
    valid = verify_password(password, user.password_hash if user else _DUMMY_HASH.decode('ascii'))
    with db.session() as session:
        if not valid or user is None or not user.is_active:
            audit.record(session, audit.Action.LOGIN_FAILED, target=username, ip=ip,
                         detail='inactive' if valid and user is not None else '')
        else:
            audit.record(session, audit.Action.LOGIN_SUCCEEDED, actor_id=user.id, target=username, ip=ip)
    if user is not None and valid and not user.is_active:
        raise AuthError(DEACTIVATED, admins=_administrators())
    if user is None or not valid:
        raise AuthError(N_('Wrong username or password.'))
    return user, issue_token(user, secret_key)


def _administrators() -> str:
    """The active administrators' names, for a deactivated user to know whom to ask."""
    with db.session() as session:
        names = session.exec(select(User.username).where(User.role == Role.ADMIN, User.is_active.is_(True))
                             .order_by(User.username)).all()
    return ', '.join(names)


def refuse_while_locked(username: str, ip: str) -> None:
    """Raise AuthError (and audit it) while repeated password failures lock this username or this client."""
    with db.session() as session:
        locked_minutes = _locked_minutes(session, username, ip)
        if locked_minutes:
            audit.record(session, audit.Action.LOGIN_LOCKED, target=username, ip=ip)
    if locked_minutes:
        singular, plural = NP_('Too many failed sign-ins. Try again in %(n)s minute.',
                               'Too many failed sign-ins. Try again in %(n)s minutes.')
        raise AuthError(singular, plural=plural, n=locked_minutes)


def record_password_failure(username: str, ip: str, *, detail: str = '') -> None:
    """A wrong password for `username`: it counts towards the same locks as a failed sign-in."""
    with db.session() as session:
        audit.record(session, audit.Action.LOGIN_FAILED, target=username, ip=ip, detail=detail)


def record_sign_out(user: User, *, ip: str) -> None:
    with db.session() as session:
        audit.record(session, audit.Action.LOGOUT, actor_id=user.id, target=user.username, ip=ip)


def _locked_minutes(session: Session, username: str, ip: str) -> int:
    """Minutes left on a lock for this username or client, 0 when neither is locked."""
    now = utcnow()
    since = now - FAILURE_WINDOW
    success = audit.last_success(session, username)
    by_name = audit.failure_times(session, since=max(since, success) if success else since, target=username)
    by_client = audit.failure_times(session, since=since, ip=ip) if ip else []
    until = now
    if len(by_name) >= FAILURE_LIMIT_PER_USERNAME:
        until = max(until, by_name[FAILURE_LIMIT_PER_USERNAME - 1] + LOCK_DURATION)
    if len(by_client) >= FAILURE_LIMIT_PER_CLIENT:
        until = max(until, by_client[FAILURE_LIMIT_PER_CLIENT - 1] + LOCK_DURATION)
    seconds = (until - now).total_seconds()
    return int(-(-seconds // 60)) if seconds > 0 else 0
