"""Throttling of failed sign-ins, per username and per client address, on the audit log."""
from datetime import timedelta

import pytest

from services.core import db
from services.core.models import AuditEvent, utcnow
from services.team import audit, auth, users
from services.team.auth import AuthError
from tests.harness import boot, first_admin

SECRET = 'k' * 40
PASSWORD = 'the right password'


@pytest.fixture
def admin():
    boot()
    return first_admin('admin', PASSWORD, ip='10.0.0.1')


def failures(target: str, ip: str, count: int, *, age: timedelta = timedelta(0)) -> None:
    with db.session() as session:
        for _ in range(count):
            session.add(AuditEvent(action=audit.Action.LOGIN_FAILED, target=target, ip=ip,
                                   created_at=utcnow() - age))


def sign_in(username: str = 'admin', password: str = PASSWORD, ip: str = '10.0.0.9'):
    return auth.sign_in(username, password, ip=ip, secret_key=SECRET)


def test_five_recent_failures_lock_the_username_from_any_client(admin):
    failures('admin', '10.0.0.2', 5)
    with pytest.raises(AuthError) as refused:
        sign_in(ip='10.0.0.3')
    assert refused.value.plural and refused.value.n == 5


def test_old_failures_no_longer_count(admin):
    failures('admin', '10.0.0.2', 5, age=timedelta(minutes=6))
    user, token = sign_in()
    assert user.username == 'admin' and token


def test_a_success_clears_the_username_count(admin):
    failures('admin', '10.0.0.2', 4, age=timedelta(seconds=30))
    sign_in()
    failures('admin', '10.0.0.2', 1)
    assert sign_in()[0].username == 'admin'


def test_twenty_failures_from_one_client_lock_that_client_only(admin):
    for index in range(20):
        failures(f'guess{index}', '10.0.0.66', 1)
    with pytest.raises(AuthError, match='Too many failed sign-ins'):
        sign_in(ip='10.0.0.66')
    assert sign_in(ip='10.0.0.67')[0].username == 'admin'


def test_usernames_are_matched_without_case(admin):
    assert sign_in(username='  ADMIN ')[0].username == 'admin'


def test_wrong_current_passwords_on_password_change_count_towards_the_same_lock(admin):
    for _ in range(auth.FAILURE_LIMIT_PER_USERNAME):
        with pytest.raises(AuthError, match='current password is wrong'):
            users.change_password(admin.id, 'a guess at it', 'a brand new password', ip='10.0.0.4')
    with pytest.raises(AuthError) as refused:  # even the right one now waits, on the page and at sign-in
        users.change_password(admin.id, PASSWORD, 'a brand new password', ip='10.0.0.4')
    assert refused.value.plural
    with pytest.raises(AuthError) as refused:
        sign_in()
    assert refused.value.plural
