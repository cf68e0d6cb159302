"""The one-time setup code: only the newest printed code opens setup, wrong ones are audited and throttled, and
none works once the administrator exists."""
from datetime import timedelta

import pytest
from sqlmodel import select

from services.core import db
from services.core.models import AuditEvent, utcnow
from services.team import audit, setup_code, users
from services.team.setup_code import CODE_MISSING, CODE_WRONG, SetupCodeRefused


@pytest.fixture
def fresh_install(tmp_path):
    db.init_db(f'sqlite:///{tmp_path / "setup.db"}')
    users.forget_cached_state()
    yield
    setup_code.forget()
    db.engine().dispose()


def refusal(code: str, ip: str = '10.0.0.9') -> SetupCodeRefused:
    with pytest.raises(SetupCodeRefused) as refused:
        setup_code.check(code, ip=ip)
    return refused.value


def refused_codes() -> list[str]:
    """The client address of each audited wrong code."""
    with db.session() as session:
        return list(session.exec(select(AuditEvent.ip).where(AuditEvent.action == audit.Action.SETUP_CODE_REFUSED)))


def test_the_printed_code_is_accepted_and_a_missing_one_is_explained_without_an_audit_row(fresh_install):
    code = setup_code.issue()
    setup_code.check(code, ip='10.0.0.9')
    assert refusal('').message == CODE_MISSING
    assert refused_codes() == []


def test_a_new_start_voids_the_code_printed_before(fresh_install):
    old = setup_code.issue()
    new = setup_code.issue()
    assert new != old
    assert refusal(old).message == CODE_WRONG
    setup_code.check(new, ip='10.0.0.9')


def test_no_code_works_before_one_was_issued(fresh_install):
    assert refusal('anything').message == CODE_WRONG


def test_wrong_codes_are_audited_and_five_lock_that_client_even_with_the_right_code(fresh_install):
    code = setup_code.issue()
    for _ in range(5):
        assert refusal('guess', ip='10.0.0.2').message == CODE_WRONG
    assert refused_codes() == ['10.0.0.2'] * 5
    locked = refusal(code, ip='10.0.0.2')
    assert locked.plural and locked.n == 5
    assert locked.text('en') == 'Too many wrong setup codes. Try again in 5 minutes.'
    setup_code.check(code, ip='10.0.0.3')  # another client is not held up


def test_old_wrong_codes_no_longer_count(fresh_install):
    code = setup_code.issue()
    with db.session() as session:
        for _ in range(5):
            session.add(AuditEvent(action=audit.Action.SETUP_CODE_REFUSED, ip='10.0.0.2',
                                   created_at=utcnow() - setup_code.FAILURE_WINDOW - timedelta(seconds=1)))
    setup_code.check(code, ip='10.0.0.2')


def test_the_code_is_void_once_the_administrator_exists(fresh_install):
    code = setup_code.issue()
    users.create_first_admin('admin', 'a long password!', language='en', time_zone='UTC', ip='10.0.0.9')
    assert refusal(code).message == CODE_WRONG
