from datetime import timedelta

import jwt
import pytest

from services.core.models import User, utcnow
from services.team import auth
from services.team.auth import AuthError, SessionInvalid

SECRET = 'unit-test-secret-that-is-long-enough-for-hs256'


def test_hash_verifies_only_the_same_password():
    hashed = auth.hash_password('a long enough password')
    assert hashed.startswith('$2b$12$')
    assert auth.verify_password('a long enough password', hashed)
    assert not auth.verify_password('a long enough passworD', hashed)


def test_short_password_is_refused():
    with pytest.raises(AuthError) as refused:
        auth.hash_password('short')
    assert refused.value.params == {'min': 10}


def test_password_over_72_bytes_is_refused_not_truncated():
    with pytest.raises(AuthError):
        auth.hash_password('x' * 73)
    arabic = 'كلمة' * 10  # 40 letters, 80 bytes
    with pytest.raises(AuthError):
        auth.hash_password(arabic)
    hashed = auth.hash_password('x' * 72)
    assert not auth.verify_password('x' * 72 + 'extra', hashed)


def test_token_round_trip_and_claims():
    user = User(id=7, username='sam', password_hash='', session_version=3)
    claims = auth.decode_token(auth.issue_token(user, SECRET), SECRET)
    assert claims['sub'] == '7' and claims['ver'] == 3
    assert claims['exp'] - claims['iat'] == 30 * 60


def test_expired_token_is_refused_as_expired():
    user = User(id=1, username='sam', password_hash='')
    old = auth.issue_token(user, SECRET, now=utcnow() - timedelta(minutes=31))
    with pytest.raises(SessionInvalid, match='expired'):
        auth.decode_token(old, SECRET)


@pytest.mark.parametrize('forge', [
    lambda token: token[:-3] + ('AAA' if not token.endswith('AAA') else 'BBB'),  # tampered signature
    lambda token: auth.issue_token(User(id=1, username='x', password_hash=''), 'another-servers-key-of-32-chars+'),
    lambda token: jwt.encode({'sub': '1', 'ver': 1, 'iat': 0, 'exp': 9999999999}, SECRET),  # not issued by us
    lambda token: jwt.encode({'sub': '1'}, '', algorithm='none'),  # unsigned
])
def test_tampered_or_foreign_tokens_are_refused(forge):
    token = auth.issue_token(User(id=1, username='x', password_hash=''), SECRET)
    with pytest.raises(SessionInvalid, match='not valid'):
        auth.decode_token(forge(token), SECRET)
