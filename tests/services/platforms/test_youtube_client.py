"""The YouTube client against the fake Data API and token endpoint (a real HTTP server on 127.0.0.1)."""
from __future__ import annotations

import hashlib
import random
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from services.platforms import base
from services.platforms.base import Account, MediaFile, NeedsReconnect, PostContent, Rejected, Retryable
from services.platforms.youtube.client import YouTubeClient, result_or_raise
from tests.fakes.youtube import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_REFRESH_TOKEN,
    UPLOAD_UNIT,
    FakeYouTube,
    Fault,
)

SIZE = 4 * UPLOAD_UNIT + 50_000  # four full chunks and a short last one


@pytest.fixture
def fake():
    with FakeYouTube() as server:
        yield server


@pytest.fixture(autouse=True)
async def fresh_http_client():
    """Each test runs in its own event loop; the shared client must not outlive it."""
    yield
    await base.close_http_client()


def youtube(fake: FakeYouTube, chunk_size: int = UPLOAD_UNIT) -> YouTubeClient:
    return YouTubeClient(fake.base_url, fake.base_url, chunk_size=chunk_size, resume_backoff_s=0.01)


def account(**credentials: str) -> Account:
    return Account('youtube', {'client_id': DEFAULT_CLIENT_ID, 'client_secret': DEFAULT_CLIENT_SECRET,
                               'refresh_token': DEFAULT_REFRESH_TOKEN, **credentials})


def signed_in(fake: FakeYouTube) -> Account:
    """An account whose stored access token still works for an hour."""
    in_an_hour = (datetime.now(UTC) + timedelta(hours=1)).isoformat(timespec='seconds')
    return account(access_token=fake.issue_access_token(), expires_at=in_an_hour)


def clip(folder: Path, size: int = SIZE) -> MediaFile:
    # the fake never decodes videos: any bytes will do, as long as a lost or repeated one shows in the hash
    path = folder / 'clip.mp4'
    path.write_bytes(random.Random(size).randbytes(size))
    return MediaFile(path, 'video/mp4', width=1280, height=720, duration_s=12.0)


def post(video: MediaFile, text: str = 'A walk by the sea', **options: object) -> PostContent:
    return PostContent(text, (video,), {'title': 'Seaside', **options})


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def chunk_starts(fake: FakeYouTube) -> list[int]:
    return [int(call.content_range.split()[1].split('-')[0]) for call in fake.calls_of('upload')]


async def test_video_is_uploaded_with_its_metadata_and_watch_link(fake, tmp_path):
    video, channel = clip(tmp_path, 300_000), account()

    result = await youtube(fake, chunk_size=8 * UPLOAD_UNIT).publish(
        post(video, privacy='unlisted', tags=['sea', 'walk']), channel)

    [uploaded] = fake.videos
    assert uploaded.snippet == {'title': 'Seaside', 'description': 'A walk by the sea', 'tags': ['sea', 'walk']}
    assert (uploaded.status, uploaded.content_type) == ({'privacyStatus': 'unlisted'}, 'video/mp4')
    assert (uploaded.size, uploaded.sha256) == (300_000, sha256(video.path))
    assert (result.remote_id, result.remote_url) == (uploaded.id, f'https://www.youtube.com/watch?v={uploaded.id}')
    assert [call.kind for call in fake.calls] == ['token', 'insert', 'upload']
    assert {'access_token', 'expires_at'} <= set(channel.credentials)  # kept by the account


async def test_stored_token_that_still_works_is_used_and_nothing_is_renewed(fake, tmp_path):
    channel = signed_in(fake)
    before = dict(channel.credentials)

    await youtube(fake).publish(post(clip(tmp_path, 1000)), channel)

    assert fake.calls_of('token') == [] and channel.credentials == before
    assert fake.videos[0].status == {'privacyStatus': 'private'}  # the default


async def test_scheduled_video_stays_private_until_its_time_in_utc(fake, tmp_path):
    await youtube(fake).publish(post(clip(tmp_path, 1000), privacy='public', publish_at='2030-01-31T10:00:00+01:00'),
                                signed_in(fake))

    assert fake.videos[0].status == {'privacyStatus': 'private', 'publishAt': '2030-01-31T09:00:00Z'}


async def test_large_video_goes_in_256_kib_chunks_continuing_where_youtube_says(fake, tmp_path):
    video = clip(tmp_path)
    fake.inject(Fault.partial(keep=100_000), on='upload', skip=1)  # the second chunk only partly arrives

    await youtube(fake).publish(post(video), signed_in(fake))

    assert chunk_starts(fake) == [0, UPLOAD_UNIT, UPLOAD_UNIT + 100_000, 2 * UPLOAD_UNIT + 100_000,
                                  3 * UPLOAD_UNIT + 100_000]  # the last one is short: 212,144 bytes
    assert [call.status for call in fake.calls_of('upload')] == [308] * 4 + [201]
    assert sum(call.kept for call in fake.calls) == SIZE
    assert fake.videos[0].sha256 == sha256(video.path)


async def test_dropped_connection_resumes_from_the_bytes_that_arrived(fake, tmp_path):
    video = clip(tmp_path)
    fake.inject(Fault.dropped(after=100_000), on='upload', skip=1)

    result = await youtube(fake).publish(post(video), signed_in(fake))

    kinds = [call.kind for call in fake.calls]
    assert kinds == ['insert', 'upload', 'upload', 'status', 'upload', 'upload', 'upload']
    assert fake.calls_of('status')[0].status == 308
    assert chunk_starts(fake)[2] == UPLOAD_UNIT + 100_000  # nothing that arrived is sent again
    assert sum(call.kept for call in fake.calls) == SIZE == fake.videos[0].size
    assert fake.videos[0].sha256 == sha256(video.path) and result.remote_id == fake.videos[0].id


async def test_dropped_first_chunk_starts_over_when_nothing_arrived(fake, tmp_path):
    fake.inject(Fault.dropped(after=0), on='upload')

    await youtube(fake).publish(post(clip(tmp_path)), signed_in(fake))

    assert chunk_starts(fake)[:2] == [0, 0]
    assert sum(call.kept for call in fake.calls) == SIZE


@pytest.mark.parametrize('status', [500, 503])
async def test_server_error_on_a_chunk_asks_how_far_it_got_and_resumes(fake, tmp_path, status):
    video = clip(tmp_path)
    fake.inject(Fault.server_error(status, retry_after=0), on='upload', skip=2)

    await youtube(fake).publish(post(video), signed_in(fake))

    assert [call.status for call in fake.calls_of('upload')] == [308, 308, status, 308, 308, 201]
    assert chunk_starts(fake)[2:4] == [2 * UPLOAD_UNIT, 2 * UPLOAD_UNIT]
    assert len(fake.calls_of('status')) == 1 and fake.videos[0].sha256 == sha256(video.path)


async def test_upload_that_keeps_failing_is_retryable_later(fake, tmp_path):
    fake.inject(Fault.server_error(503), times=20, on='upload')

    with pytest.raises(Retryable) as caught:
        await youtube(fake).publish(post(clip(tmp_path)), signed_in(fake))

    assert caught.value.status == 503 and fake.videos == []


async def test_chunks_of_which_nothing_is_kept_end_as_retryable(fake, tmp_path):
    fake.inject(Fault.partial(keep=0), times=20, on='upload')

    with pytest.raises(Retryable, match='none of the video'):
        await youtube(fake).publish(post(clip(tmp_path)), signed_in(fake))


async def test_long_retry_after_is_left_to_the_engine(fake, tmp_path):
    fake.inject(Fault.server_error(503, retry_after=3600), on='upload')

    with pytest.raises(Retryable) as caught:
        await youtube(fake).publish(post(clip(tmp_path)), signed_in(fake))

    assert caught.value.retry_after == 3600 and fake.calls_of('status') == []


async def test_expired_session_starts_a_new_one(fake, tmp_path):
    video = clip(tmp_path)
    fake.inject(Fault.session_expired(), on='upload', skip=2)

    await youtube(fake).publish(post(video), signed_in(fake))

    assert len(fake.calls_of('insert')) == 2 and len(fake.sessions) == 1
    [uploaded] = fake.videos
    assert (uploaded.size, uploaded.sha256, uploaded.session_id) == (SIZE, sha256(video.path), [*fake.sessions][0])


async def test_session_that_expires_twice_is_retryable(fake, tmp_path):
    fake.inject(Fault.session_expired(), times=2, on='upload')

    with pytest.raises(Retryable):
        await youtube(fake).publish(post(clip(tmp_path)), signed_in(fake))


async def test_expired_access_token_is_refreshed_and_the_call_repeated(fake, tmp_path):
    stale = signed_in(fake)
    fake.inject(Fault.token_expired(), on='insert')

    refused = stale.credentials['access_token']

    await youtube(fake).publish(post(clip(tmp_path, 1000)), stale)

    assert [(call.kind, call.status) for call in fake.calls] == [('insert', 401), ('token', 200), ('insert', 200),
                                                                 ('upload', 201)]
    assert stale.credentials['access_token'] != refused
    assert datetime.fromisoformat(stale.credentials['expires_at']) > datetime.now(UTC)


async def test_token_past_its_expiry_is_refreshed_before_use(fake, tmp_path):
    old = account(access_token='ya29.old', expires_at='2020-01-01T00:00:00+00:00')

    await youtube(fake).publish(post(clip(tmp_path, 1000)), old)

    assert [call.kind for call in fake.calls][:2] == ['token', 'insert']
    assert old.credentials['access_token'] != 'ya29.old'


async def test_token_refused_again_after_a_refresh_needs_reconnect(fake, tmp_path):
    fake.inject(Fault.token_expired(), times=2, on='insert')

    with pytest.raises(NeedsReconnect):
        await youtube(fake).publish(post(clip(tmp_path, 1000)), signed_in(fake))

    assert len(fake.calls_of('token')) == 1 and fake.videos == []


async def test_revoked_refresh_token_needs_reconnect_in_googles_words(fake, tmp_path):
    fake.revoke(DEFAULT_REFRESH_TOKEN)

    with pytest.raises(NeedsReconnect, match='Token has been expired or revoked'):
        await youtube(fake).publish(post(clip(tmp_path, 1000)), account())
    with pytest.raises(NeedsReconnect, match='Token has been expired or revoked'):
        await youtube(fake).check(account())
    assert fake.calls_of('insert') == []


async def test_check_names_the_channel(fake):
    assert await youtube(fake).check(account()) == 'Fake Channel'
    assert [call.kind for call in fake.calls] == ['token', 'channels']


async def test_used_up_quota_is_rejected_until_midnight_pacific(fake, tmp_path):
    fake.inject(Fault.quota_exceeded(), on='insert')

    with pytest.raises(Rejected, match='daily YouTube API quota is used up.*midnight Pacific'):
        await youtube(fake).publish(post(clip(tmp_path, 1000)), signed_in(fake))


async def test_channel_upload_limit_is_rejected(fake, tmp_path):
    fake.inject(Fault.upload_limit_exceeded(), on='insert')

    with pytest.raises(Rejected, match="channel's YouTube upload limit was reached"):
        await youtube(fake).publish(post(clip(tmp_path, 1000)), signed_in(fake))


@pytest.mark.parametrize('reason', ['rateLimitExceeded', 'userRateLimitExceeded'])
async def test_rate_limit_is_retryable(fake, tmp_path, reason):
    fake.inject(Fault.rate_limited(reason), on='insert')

    with pytest.raises(Retryable):
        await youtube(fake).publish(post(clip(tmp_path, 1000)), signed_in(fake))


async def test_invalid_title_is_rejected_in_youtubes_words(fake, tmp_path):
    with pytest.raises(Rejected, match='invalid or empty video title'):
        await youtube(fake).publish(post(clip(tmp_path, 1000), title='<b>Seaside</b>'), signed_in(fake))


async def test_slow_answer_still_posts(fake, tmp_path):
    fake.inject(Fault.slow(0.3), on='insert')

    await youtube(fake).publish(post(clip(tmp_path, 1000)), signed_in(fake))

    assert len(fake.videos) == 1


@pytest.mark.parametrize('content, words', [
    (lambda video: PostContent('text only'), 'exactly one video'),
    (lambda video: PostContent('two', (video, video), {'title': 'Two'}), 'exactly one video'),
    (lambda video: PostContent('no title', (video,)), 'needs a title'),
    (lambda video: post(video, privacy='friends'), 'public, unlisted or private'),
    (lambda video: post(video, publish_at='next week'), 'not an ISO 8601'),
])
async def test_unpostable_content_is_refused_before_sending(fake, tmp_path, content, words):
    with pytest.raises(Rejected, match=words):
        await youtube(fake).publish(content(clip(tmp_path, 1000)), signed_in(fake))
    assert fake.calls == []


def test_chunk_size_must_be_a_multiple_of_256_kib():
    with pytest.raises(ValueError, match='multiple of 262144'):
        YouTubeClient('http://127.0.0.1:9', 'http://127.0.0.1:9', chunk_size=100_000)


async def test_unreachable_api_is_retryable():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(('127.0.0.1', 0))
        url = f'http://127.0.0.1:{probe.getsockname()[1]}'
    with pytest.raises(Retryable, match='could not be reached'):
        await YouTubeClient(url, url).check(account())


async def test_fake_enforces_the_chunk_rules(fake):
    token = fake.issue_access_token()
    async with httpx.AsyncClient(base_url=fake.base_url) as http:
        opened = await http.post('/upload/youtube/v3/videos', params={'uploadType': 'resumable',
                                                                      'part': 'snippet,status'},
                                 headers={'Authorization': f'Bearer {token}', 'X-Upload-Content-Length': '600000',
                                          'X-Upload-Content-Type': 'video/mp4'},
                                 json={'snippet': {'title': 'Rules'}, 'status': {'privacyStatus': 'private'}})
        session = opened.headers['Location']

        async def put(first: int, length: int) -> httpx.Response:
            return await http.put(session, content=b'x' * length,
                                  headers={'Content-Range': f'bytes {first}-{first + length - 1}/600000'})

        async def status() -> httpx.Response:
            return await http.put(session, content=b'', headers={'Content-Range': 'bytes */600000'})

        not_a_multiple = await put(0, 100_000)
        nothing_yet = await status()
        first = await put(0, UPLOAD_UNIT)
        gap = await put(UPLOAD_UNIT + 1, UPLOAD_UNIT)
        overlap = await put(UPLOAD_UNIT - 1, UPLOAD_UNIT)
        last = await put(UPLOAD_UNIT, 600_000 - UPLOAD_UNIT)  # the last chunk may be any size
        done = await status()

    assert opened.status_code == 200
    assert not_a_multiple.status_code == 400 and 'multiple of 262144' in not_a_multiple.json()['error']['message']
    assert (nothing_yet.status_code, nothing_yet.headers.get('Range')) == (308, None)
    assert (first.status_code, first.headers['Range']) == (308, 'bytes=0-262143')
    assert (gap.status_code, overlap.status_code) == (400, 400)
    assert 'gap' in gap.json()['error']['message'] and 'overlap' in overlap.json()['error']['message']
    assert last.status_code == 201 and done.status_code == 201 and done.json()['id'] == fake.videos[0].id
    assert fake.videos[0].size == 600_000


@pytest.mark.parametrize('status, body, error', [
    (503, {'error': {'code': 503, 'message': 'Backend Error', 'errors': [{'reason': 'backendError'}]}}, Retryable),
    (502, None, Retryable),
    (400, {'error': 'invalid_grant', 'error_description': 'Bad Request'}, NeedsReconnect),
    (401, {'error': 'invalid_client', 'error_description': 'The OAuth client was not found.'}, NeedsReconnect),
    (503, {'error': 'temporarily_unavailable'}, Retryable),
    (403, {'error': {'code': 403, 'message': 'Forbidden', 'errors': [{'reason': 'forbidden'}]}}, Rejected),
])
def test_answers_map_to_the_error_the_engine_acts_on(status, body, error):
    response = httpx.Response(status, json=body) if body is not None else httpx.Response(status, text='<html>')
    with pytest.raises(error):
        result_or_raise(response)
