"""The Telegram client against the fake Bot API (a real HTTP server on 127.0.0.1)."""
from __future__ import annotations

import hashlib
import json
import socket
from pathlib import Path

import httpx
import pytest
from PIL import Image

from services.platforms import base
from services.platforms.base import Account, MediaFile, NeedsReconnect, PostContent, Rejected, Retryable
from services.platforms.registry import UnknownPlatform, client_for
from services.platforms.telegram.client import TelegramClient, result_or_raise
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN, FakeChat, FakeTelegram, Fault

# an MP4 needs only its 'ftyp' box to look like one; the fake never decodes it
MP4_BYTES = b'\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom' + bytes(range(256)) * 8
PRIVATE_GROUP = FakeChat(id=-4001, type='group', title='Family', username=None)


@pytest.fixture
def fake():
    with FakeTelegram(chats=[FakeChat(), PRIVATE_GROUP]) as server:
        yield server


@pytest.fixture(autouse=True)
async def fresh_http_client():
    """Each test runs in its own event loop; the shared client must not outlive it."""
    yield
    await base.close_http_client()


def channel(**credentials: str) -> Account:
    return Account('telegram', {'bot_token': DEFAULT_TOKEN, 'chat_id': '@fakechannel', **credentials})


def picture(folder: Path, name: str, colour: str = 'teal') -> MediaFile:
    path = folder / name
    Image.new('RGB', (32, 24), colour).save(path, 'PNG')
    return MediaFile(path, 'image/png', width=32, height=24)


def clip(folder: Path, name: str = 'clip.mp4') -> MediaFile:
    path = folder / name
    path.write_bytes(MP4_BYTES)
    return MediaFile(path, 'video/mp4', width=640, height=360, duration_s=4.6)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_text_post_reaches_the_channel_with_its_public_link(fake):
    result = await TelegramClient(fake.base_url).publish(PostContent('Hello, world'), channel())

    [sent] = fake.sent
    assert (sent.method, sent.chat_id, sent.text, sent.files) == ('sendMessage', DEFAULT_CHAT_ID, 'Hello, world', [])
    assert result.remote_id == str(sent.message_ids[0])
    assert result.remote_url == f'https://t.me/fakechannel/{sent.message_ids[0]}'


async def test_photo_is_uploaded_with_its_caption(fake, tmp_path):
    photo = picture(tmp_path, 'sunset.png')

    result = await TelegramClient(fake.base_url).publish(PostContent('Sunset', (photo,)), channel())

    [sent] = fake.sent
    assert (sent.method, sent.caption) == ('sendPhoto', 'Sunset')
    [received] = sent.files
    assert (received.field, received.filename, received.content_type) == ('photo', 'sunset.png', 'image/png')
    assert (received.size, received.sha256) == (photo.path.stat().st_size, sha256(photo.path))
    assert result.remote_url == f'https://t.me/fakechannel/{result.remote_id}'


async def test_video_is_uploaded_with_its_size_duration_and_streaming(fake, tmp_path):
    video = clip(tmp_path)

    await TelegramClient(fake.base_url).publish(PostContent('Watch this', (video,)), channel())

    [sent] = fake.sent
    assert (sent.method, sent.caption) == ('sendVideo', 'Watch this')
    assert {name: sent.params[name] for name in ('width', 'height', 'duration', 'supports_streaming')} == {
        'width': '640', 'height': '360', 'duration': '5', 'supports_streaming': 'true'}
    [received] = sent.files
    assert (received.field, received.content_type, received.sha256) == ('video', 'video/mp4', sha256(video.path))


async def test_album_of_three_goes_as_one_media_group_with_the_caption_on_the_first(fake, tmp_path):
    media = (picture(tmp_path, 'a.png', 'red'), clip(tmp_path, 'b.mp4'), picture(tmp_path, 'c.png', 'blue'))

    result = await TelegramClient(fake.base_url).publish(PostContent('Our trip', media), channel())

    [sent] = fake.sent
    assert sent.method == 'sendMediaGroup'
    assert [(item['type'], item['media']) for item in sent.media] == [
        ('photo', 'attach://file0'), ('video', 'attach://file1'), ('photo', 'attach://file2')]
    assert [item.get('caption') for item in sent.media] == ['Our trip', None, None]
    assert sent.media[1]['supports_streaming'] is True and sent.media[1]['width'] == 640
    assert [(file.field, file.sha256) for file in sent.files] == [
        (f'file{index}', sha256(item.path)) for index, item in enumerate(media)]
    assert len(sent.message_ids) == 3
    assert result.remote_id == str(sent.message_ids[0])
    assert result.remote_url == f'https://t.me/fakechannel/{sent.message_ids[0]}'


async def test_private_chat_gets_no_public_link(fake):
    result = await TelegramClient(fake.base_url).publish(PostContent('Hi'), channel(chat_id=str(PRIVATE_GROUP.id)))

    assert result.remote_url is None
    assert fake.sent[0].chat_id == PRIVATE_GROUP.id


async def test_check_names_the_bot(fake):
    assert await TelegramClient(fake.base_url).check(channel()) == '@fake_poster_bot'


async def test_rate_limit_is_retryable_after_the_seconds_telegram_asks(fake):
    fake.inject(Fault.rate_limited(retry_after=7))

    with pytest.raises(Retryable) as caught:
        await TelegramClient(fake.base_url).publish(PostContent('Hi'), channel())

    assert (caught.value.status, caught.value.retry_after) == (429, 7)
    assert caught.value.message == 'Too Many Requests: retry after 7'
    assert fake.sent == []


@pytest.mark.parametrize(('fault', 'status'), [(Fault.server_error(500), 500), (Fault.server_error(502), 502),
                                               (Fault.dropped(), None)], ids=['500', '502', 'dropped connection'])
async def test_server_trouble_is_retryable_and_nothing_is_posted(fake, tmp_path, fault, status):
    fake.inject(fault)

    with pytest.raises(Retryable) as caught:
        await TelegramClient(fake.base_url).publish(PostContent('Hi', (picture(tmp_path, 'p.png'),)), channel())

    assert caught.value.status == status  # None: no answer at all, the connection was closed
    assert fake.sent == []


async def test_slow_answer_times_out_as_retryable(fake, monkeypatch):
    monkeypatch.setattr(base, 'DEFAULT_TIMEOUT', httpx.Timeout(0.3))
    fake.inject(Fault.slow(2))

    with pytest.raises(Retryable):
        await TelegramClient(fake.base_url).publish(PostContent('Hi'), channel())

    assert fake.sent == []


async def test_slow_answer_within_the_timeout_still_posts(fake):
    fake.inject(Fault.slow(0.2))

    await TelegramClient(fake.base_url).publish(PostContent('Hi'), channel())

    assert [sent.text for sent in fake.sent] == ['Hi']


async def test_unreachable_api_is_retryable():
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]

    with pytest.raises(Retryable):
        await TelegramClient(f'http://127.0.0.1:{port}').publish(PostContent('Hi'), channel())


@pytest.mark.parametrize('token', ['123:' + 'x' * 35, 'not-a-token'], ids=['revoked', 'malformed'])
async def test_wrong_token_needs_reconnect(fake, token):
    with pytest.raises(NeedsReconnect) as caught:
        await TelegramClient(fake.base_url).check(channel(bot_token=token))

    assert caught.value.status in (401, 404)


async def test_token_revoked_mid_use_needs_reconnect(fake):
    fake.inject(Fault.unauthorized())

    with pytest.raises(NeedsReconnect, match='Unauthorized'):
        await TelegramClient(fake.base_url).publish(PostContent('Hi'), channel())


async def test_unknown_chat_is_rejected_in_telegrams_words(fake):
    with pytest.raises(Rejected) as caught:
        await TelegramClient(fake.base_url).publish(PostContent('Hi'), channel(chat_id='@nosuchchannel'))

    assert (caught.value.status, caught.value.message) == (400, 'Bad Request: chat not found')


async def test_upgraded_group_is_posted_to_once_more_at_its_new_id(fake, tmp_path):
    fake.inject(Fault.migrated(to_chat_id=-1005550001))
    photo = picture(tmp_path, 'p.png')

    group = channel(chat_id='-4001')

    result = await TelegramClient(fake.base_url).publish(PostContent('Hi', (photo,)), group)

    assert [call.params['chat_id'] for call in fake.calls] == ['-4001', '-1005550001']
    [sent] = fake.sent
    assert sent.chat_id == -1005550001
    assert sent.files[0].sha256 == sha256(photo.path)  # the file was sent whole again, from its start
    assert group.credentials['chat_id'] == '-1005550001'  # kept by the account before the post was sent again
    assert result.remote_id == str(sent.message_ids[0])


async def test_text_limit_counts_utf16_units(fake):
    client = TelegramClient(fake.base_url)
    await client.publish(PostContent('a' * 4094 + '😀'), channel())  # 4096 units: fits

    with pytest.raises(Rejected, match='Bad Request: message is too long'):
        await client.publish(PostContent('a' * 4095 + '😀'), channel())  # 4096 characters, 4097 units

    assert len(fake.sent) == 1


async def test_caption_limit_counts_utf16_units(fake, tmp_path):
    with pytest.raises(Rejected, match='Bad Request: message caption is too long'):
        await TelegramClient(fake.base_url).publish(PostContent('😀' * 513, (picture(tmp_path, 'p.png'),)), channel())


async def test_oversized_photo_is_refused(tmp_path):
    with FakeTelegram(photo_limit=10) as small:
        with pytest.raises(Rejected) as caught:
            await TelegramClient(small.base_url).publish(PostContent('', (picture(tmp_path, 'p.png'),)), channel())

    assert caught.value.status == 413


async def test_media_telegram_cannot_post_is_refused_before_sending(fake, tmp_path):
    document = tmp_path / 'notes.pdf'
    document.write_bytes(b'%PDF-1.4\n')

    with pytest.raises(Rejected):
        await TelegramClient(fake.base_url).publish(PostContent('', (MediaFile(document, 'application/pdf'),)),
                                                    channel())

    assert fake.calls == []


async def test_fake_checks_albums_like_telegram(fake, tmp_path):
    """Straight HTTP, since the client never sends a one-item album or a dangling attach:// name."""
    url = f'{fake.base_url}/bot{DEFAULT_TOKEN}/SENDMEDIAGROUP'
    one = json.dumps([{'type': 'photo', 'media': 'attach://f0'}])
    two = json.dumps([{'type': 'photo', 'media': 'attach://f0'}, {'type': 'photo', 'media': 'attach://f1'}])
    files = {'f0': ('a.png', picture(tmp_path, 'a.png').path.read_bytes(), 'image/png')}
    async with httpx.AsyncClient() as http:
        too_few = await http.post(url, data={'chat_id': '@fakechannel', 'media': one}, files=files)
        missing_part = await http.post(url, data={'chat_id': '@fakechannel', 'media': two}, files=files)

    assert too_few.status_code == 400 and too_few.json()['ok'] is False
    assert missing_part.json()['description'] == "Bad Request: can't parse InputMedia: media not found"
    assert fake.sent == []


@pytest.mark.parametrize(('status', 'body', 'error'), [
    (409, {'ok': False, 'error_code': 409, 'description': 'Conflict: terminated by other getUpdates request'},
     Retryable),
    (403, {'ok': False, 'error_code': 403, 'description': 'Forbidden: bot is not a member of the channel chat'},
     Rejected),
    (429, {'ok': False, 'error_code': 429, 'description': 'Too Many Requests'}, Retryable),
    (502, '<html>Bad Gateway</html>', Retryable),
    (413, '<html>413 Request Entity Too Large</html>', Rejected),
], ids=['409', '403', '429 without retry_after', '502 from a proxy', '413 from a proxy'])
def test_answers_map_to_the_error_the_engine_acts_on(status, body, error):
    content = {'json': body} if isinstance(body, dict) else {'text': body}
    with pytest.raises(error) as caught:
        result_or_raise(httpx.Response(status, **content))

    assert caught.value.status == status
    if isinstance(body, dict):
        assert caught.value.message == body['description']


async def test_fake_takes_get_with_query_and_json_bodies(fake):
    async with httpx.AsyncClient(base_url=f'{fake.base_url}/bot{DEFAULT_TOKEN}') as http:
        me = await http.get('/getme')
        by_json = await http.post('/sendMessage', json={'chat_id': DEFAULT_CHAT_ID, 'text': 'JSON'})
        by_query = await http.get('/sendMessage', params={'chat_id': '@FakeChannel', 'text': 'query'})
        unknown = await http.get('/sendSticker')

    assert me.json()['result']['username'] == 'fake_poster_bot'
    assert by_json.json()['result']['chat']['username'] == 'fakechannel' and by_query.json()['ok'] is True
    assert [sent.text for sent in fake.sent] == ['JSON', 'query']
    assert (unknown.status_code, unknown.json()['description']) == (404, 'Not Found: method not found')


def test_registry_builds_the_telegram_client_from_the_settings(tmp_path):
    from services.core.config import load_settings

    settings = load_settings({'DATA_DIR': str(tmp_path), 'TELEGRAM_API_URL': 'http://127.0.0.1:9/'}, env_file=None)

    client = client_for('telegram', settings)
    assert isinstance(client, TelegramClient) and client.platform == 'telegram'
    with pytest.raises(UnknownPlatform):
        client_for('myspace', settings)
