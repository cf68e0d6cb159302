"""The REST API fuzzed by schemathesis against its own /openapi.json on a real app process.

Every answer must be one the schema documents (status, content type, body shape), bad input must be refused
with a 4xx and never a 500, and calls without a valid token must get the JSON 401.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance

from tests.app_process import start_app, stop_app
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeTelegram
from tests.harness import boot, first_admin, process_env

USERNAME, PASSWORD = 'admin', 'a long password!'
FUZZ = settings(max_examples=30, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


@pytest.fixture(scope='module')
def telegram():
    with FakeTelegram() as server:
        yield server


@pytest.fixture(scope='module')
def live_app(tmp_path_factory, telegram) -> dict[str, str]:
    """`python app.py` on a free port with an empty data folder, one admin and Telegram connected (to a fake, so
    posts get past "not connected" into the real checks, scheduling and publishing); yields its URL and a token."""
    folder = tmp_path_factory.mktemp('fuzzed_app')
    # SQLite in a folder of its own: the tests of the module share this app, and each test empties its database
    app_settings = {'DATA_DIR': str(folder / 'data'), 'SECRET_KEY': 'z' * 40,
                    'TELEGRAM_API_URL': telegram.base_url, 'TELEGRAM_BOT_TOKEN': DEFAULT_TOKEN,
                    'TELEGRAM_CHAT_ID': str(DEFAULT_CHAT_ID), 'TELEGRAM_PACING_SECONDS': '0'}
    boot(**app_settings)
    first_admin(USERNAME, PASSWORD)  # what setup would do, so the fuzzer can sign in
    process, base_url = start_app(process_env(**app_settings), folder, log=folder / 'app.log')
    try:
        # Signed in before the fuzzer's wrong passwords lock this client out of /token.
        signed_in = httpx.post(f'{base_url}/api/v1/token', json={'username': USERNAME, 'password': PASSWORD})
        assert signed_in.status_code == 200, signed_in.text
        yield {'url': base_url, 'Authorization': f'Bearer {signed_in.json()["access_token"]}'}
    finally:
        stop_app(process)


@pytest.fixture
def api_schema(live_app):
    schema = schemathesis.openapi.from_url(f'{live_app["url"]}/openapi.json')
    # Like most HTTP APIs it ignores query parameters it does not know, so sending one is not "bad input".
    schema.config.generation.update(allow_extra_parameters=False)

    @schema.hook
    def map_case(_context, case):
        """Generated times are mostly long past, which stops every schedule at the first check: send the valid
        ones an hour ahead, so scheduling, cancelling and the checks behind them run too."""
        body = case.body
        if (case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
                and isinstance(body, dict) and body.get('action') == 'schedule'):
            body['scheduled_at'] = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        return case

    return schema


api = schemathesis.pytest.from_fixture('api_schema').include(path_regex='^/api/v1/')
# The API refuses much that the schema cannot express (a platform that is not connected, a file that is no
# picture), always with a documented 4xx: "valid by the schema, so it must be accepted" does not hold here.
NOT_CHECKED = [positive_data_acceptance]


@api.parametrize()
@FUZZ
def test_signed_in_calls_get_documented_answers_never_a_500(case, live_app):
    case.call_and_validate(headers={'Authorization': live_app['Authorization']}, excluded_checks=NOT_CHECKED)


@api.exclude(path='/api/v1/token').parametrize()
@FUZZ
def test_calls_without_a_valid_token_are_refused_with_the_json_401(case):
    response = case.call_and_validate(excluded_checks=NOT_CHECKED)
    if case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE:
        assert response.status_code == 401, response.text
        assert response.json()['error']['code'] == 'unauthorized'
