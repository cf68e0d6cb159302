"""The Instagram client against the fake Graph API, which really downloads the media from a local file server."""
from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from PIL import Image

from services.platforms import base
from services.platforms.base import Account, MediaFile, NeedsReconnect, PostContent, Rejected, Retryable
from services.platforms.instagram.client import InstagramClient, result_or_raise
from tests.fakes.instagram import DEFAULT_TOKEN, DEFAULT_USER_ID, FakeInstagram, Fault

# an MP4 needs only its 'ftyp' box to look like one; the fake never decodes it
MP4_BYTES = b'\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom' + bytes(range(256)) * 8


@pytest.fixture
def fake():
    with FakeInstagram(polls_to_finish=2) as server:
        yield server


@pytest.fixture(autouse=True)
async def fresh_http_client():
    """Each test runs in its own event loop; the shared client must not outlive it."""
    yield
    await base.close_http_client()


def client(fake: FakeInstagram, **options: float) -> InstagramClient:
    return InstagramClient(fake.base_url, **{'poll_interval': 0.01, **options})


def account(**credentials: str) -> Account:
    return Account('instagram', {'access_token': DEFAULT_TOKEN, 'user_id': DEFAULT_USER_ID, **credentials})


def photo(fake: FakeInstagram, folder: Path, name: str = 'photo.jpg', *, image_format: str = 'JPEG') -> MediaFile:
    path = folder / name
    Image.new('RGB', (40, 32), 'teal').save(path, image_format)
    return MediaFile(path, 'image/jpeg', width=40, height=32, url=fake.serve_file(path))


def clip(fake: FakeInstagram, folder: Path, name: str = 'clip.mp4') -> MediaFile:
    path = folder / name
    path.write_bytes(MP4_BYTES)
    return MediaFile(path, 'video/mp4', width=640, height=360, duration_s=4.0, url=fake.serve_file(path))


def calls_to(fake: FakeInstagram, endpoint: str) -> list:
    return [call for call in fake.calls if call.path.endswith(endpoint)]


async def test_single_photo_is_pulled_processed_and_published_with_its_permalink(fake, tmp_path):
    image = photo(fake, tmp_path)

    result = await client(fake).publish(PostContent('Sunset', (image,)), account())

    [pull] = fake.pulls
    assert (pull.url, pull.status, pull.size) == (image.url, 200, image.path.stat().st_size)
    [published] = fake.published
    assert (published.media_type, published.caption, published.media_urls) == ('IMAGE', 'Sunset', [image.url])
    assert (result.remote_id, result.remote_url) == (published.id, published.permalink)
    assert fake.quota_usage == 1
    assert {(call.version, call.token) for call in fake.calls} == {('v25.0', DEFAULT_TOKEN)}
    assert [call.params['fields'] for call in calls_to(fake, '/content_publishing_limit')] == ['quota_usage,config']


async def test_single_video_is_published_as_a_reel(fake, tmp_path):
    video = clip(fake, tmp_path)

    result = await client(fake).publish(PostContent('Watch this', (video,)), account())

    [container] = fake.containers.values()
    assert (container.params['media_type'], container.params['video_url']) == ('REELS', video.url)
    [published] = fake.published
    assert published.media_type == 'REELS' and published.caption == 'Watch this'
    assert result.remote_url == published.permalink and '/reel/' in published.permalink


async def test_carousel_of_three_publishes_children_in_order_with_the_caption_on_the_parent(fake, tmp_path):
    media = (photo(fake, tmp_path, 'a.jpg'), clip(fake, tmp_path), photo(fake, tmp_path, 'c.jpg'))

    result = await client(fake).publish(PostContent('Our trip', media), account())

    *children, parent = fake.containers.values()
    assert [child.params.get('is_carousel_item') for child in children] == ['true'] * 3
    assert [child.media_type for child in children] == ['IMAGE', 'VIDEO', 'IMAGE']
    assert all('caption' not in child.params for child in children)
    assert (parent.media_type, parent.params['caption']) == ('CAROUSEL', 'Our trip')
    assert parent.params['children'] == ','.join(child.id for child in children)
    [published] = fake.published
    assert published.media_urls == [item.url for item in media]
    assert [pull.url for pull in fake.pulls] == [item.url for item in media]
    assert result.remote_id == published.id


async def test_publish_not_ready_after_finished_is_tried_again_until_it_goes(fake, tmp_path):
    fake.not_ready_publishes = 2

    await client(fake).publish(PostContent('Patience', (photo(fake, tmp_path),)), account())

    assert [call.status for call in calls_to(fake, '/media_publish')] == [400, 400, 200]
    assert len(fake.published) == 1


async def test_publish_that_stays_not_ready_is_retryable(fake, tmp_path):
    fake.not_ready_publishes = 100

    with pytest.raises(Retryable, match='not ready'):
        await client(fake).publish(PostContent('Patience', (photo(fake, tmp_path),)), account())

    assert fake.published == []


async def test_fake_refuses_publishing_a_container_still_in_progress(fake, tmp_path):
    """Straight HTTP, since the client polls until FINISHED before it publishes."""
    image_url = fake.serve_file(photo(fake, tmp_path).path)
    async with httpx.AsyncClient(base_url=f'{fake.base_url}/v21.0/{DEFAULT_USER_ID}',
                                 params={'access_token': DEFAULT_TOKEN}) as http:
        created = await http.post('/media', data={'image_url': image_url})
        early = await http.post('/media_publish', data={'creation_id': created.json()['id']})

    error = early.json()['error']
    assert (early.status_code, error['code'], error['error_subcode']) == (400, 9007, 2207027)
    assert fake.published == []


async def test_media_instagram_cannot_fetch_fails_the_container_and_is_rejected(fake, tmp_path):
    gone = MediaFile(tmp_path / 'gone.jpg', 'image/jpeg', url=fake.files.missing())

    with pytest.raises(Rejected, match='2207052') as caught:
        await client(fake).publish(PostContent('Hi', (gone,)), account())

    assert 'could not be fetched' in caught.value.message
    assert [pull.status for pull in fake.pulls] == [404]
    assert calls_to(fake, '/media_publish') == [] and fake.published == []


async def test_png_behind_the_url_is_rejected_as_an_unsupported_format(fake, tmp_path):
    png = photo(fake, tmp_path, 'photo.png', image_format='PNG')

    with pytest.raises(Rejected, match='2207005'):
        await client(fake).publish(PostContent('Hi', (png,)), account())

    assert fake.published == []


async def test_processing_error_from_instagram_itself_is_retryable(tmp_path):
    with FakeInstagram(finish_as='ERROR', error_subcode=2207001) as fake:
        with pytest.raises(Retryable, match='2207001'):
            await client(fake).publish(PostContent('Hi', (photo(fake, tmp_path),)), account())


async def test_expired_container_is_retryable(tmp_path):
    with FakeInstagram(finish_as='EXPIRED') as fake:
        with pytest.raises(Retryable, match='expire'):
            await client(fake).publish(PostContent('Hi', (clip(fake, tmp_path),)), account())

        assert fake.published == []


async def test_container_still_processing_at_the_deadline_is_retryable(tmp_path):
    with FakeInstagram(polls_to_finish=10_000) as fake:
        with pytest.raises(Retryable, match='still processing'):
            await client(fake, poll_timeout=0.1).publish(PostContent('Hi', (clip(fake, tmp_path),)), account())

        assert calls_to(fake, '/media_publish') == []


async def test_spent_quota_is_rejected_before_any_container_is_made(tmp_path):
    with FakeInstagram(quota_total=25, quota_usage=25) as fake:
        with pytest.raises(Rejected, match='daily publishing limit is reached'):
            await client(fake).publish(PostContent('Hi', (photo(fake, tmp_path),)), account())

        assert fake.containers == {} and fake.pulls == []


async def test_publishing_quota_reads_the_used_and_total_posts(tmp_path):
    with FakeInstagram(quota_total=100, quota_usage=3) as fake:
        assert await client(fake).publishing_quota(account()) == (3, 100)


async def test_media_without_a_public_url_is_rejected_before_calling_instagram(fake, tmp_path):
    local = MediaFile(tmp_path / 'photo.jpg', 'image/jpeg')

    with pytest.raises(Rejected, match='PUBLIC_BASE_URL'):
        await client(fake).publish(PostContent('Hi', (local,)), account())

    assert fake.calls == []


@pytest.mark.parametrize('count', [0, 11])
async def test_post_without_media_or_with_too_many_is_rejected(fake, tmp_path, count):
    media = tuple(photo(fake, tmp_path, f'{index}.jpg') for index in range(count))

    with pytest.raises(Rejected):
        await client(fake).publish(PostContent('Hi', media), account())

    assert fake.calls == []


async def test_unknown_token_needs_reconnect(fake, tmp_path):
    with pytest.raises(NeedsReconnect, match='access token'):
        await client(fake).check(account(access_token='IGAAnotknown'))
    with pytest.raises(NeedsReconnect):
        await client(fake).publish(PostContent('Hi', (photo(fake, tmp_path),)), account(access_token='IGAAnotknown'))

    assert fake.containers == {}


async def test_token_expiring_mid_publish_needs_reconnect(fake, tmp_path):
    image = photo(fake, tmp_path)
    fake.inject(Fault.expired_token())

    with pytest.raises(NeedsReconnect, match='Session has expired'):
        await client(fake).publish(PostContent('Hi', (image,)), account())


@pytest.mark.parametrize('fault', [Fault.transient(), Fault.server_error(503), Fault.dropped()],
                         ids=['transient code 2', '503 page', 'dropped connection'])
async def test_transient_trouble_is_retryable_and_nothing_is_published(fake, tmp_path, fault):
    image = photo(fake, tmp_path)
    fake.inject(fault, times=2)  # a read whose connection dropped once is sent again at once (`test_send`)

    with pytest.raises(Retryable):
        await client(fake).publish(PostContent('Hi', (image,)), account())

    assert fake.published == []


async def test_throttling_is_retryable_after_a_minute(fake, tmp_path):
    fake.inject(Fault.throttled())

    with pytest.raises(Retryable) as caught:
        await client(fake).publish(PostContent('Hi', (photo(fake, tmp_path),)), account())

    assert caught.value.retry_after == 60


async def test_slow_answer_times_out_as_retryable(fake, monkeypatch):
    monkeypatch.setattr(base, 'DEFAULT_TIMEOUT', httpx.Timeout(0.3))
    fake.inject(Fault.slow(2))

    with pytest.raises(Retryable):
        await client(fake).check(account())


async def test_unreachable_api_is_retryable():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]

    with pytest.raises(Retryable):
        await InstagramClient(f'http://127.0.0.1:{port}').check(account())


async def test_check_names_the_account_under_any_api_version(fake):
    assert await InstagramClient(fake.base_url, api_version='v19.0').check(account()) == '@fake_creator'

    [call] = fake.calls
    assert (call.path, call.version, call.params) == ('/me', 'v19.0', {'fields': 'user_id,username'})


async def test_refresh_gives_a_new_token_that_works_for_sixty_days(fake):
    updates = await client(fake).refresh(account())

    assert updates['access_token'] != DEFAULT_TOKEN
    expires_at = datetime.fromisoformat(updates['expires_at'])
    assert abs(expires_at - datetime.now(UTC) - timedelta(days=60)) < timedelta(minutes=1)
    assert calls_to(fake, '/refresh_access_token')[0].params == {'grant_type': 'ig_refresh_token'}
    assert await client(fake).check(account(access_token=updates['access_token'])) == '@fake_creator'


async def test_token_near_expiry_is_refreshed_before_publishing_and_kept_by_the_account(fake, tmp_path):
    soon = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    creator = account(expires_at=soon)

    await client(fake).publish(PostContent('Hi', (photo(fake, tmp_path),)), creator)

    new_token = creator.credentials['access_token']
    assert new_token != DEFAULT_TOKEN and creator.credentials['expires_at'] != soon
    assert [call.token for call in fake.calls][1:] == [new_token] * (len(fake.calls) - 1)
    assert len(fake.published) == 1


@pytest.mark.parametrize(('status', 'error', 'expected', 'message'), [
    (400, {'code': 190, 'error_subcode': 460, 'message': 'Password changed'}, NeedsReconnect, 'Password changed'),
    (400, {'code': 9, 'error_subcode': 2207042, 'message': 'Limit', 'error_user_msg': 'Max posts reached'},
     Rejected, 'Max posts reached'),
    (400, {'code': 1, 'message': 'An unknown error occurred'}, Retryable, 'An unknown error occurred'),
    (400, {'code': 100, 'error_subcode': 2207003, 'message': 'Download timed out'}, Retryable, 'Download timed out'),
    (400, {'code': 100, 'message': 'Odd', 'is_transient': True}, Retryable, 'Odd'),
    (400, {'code': 17, 'message': 'User request limit reached'}, Retryable, 'User request limit reached'),
    (400, {'code': 100, 'error_subcode': 2207009, 'message': 'Bad', 'error_user_msg': 'Aspect ratio not supported'},
     Rejected, 'Aspect ratio not supported'),
    (400, {'code': 506, 'message': 'Duplicate status message'}, Rejected, 'Duplicate status message'),
    (403, {'code': 200, 'message': 'Permissions error'}, Rejected, 'Permissions error'),
    (500, {'code': 100, 'message': 'Internal'}, Retryable, 'Internal'),
], ids=['190', '9 limit', 'code 1', '2207003', 'is_transient', 'code 17', '2207009', '506', '200', '500 json'])
def test_error_answers_map_to_what_the_engine_acts_on(status, error, expected, message):
    with pytest.raises(expected) as caught:
        result_or_raise(httpx.Response(status, json={'error': {'type': 'OAuthException', **error}}))

    # the platform's words, with its codes kept for the post page's explanation
    assert caught.value.status == status
    assert caught.value.message.startswith(f'{message} (code {error["code"]}')


def test_answer_without_a_graph_body_is_retryable():
    with pytest.raises(Retryable) as caught:
        result_or_raise(httpx.Response(502, text='<html>Bad Gateway</html>'))

    assert caught.value.status == 502
