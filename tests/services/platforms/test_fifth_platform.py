"""A fifth platform, "Echo", brought along by this test alone (its spec, its client and a fake of its API): it is
connected from the environment, offered by the composer, and takes a post through the composer page and through the
REST API, without a line of the app changed for it."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import httpx
import pytest
from nicegui.testing import User
from sqlmodel import select

from services.connections import accounts
from services.core import db, events
from services.core.models import Delivery, DeliveryStatus
from services.platforms import registry
from services.platforms.base import Account, NeedsReconnect, PostContent, PublishResult, Rejected, Retryable, send
from services.platforms.spec import EnvAccount, MediaFacts, PlatformSpec, Problem, Rule, Setting, TextCounter
from services.publishing.engine import get_engine
from services.web.api import PostIn
from tests.conftest import ADMIN, eventually, open_signed_in
from tests.fakes.echo import DEFAULT_TOKEN, FakeEcho

ECHO_LIMIT = 280


class EchoClient:
    platform = 'echo'

    def __init__(self, api_url: str) -> None:
        self._api_url = api_url

    async def check(self, account: Account) -> str:
        answer = await send('Echo', 'GET', f'{self._api_url}/v1/me', read=_answer, headers=_bearer(account))
        return str(answer['name'])

    async def publish(self, content: PostContent, account: Account) -> PublishResult:
        answer = await send('Echo', 'POST', f'{self._api_url}/v1/posts', read=_answer, json={'text': content.text},
                            headers=_bearer(account))
        return PublishResult(str(answer['id']), str(answer['url']))


def _bearer(account: Account) -> dict[str, str]:
    return {'Authorization': f'Bearer {account.credentials.get("token", "")}'}


def _answer(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    if response.status_code == 401:
        raise NeedsReconnect(body['error'], status=401)
    if response.status_code >= 500:
        raise Retryable(body['error'], status=response.status_code)
    if not response.is_success:
        raise Rejected(body['error'], status=response.status_code)
    return body


def _length(text: str, _media: Sequence[MediaFacts], _options: Mapping[str, Any]) -> Problem | None:
    if len(text) > ECHO_LIMIT:
        return Problem('%(platform)s: at most %(limit)s characters.', {'limit': ECHO_LIMIT})
    return None


ECHO = PlatformSpec(
    name='echo', label='Echo', icon='campaign',
    client=lambda settings: EchoClient(settings['api_url']),
    counter=TextCounter(len, lambda _has_media: ECHO_LIMIT),
    rules=(Rule('length', _length, ECHO_LIMIT),),
    settings=(Setting('api_url', 'ECHO_API_URL', 'https://echo.example', is_url=True), Setting('token', 'ECHO_TOKEN')),
    env_account=EnvAccount({'token': 'token'}),
)


@pytest.fixture
def echo(monkeypatch):
    """The Echo platform registered and connected through its environment variables (before `user` starts the app)."""
    with FakeEcho() as fake:
        registry.register(ECHO)
        for name, value in {'ECHO_API_URL': fake.base_url, 'ECHO_TOKEN': DEFAULT_TOKEN,
                            'ECHO_PACING_SECONDS': '0'}.items():
            monkeypatch.setenv(name, value)
        try:
            yield fake
        finally:
            registry.unregister(ECHO.name)


@pytest.fixture(autouse=True)
def no_page_left_listening():
    """The simulated user's page clients outlive the test, and so would their live-status subscriptions: later tests
    in this run (the engine's) would then call them on a closed loop."""
    before = set(events._listeners)
    yield
    events._listeners.intersection_update(before)


def echo_delivery() -> Delivery:
    with db.session() as session:
        return session.exec(select(Delivery).where(Delivery.platform == 'echo')).one()


async def test_a_post_reaches_the_fifth_platform_through_the_composer(echo: FakeEcho, user: User, admin):
    await open_signed_in(user, *ADMIN)
    await user.open('/compose')
    box = user.find(marker='platform-echo').elements.pop()
    assert box.enabled  # its account came from the environment
    box.set_value(True)
    user.find(marker='post-text').type('Hello, Echo')
    await user.should_see('Echo 11/280')  # its own counter
    await user.should_see(marker='preview-echo')
    user.find(marker='post-text').type('!' * ECHO_LIMIT)
    await user.should_see('Echo: at most 280 characters.')  # its own rule
    user.find(marker='post-text').clear().type('Hello, Echo')

    user.find(marker='publish-now').click()

    await user.should_see(marker='post-status', retries=40)
    await get_engine().wait_idle()
    assert [post.text for post in echo.posts] == ['Hello, Echo']
    delivery = echo_delivery()
    assert (delivery.status, delivery.remote_url) == (DeliveryStatus.PUBLISHED,
                                                      f'https://echo.example/p/{echo.posts[0].id}')
    await user.should_see('Published', retries=40)


async def test_a_post_reaches_the_fifth_platform_through_the_api(echo: FakeEcho, user: User, admin):
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test') as api:
        signed = await api.post('/api/v1/token', json={'username': ADMIN[0], 'password': ADMIN[1]})
        headers = {'Authorization': f'Bearer {signed.json()["access_token"]}'}

        created = await api.post('/api/v1/posts', headers=headers,
                                 json={'text': 'From a script', 'platforms': ['echo'], 'action': 'publish'})
        assert created.status_code == 201, created.text
        await get_engine().wait_idle()
        post = (await api.get(f'/api/v1/posts/{created.json()["id"]}', headers=headers)).json()

    assert [p.text for p in echo.posts] == ['From a script']
    [delivery] = post['deliveries']
    assert (delivery['platform'], delivery['status']) == ('echo', 'published')
    assert delivery['remote_url'] == f'https://echo.example/p/{echo.posts[0].id}'
    assert 'echo' in PostIn.model_json_schema()['properties']['platforms']['items']['enum']  # the API's schema


async def test_the_fifth_platforms_account_is_named_by_its_check(echo: FakeEcho, user: User, admin):
    await open_signed_in(user, *ADMIN)
    await user.open('/channels')
    await user.should_see('Echo')
    user.find(marker='test-connection').click()
    await eventually(lambda: [row.display_name for row in accounts.list_accounts()] == ['Echo Bot'])
