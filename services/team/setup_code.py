"""The one-time code that guards the first-run page, as Jupyter guards its server with a token.

Until the first administrator exists, anyone who reaches the port could become it; a proxy in front makes every
request look local, so being on the same machine proves nothing. At each start without users the app prints a
link carrying a new random code; only a form that carries it may create the administrator. Only the code's hash
is kept, in this process's memory: a restart prints a fresh link and voids the old one.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from services.core import db
from services.core.i18n import N_, NP_
from services.core.models import utcnow
from services.team import audit, users
from services.team.auth import AuthError

# 128 random bits cannot be guessed; the limit only stops a script from filling the audit log.
FAILURE_LIMIT_PER_CLIENT = 5
FAILURE_WINDOW = timedelta(minutes=5)
LOCK_DURATION = timedelta(minutes=5)
CODE_MISSING = N_("Open the setup link the app printed when it started: it carries a one-time code. Find it in the "
                  "app's output (with Docker: docker logs and the container's name). Each start prints a new link "
                  'until the administrator exists.')
CODE_WRONG = N_("This setup code is not valid. Use the link from the app's latest start.")

_code_hash: bytes | None = None


class SetupCodeRefused(AuthError):
    """The setup code is missing, wrong, or this client has sent too many wrong ones."""


def issue() -> str:
    """A new setup code (to print, never to store); it replaces any earlier one."""
    global _code_hash
    code = secrets.token_urlsafe(16)
    _code_hash = _digest(code)
    return code


def forget() -> None:
    """Void the code: the administrator exists."""
    global _code_hash
    _code_hash = None


def check(code: str, *, ip: str) -> None:
    """Accept `code` when it is the one this process printed.

    Raises SetupCodeRefused: CODE_MISSING for an empty code (not audited: every visitor of a fresh install lands
    here), CODE_WRONG for a wrong one or once an administrator exists (audited; it counts towards the lock), or a
    lock message while this client has sent too many wrong codes (then even the right code waits).
    """
    if not code:
        raise SetupCodeRefused(CODE_MISSING)
    with db.session() as session:
        failures = audit.failure_times(session, since=utcnow() - FAILURE_WINDOW, ip=ip,
                                       action=audit.Action.SETUP_CODE_REFUSED)
    if len(failures) >= FAILURE_LIMIT_PER_CLIENT:
        seconds = (failures[FAILURE_LIMIT_PER_CLIENT - 1] + LOCK_DURATION - utcnow()).total_seconds()
        singular, plural = NP_('Too many wrong setup codes. Try again in %(n)s minute.',
                               'Too many wrong setup codes. Try again in %(n)s minutes.')
        raise SetupCodeRefused(singular, plural=plural, n=max(1, int(-(-seconds // 60))))
    if _code_hash is None or users.has_users() or not hmac.compare_digest(_digest(code), _code_hash):
        with db.session() as session:
            audit.record(session, audit.Action.SETUP_CODE_REFUSED, ip=ip)
        raise SetupCodeRefused(CODE_WRONG)


def _digest(code: str) -> bytes:
    return hashlib.sha256(code.encode('utf-8')).digest()
