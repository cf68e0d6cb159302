"""The one credential lifecycle every client whose tokens expire shares (`base.TokenSession`): a renewed, rotated
token is stored the moment it arrives, even when the call that needed it then fails, and whoever reads the account
next — a retry, another delivery, the engine — uses it instead of the refresh token that died with the rotation."""
from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from services.connections import accounts
from services.core import db
from services.core.config import configure, load_settings
from services.core.models import Delivery, DeliveryAttempt, DeliveryStatus
from services.media import library
from services.platforms import base
from services.platforms.base import Account, MediaFile, PostContent, Retryable
from services.platforms.tiktok.client import TikTokClient
from services.posts import editing
from services.posts.editing import PostInput, SaveAction
from services.publishing import engine
from services.team import users
from tests.fakes.tiktok import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_CLIENT_KEY,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    FakeTikTok,
    Fault,
)
from tests.harness.builders import channels_of
from tests.media_samples import make_clip_for_every_platform


class RecordingStore:
    """Credentials kept in memory, as the database keeps them: what was saved, and which calls TikTok had had then."""

    def __init__(self, fake: FakeTikTok, credentials: dict[str, str]) -> None:
        self.fake, self.stored = fake, dict(credentials)
        self.saves: list[tuple[dict[str, str], list[str]]] = []

    def load(self) -> dict[str, str]:
        return dict(self.stored)

    def save(self, changes: dict[str, str]) -> None:
        self.saves.append((dict(changes), [call.endpoint for call in self.fake.calls]))
        self.stored.update(changes)


@pytest.fixture
def fake():
    with FakeTikTok(processing_polls=0) as server:
        yield server


@pytest.fixture(autouse=True)
async def fresh_http_client():
    yield
    await base.close_http_client()


def expired_credentials() -> dict[str, str]:
    return {'client_key': DEFAULT_CLIENT_KEY, 'client_secret': DEFAULT_CLIENT_SECRET,
            'access_token': DEFAULT_ACCESS_TOKEN, 'refresh_token': DEFAULT_REFRESH_TOKEN,
            'expires_at': (datetime.now(UTC) - timedelta(minutes=1)).isoformat()}


def clip(folder: Path) -> MediaFile:
    path = folder / 'clip.mp4'
    path.write_bytes(random.Random(1).randbytes(4096))  # the fake never decodes it
    return MediaFile(path, 'video/mp4', width=1080, height=1920, duration_s=5.0)


async def test_a_rotated_token_is_stored_before_the_call_goes_on_even_when_it_then_fails(fake, tmp_path):
    store = RecordingStore(fake, expired_credentials())
    fake.inject(Fault.publish_failed('internal'))

    with pytest.raises(Retryable):
        await TikTokClient(fake.base_url, poll_interval=0.01).publish(
            PostContent('Hi', (clip(tmp_path),)), Account('tiktok', store.load(), id=7, store=store))

    [(saved, calls_by_then)] = store.saves
    assert calls_by_then == ['token']  # stored at once, before anything else was asked
    assert saved['refresh_token'] == fake.refresh_token != DEFAULT_REFRESH_TOKEN
    assert store.stored['access_token'] in fake.access_tokens


async def test_two_calls_on_one_account_renew_its_rotating_token_once(fake):
    store = RecordingStore(fake, expired_credentials())
    client = TikTokClient(fake.base_url)
    # two deliveries (or a delivery and the composer) each loaded the account before either renewed it
    first, second = (Account('tiktok', store.load(), id=7, store=store) for _ in range(2))

    names = await asyncio.gather(client.check(first), client.check(second))

    assert names == ['Fake Creator', 'Fake Creator']
    assert len(fake.calls_to('token')) == 1  # the second renewal would have used a dead refresh token
    assert first.credentials['refresh_token'] == second.credentials['refresh_token'] == fake.refresh_token


async def test_the_engines_retry_uses_the_token_the_failed_attempt_stored(fake, tmp_path):
    settings = configure(load_settings({'DATA_DIR': str(tmp_path / 'data'), 'SECRET_KEY': 't' * 40,
                                        'TIKTOK_API_URL': fake.base_url, 'TIKTOK_PACING_SECONDS': '0',
                                        'RETRY_BASE_SECONDS': '0.01', 'PUBLISH_MAX_ATTEMPTS': '2'}, env_file=None))
    db.init_db(settings.database_url)
    users.forget_cached_state()
    author = users.create_first_admin('author', 'a long password!', language='en', time_zone='UTC', ip='')
    row = accounts.save_account('tiktok', 'Fake Creator', expired_credentials())
    video = make_clip_for_every_platform(tmp_path)

    async def chunks():
        yield video.read_bytes()

    asset = await library.store_upload(chunks(), video.name, uploaded_by=author.id)
    post = editing.save_post(author.id, PostInput('Twice asked, once renewed', [asset.id], channels_of(['tiktok']),
                                                  {'tiktok': {'privacy': 'SELF_ONLY'}}), SaveAction.PUBLISH)
    fake.inject(Fault.publish_failed('internal'))  # the first attempt fails after the renewal

    await engine.init_engine(settings).publish_post(post.id)

    with db.session() as session:
        delivery = session.exec(select(Delivery)).one()
        outcomes = [a.outcome for a in session.exec(select(DeliveryAttempt).order_by(DeliveryAttempt.id))]
    assert (delivery.status, outcomes) == (DeliveryStatus.PUBLISHED, ['retry', 'published'])
    assert len(fake.calls_to('token')) == 1 and len(fake.uploads) == 2
    stored = accounts.credentials_of(accounts.get_account(row.id)).credentials
    assert stored['refresh_token'] == fake.refresh_token != DEFAULT_REFRESH_TOKEN
