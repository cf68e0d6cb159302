"""The TikTok client against the fake Content Posting API (a real HTTP server on 127.0.0.1)."""
from __future__ import annotations

import hashlib
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.platforms import base
from services.platforms.base import Account, MediaFile, NeedsReconnect, PostContent, Rejected, Retryable
from services.platforms.tiktok import client as tiktok
from services.platforms.tiktok.client import ChunkPlan, TikTokClient, data_or_raise
from tests.fakes.tiktok import (
    DEFAULT_ACCESS_TOKEN,
    DEFAULT_CLIENT_KEY,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    FakeTikTok,
    Fault,
    chunk_plan_problem,
)

LARGE = 25_500_001  # two chunks: 10,000,000 bytes and the rest


@pytest.fixture
def fake():
    with FakeTikTok() as server:
        yield server


@pytest.fixture(autouse=True)
async def fresh_http_client():
    """Each test runs in its own event loop; the shared client must not outlive it."""
    yield
    await base.close_http_client()


def creator(**credentials: str) -> Account:
    return Account('tiktok', {'client_key': DEFAULT_CLIENT_KEY, 'client_secret': DEFAULT_CLIENT_SECRET,
                              'access_token': DEFAULT_ACCESS_TOKEN, 'refresh_token': DEFAULT_REFRESH_TOKEN,
                              **credentials})


def expired() -> Account:
    return creator(expires_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat())


def video(folder: Path, size: int = 4096, *, duration_s: float = 12.0) -> MediaFile:
    """A file of `size` bytes that passes for an MP4: the fake never decodes it."""
    path = folder / f'clip-{size}.mp4'
    path.write_bytes(random.Random(size).randbytes(size))
    return MediaFile(path, 'video/mp4', width=1080, height=1920, duration_s=duration_s)


def post(clip: MediaFile, **options: str) -> PostContent:
    return PostContent('Hello TikTok #fyp', (clip,), options)


def client(fake: FakeTikTok, **settings: float) -> TikTokClient:
    return TikTokClient(fake.base_url, poll_interval=0.01, **settings)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def uploads(fake: FakeTikTok) -> list[tuple[str, int]]:
    return [(call.params['content_range'], call.status) for call in fake.calls_to('upload')]


async def test_public_video_is_posted_with_its_link(fake, tmp_path):
    clip = video(tmp_path)

    result = await client(fake).publish(post(clip, privacy='PUBLIC_TO_EVERYONE'), creator())

    [upload] = fake.uploads
    assert (upload.title, upload.privacy_level) == ('Hello TikTok #fyp', 'PUBLIC_TO_EVERYONE')
    assert (upload.received, upload.sha256, upload.content_types) == (4096, sha256(clip.path), ['video/mp4'])
    assert [call.endpoint for call in fake.calls] == ['creator_info', 'init', 'upload', 'status', 'status']
    [init] = fake.calls_to('init')
    assert init.params['source_info'] == {'source': 'FILE_UPLOAD', 'video_size': 4096, 'chunk_size': 4096,
                                          'total_chunk_count': 1}
    assert result.remote_id == upload.post_id
    assert result.remote_url == f'https://www.tiktok.com/@fake.creator/video/{upload.post_id}'


@pytest.mark.parametrize(('options', 'chosen'), [
    (('PUBLIC_TO_EVERYONE', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY'), 'SELF_ONLY'),
    (('FOLLOWER_OF_CREATOR', 'PUBLIC_TO_EVERYONE'), 'FOLLOWER_OF_CREATOR'),
], ids=['self only when offered', 'else the first option'])
async def test_video_without_a_chosen_privacy_goes_out_privately_without_a_link(tmp_path, options, chosen):
    with FakeTikTok(privacy_level_options=options) as fake:
        result = await client(fake).publish(post(video(tmp_path)), creator())

    [upload] = fake.uploads
    assert upload.privacy_level == chosen
    assert (result.remote_id, result.remote_url) == (upload.publish_id, None)


@pytest.mark.parametrize(('size', 'ranges'), [
    (6_000_000, ['bytes 0-5999999/6000000']),
    (LARGE, ['bytes 0-9999999/25500001', 'bytes 10000000-25500000/25500001']),
], ids=['6 MB whole', '25.5 MB in two chunks'])
async def test_video_goes_in_ten_million_byte_chunks_the_last_taking_the_rest(fake, tmp_path, size, ranges):
    clip = video(tmp_path, size)

    await client(fake).publish(post(clip), creator())

    [init] = fake.calls_to('init')
    source = init.params['source_info']
    assert (source['video_size'], source['chunk_size']) == (size, min(size, 10_000_000))
    assert source['total_chunk_count'] == len(ranges)
    assert uploads(fake) == [(content_range, 206) for content_range in ranges[:-1]] + [(ranges[-1], 201)]
    assert (fake.uploads[0].received, fake.uploads[0].sha256) == (size, sha256(clip.path))


@pytest.mark.parametrize('size', [1, 4_999_999, 5_000_000, 5_242_879, 5_242_880, 6_000_000, 9_999_999,
                                  10_000_000, 19_999_999, 20_000_000, 64_000_001, 67_108_865, 4 * 2**30])
def test_chunk_plan_is_valid_whether_a_megabyte_is_a_million_or_2_to_the_20_bytes(size):
    plan = ChunkPlan.for_size(size)

    assert chunk_plan_problem(plan.size, plan.chunk_size, plan.count) is None
    assert plan.span(plan.count - 1)[1] == size - 1


def test_fake_refuses_chunk_plans_that_break_the_rules():
    assert chunk_plan_problem(6_000_000, 3_000_000, 2)  # chunks under 5 MB
    assert chunk_plan_problem(4_000_000, 2_000_000, 2)  # a small video must go whole
    assert chunk_plan_problem(70_000_000, 70_000_000, 1)  # over 64 MB in one chunk
    assert chunk_plan_problem(25_000_000, 10_000_000, 3)  # count is not floor(size / chunk)


async def test_chunk_whose_answer_was_lost_is_not_sent_twice_after_the_416(fake, tmp_path):
    clip = video(tmp_path, LARGE)
    fake.inject(Fault.dropped(after_taking=True), on='upload')  # the first chunk arrives, its answer does not

    await client(fake).publish(post(clip), creator())

    assert uploads(fake) == [('bytes 0-9999999/25500001', 206), ('bytes 0-9999999/25500001', 416),
                             ('bytes 10000000-25500000/25500001', 201)]
    assert (fake.uploads[0].received, fake.uploads[0].sha256) == (LARGE, sha256(clip.path))


async def test_416_with_the_servers_progress_resends_what_it_lacks(fake, tmp_path):
    fake.inject(Fault.range_mismatch())

    await client(fake).publish(post(video(tmp_path)), creator())

    assert uploads(fake) == [('bytes 0-4095/4096', 416), ('bytes 0-4095/4096', 201)]


async def test_chunk_meeting_server_errors_is_sent_again(fake, tmp_path):
    clip = video(tmp_path)
    fake.inject(Fault.server_error(503), times=2, on='upload')

    await client(fake).publish(post(clip), creator())

    assert [status for _, status in uploads(fake)] == [503, 503, 201]
    assert fake.uploads[0].sha256 == sha256(clip.path)


async def test_chunk_failing_every_time_is_retryable(fake, tmp_path):
    fake.inject(Fault.dropped(), times=3, on='upload')

    with pytest.raises(Retryable):
        await client(fake).publish(post(video(tmp_path)), creator())

    assert fake.uploads[0].received == 0


async def test_expired_upload_address_is_retryable(fake, tmp_path):
    fake.upload_url_ttl = -1

    with pytest.raises(Retryable) as caught:
        await client(fake).publish(post(video(tmp_path)), creator())

    assert caught.value.status == 403


@pytest.mark.parametrize(('reason', 'error'), [('spam_risk_text', Rejected), ('file_format_check_failed', Rejected),
                                               ('internal', Retryable), ('video_pull_failed', Retryable)])
async def test_failed_publish_names_tiktoks_reason(fake, tmp_path, reason, error):
    fake.inject(Fault.publish_failed(reason))

    with pytest.raises(error) as caught:
        await client(fake).publish(post(video(tmp_path)), creator())

    assert type(caught.value) is error
    assert reason in caught.value.message and 'log_id ' in caught.value.message


async def test_publish_still_processing_at_the_deadline_is_retryable(tmp_path):
    with FakeTikTok(processing_polls=1_000_000) as fake:
        with pytest.raises(Retryable, match='still processing'):
            await client(fake, poll_timeout=0.2).publish(post(video(tmp_path)), creator())


async def test_expired_token_is_refreshed_first_and_the_account_keeps_the_rotated_tokens(fake, tmp_path):
    account = expired()

    await client(fake).publish(post(video(tmp_path)), account)

    assert [call.endpoint for call in fake.calls][:2] == ['token', 'creator_info']
    updates = account.credentials
    assert updates['refresh_token'] == fake.refresh_token != DEFAULT_REFRESH_TOKEN
    assert updates['access_token'] in fake.access_tokens and updates['access_token'] != DEFAULT_ACCESS_TOKEN
    assert datetime.fromisoformat(updates['expires_at']) > datetime.now(UTC) + timedelta(hours=1)
    assert datetime.fromisoformat(updates['refresh_expires_at']) > datetime.now(UTC) + timedelta(days=30)
    with pytest.raises(NeedsReconnect, match='invalid_grant'):  # the old refresh token died with the rotation
        await client(fake).refresh(creator())


async def test_rotated_tokens_survive_a_failed_publish(fake, tmp_path):
    fake.inject(Fault.publish_failed('internal'))
    tiktok_client, account = client(fake), expired()
    with pytest.raises(Retryable):
        await tiktok_client.publish(post(video(tmp_path)), account)
    assert account.credentials['refresh_token'] == fake.refresh_token

    # the engine retries with the same account: the rotated tokens are used, the dead refresh token never again
    await tiktok_client.publish(post(video(tmp_path)), account)

    assert len(fake.calls_to('token')) == 1 and len(fake.uploads) == 2


async def test_refused_access_token_is_refreshed_once_and_the_post_goes_out(fake, tmp_path):
    fake.inject(Fault.token_expired())
    account = creator()

    await client(fake).publish(post(video(tmp_path)), account)

    assert [call.endpoint for call in fake.calls][:3] == ['creator_info', 'token', 'creator_info']
    assert account.credentials['refresh_token'] == fake.refresh_token


async def test_access_token_refused_again_after_the_refresh_needs_reconnect(fake, tmp_path):
    fake.inject(Fault.token_expired(), times=2)

    with pytest.raises(NeedsReconnect, match='access_token_invalid'):
        await client(fake).publish(post(video(tmp_path)), creator())

    assert fake.uploads == []


async def test_revoked_app_needs_reconnect(fake, tmp_path):
    fake.revoke()

    with pytest.raises(NeedsReconnect) as caught:
        await client(fake).publish(post(video(tmp_path)), creator())

    assert 'invalid_grant' in caught.value.message and 'log_id ' in caught.value.message
    assert [(call.endpoint, call.status) for call in fake.calls] == [('creator_info', 401), ('token', 400)]


async def test_privacy_the_creator_does_not_allow_is_rejected_before_init(tmp_path):
    with FakeTikTok(privacy_level_options=('SELF_ONLY',)) as fake:
        with pytest.raises(Rejected, match='PUBLIC_TO_EVERYONE'):
            await client(fake).publish(post(video(tmp_path), privacy='PUBLIC_TO_EVERYONE'), creator())

    assert fake.calls_to('init') == []


async def test_video_longer_than_the_creator_may_post_is_rejected_before_init(tmp_path):
    with FakeTikTok(max_video_post_duration_sec=60) as fake:
        with pytest.raises(Rejected, match='60'):
            await client(fake).publish(post(video(tmp_path, duration_s=61.5)), creator())

    assert fake.calls_to('init') == []


async def test_photos_are_refused_without_calling_tiktok(fake, tmp_path):
    photo = MediaFile(tmp_path / 'photo.jpg', 'image/jpeg', url='https://example.com/m/photo.jpg')

    with pytest.raises(Rejected, match='public web addresses'):
        await client(fake).publish(PostContent('Look', (photo,)), creator())

    assert fake.calls == []


async def test_seventh_init_within_a_minute_is_retryable(fake, tmp_path):
    clip = video(tmp_path)
    for _ in range(6):
        await client(fake).publish(post(clip), creator())

    with pytest.raises(Retryable) as caught:
        await client(fake).publish(post(clip), creator())

    assert (caught.value.status, caught.value.retry_after) == (429, 60)
    assert 'rate_limit_exceeded' in caught.value.message and 'log_id ' in caught.value.message
    assert len(fake.uploads) == 6


async def test_check_names_the_creator(fake):
    assert await client(fake).check(creator()) == 'Fake Creator'
    fake.nickname = ''
    assert await client(fake).check(creator()) == '@fake.creator'


@pytest.mark.parametrize(('status', 'code', 'error'), [
    (401, 'access_token_invalid', NeedsReconnect), (401, 'scope_not_authorized', NeedsReconnect),
    (429, 'rate_limit_exceeded', Retryable), (403, 'spam_risk_too_many_posts', Rejected),
    (403, 'privacy_level_option_mismatch', Rejected), (403, 'unaudited_client_can_only_post_to_private_accounts',
                                                       Rejected),
    (400, 'invalid_params', Rejected), (500, 'internal_error', Retryable), (503, 'something_new', Retryable),
])
def test_answers_map_to_the_error_the_engine_acts_on(status, code, error):
    response = httpx.Response(status, json={'data': {}, 'error': {'code': code, 'message': 'Words', 'log_id': 'L7'}})

    with pytest.raises(error) as caught:
        data_or_raise(response)

    assert type(caught.value) in (error, tiktok.AccessTokenInvalid)
    assert caught.value.message == f'Words ({code}, log_id L7)'
    assert caught.value.status == status
