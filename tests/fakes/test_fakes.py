"""What the fakes share (a server per `with` block, faults aimed at a kind of call) and the fake Graph API's edges."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests import fakes
from tests.fakes import FaultQueue
from tests.fakes.files import FileServer
from tests.fakes.instagram import DEFAULT_TOKEN, DEFAULT_USER_ID, FakeInstagram, Fault, PublishedMedia
from tests.fakes.telegram import DEFAULT_CHAT_ID as TELEGRAM_CHAT
from tests.fakes.telegram import DEFAULT_TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram import FakeBot, FakeChat, FakeMember, FakeTelegram
from tests.fakes.tiktok import FakeCreator, FakeTikTok
from tests.fakes.youtube import FakeYouTube

TIMESTAMP = re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000')  # as in Instagram's own examples


def test_a_fault_waits_for_its_kind_of_call_and_lets_skipped_ones_through():
    queue = FaultQueue(('read', 'write'))
    broken_write, anything = fakes.Fault('broken write', 500), fakes.Fault.dropped()
    queue.add(broken_write, on='write', skip=1)
    queue.add(anything, times=2)

    assert [queue.next_for(kind) for kind in ('read', 'write', 'write', 'read', 'read')] == \
        [anything, None, broken_write, anything, None]
    with pytest.raises(ValueError, match='on must be one of'):
        queue.add(broken_write, on='wrte')


def test_a_fault_made_for_one_kind_of_call_waits_for_it_unless_aimed_elsewhere():
    queue = FaultQueue(('read', 'write'))
    slow_write = fakes.Fault('slow write', delay=1, on='write')
    queue.add(slow_write)
    queue.add(slow_write, on='read')

    assert [queue.next_for(kind) for kind in ('read', 'write', 'write')] == [slow_write, slow_write, None]
    assert queue.pending == 0


def test_a_fake_serves_only_inside_its_with_block(tmp_path):
    (tmp_path / 'a.txt').write_text('hello')
    with FileServer() as files:
        url = files.serve(tmp_path / 'a.txt')
        assert httpx.get(url).text == 'hello'
        assert httpx.get(files.missing()).status_code == 404

    with pytest.raises(RuntimeError, match='not running'):
        _ = files.base_url


def publish_straight(fake: FakeInstagram, folder: Path, count: int) -> list[PublishedMedia]:
    """`count` photo posts made over plain HTTP, captioned 'Post 0', 'Post 1'...; the fake's posts, oldest first."""
    Image.new('RGB', (40, 32), 'teal').save(folder / 'photo.jpg', 'JPEG')
    image_url = fake.serve_file(folder / 'photo.jpg')
    with httpx.Client(base_url=f'{fake.base_url}/v25.0', params={'access_token': DEFAULT_TOKEN}) as http:
        for number in range(count):
            container = http.post(f'/{DEFAULT_USER_ID}/media', data={'image_url': image_url,
                                                                     'caption': f'Post {number}'}).json()['id']
            http.get(f'/{container}', params={'fields': 'status_code'})
            http.post(f'/{DEFAULT_USER_ID}/media_publish', data={'creation_id': container})
    return fake.published


def test_media_edge_lists_posts_newest_first_a_page_at_a_time(tmp_path):
    with FakeInstagram(polls_to_finish=0) as fake:
        posts = publish_straight(fake, tmp_path, 3)
        first = httpx.get(f'{fake.base_url}/v21.0/{DEFAULT_USER_ID}/media',
                          params={'access_token': DEFAULT_TOKEN, 'fields': 'id,caption,timestamp', 'limit': 2}).json()
        rest = httpx.get(first['paging']['next']).json()

    assert [row['id'] for row in first['data'] + rest['data']] == [post.id for post in reversed(posts)]
    assert [row['caption'] for row in first['data']] == ['Post 2', 'Post 1']
    assert all(set(row) == {'id', 'caption', 'timestamp'} for row in first['data'])
    assert all(TIMESTAMP.fullmatch(row['timestamp']) for row in first['data'])
    assert set(first['paging']['cursors']) == {'before', 'after'} and 'next' not in rest['paging']


def test_dropped_after_does_the_work_and_then_hangs_up(tmp_path):
    with FakeInstagram(polls_to_finish=0) as fake:
        fake.inject(Fault.dropped_after(), on='publish')

        with pytest.raises(httpx.RemoteProtocolError):
            publish_straight(fake, tmp_path, 1)

        assert len(fake.published) == 1
        assert (fake.calls[-1].status, fake.calls[-1].fault) == (0, 'dropped_after')


def bot_api(fake: FakeTelegram, method: str, token: str = TELEGRAM_TOKEN, **params: object) -> httpx.Response:
    return httpx.post(f'{fake.base_url}/bot{token}/{method}', data=params)


def test_telegram_limits_each_chat_of_a_bot_and_the_bot_as_a_whole_and_counts_its_429s():
    chats = [FakeChat(-1001000000000 - number, username=None) for number in range(5)]
    # refills too slow to matter while the test runs: only the bursts count
    with FakeTelegram(chats=chats, limits=True, chat_rate=0.001, chat_burst=2, bot_rate=0.001, bot_burst=5) as fake:
        first_chat = [bot_api(fake, 'sendMessage', chat_id=chats[0].id, text=f'{n}') for n in range(3)]
        others = [bot_api(fake, 'sendMessage', chat_id=chat.id, text='hi') for chat in chats[1:]]
        refused = first_chat[2].json()

        assert [answer.status_code for answer in first_chat] == [200, 200, 429]
        assert refused['description'].startswith('Too Many Requests: retry after ')
        assert refused['parameters']['retry_after'] >= 1
        assert [answer.status_code for answer in others] == [200, 200, 200, 429]  # the bot's fifth, then none
        assert (fake.answered_429, len(fake.sent)) == (2, 5)
        assert fake.flood.least_time([3, 3]) == pytest.approx(1 / 0.001)


def test_telegram_limits_count_for_each_bot_on_its_own_and_only_when_asked_for():
    second = FakeBot('987654321:AAOtherFakeTokenForTestsOnly-abcdef', 987654321, 'other_bot', 'Other')
    with FakeTelegram(bots=[FakeBot(), second], limits=True, chat_rate=0.001, chat_burst=1) as fake:
        answers = [bot_api(fake, 'sendMessage', token, chat_id=TELEGRAM_CHAT, text='hi')
                   for token in (TELEGRAM_TOKEN, second.token, TELEGRAM_TOKEN)]

        assert [answer.status_code for answer in answers] == [200, 200, 429]
        assert fake.answered_429 == 1
    with FakeTelegram(chat_rate=0.001, chat_burst=1) as unlimited:
        assert [bot_api(unlimited, 'sendMessage', chat_id=TELEGRAM_CHAT, text='hi').status_code
                for _ in range(3)] == [200, 200, 200]


def test_telegram_tells_a_bot_what_it_is_in_each_chat():
    group = FakeChat(-1001000000001, 'supergroup', 'Group', None, members={123456789: FakeMember('restricted',
                                                                                            can_send_messages=False)})
    with FakeTelegram(chats=[FakeChat(), group]) as fake:
        me = bot_api(fake, 'getMe').json()['result']
        in_channel = bot_api(fake, 'getChatMember', chat_id=TELEGRAM_CHAT, user_id=me['id']).json()['result']
        in_group = bot_api(fake, 'getChatMember', chat_id=group.id, user_id=me['id']).json()['result']
        unknown = bot_api(fake, 'getChatMember', chat_id=-100123, user_id=me['id'])
        refused = bot_api(fake, 'sendMessage', chat_id=group.id, text='hi')

    assert (in_channel['status'], in_channel['can_post_messages'], in_channel['user']['id']) == (
        'administrator', True, me['id'])
    assert (in_group['status'], in_group['can_send_messages']) == ('restricted', False)
    assert (unknown.status_code, unknown.json()['description']) == (400, 'Bad Request: chat not found')
    assert refused.status_code == 403 and 'not enough rights' in refused.json()['description']


def test_telegram_serves_a_chat_photo_through_get_file_and_the_file_path():
    with FakeTelegram(chats=[FakeChat(photo=b'\xff\xd8picture')]) as fake:
        chat = bot_api(fake, 'getChat', chat_id='@fakechannel').json()['result']
        found = bot_api(fake, 'getFile', file_id=chat['photo']['small_file_id']).json()['result']
        picture = httpx.get(f'{fake.base_url}/file/bot{TELEGRAM_TOKEN}/{found["file_path"]}')
        stranger = httpx.get(f'{fake.base_url}/file/bot1:{"x" * 35}/{found["file_path"]}')

    assert (chat['title'], chat['type'], chat['username']) == ('Fake Channel', 'channel', 'fakechannel')
    assert set(chat['photo']) >= {'small_file_id', 'big_file_id'}
    assert (picture.content, found['file_size']) == (b'\xff\xd8picture', len(b'\xff\xd8picture'))
    assert stranger.status_code == 404


def test_tiktok_counts_its_rate_limits_per_user_token():
    creators = [FakeCreator('open-a', access_token='act.a', refresh_token='rft.a'),
                FakeCreator('open-b', access_token='act.b', refresh_token='rft.b')]
    with FakeTikTok(creators, rate_limits={'creator_info': 1}) as fake:
        def ask(token: str) -> int:
            return httpx.post(f'{fake.base_url}/v2/post/publish/creator_info/query/', json={},
                              headers={'Authorization': f'Bearer {token}'}).status_code

        assert [ask('act.a'), ask('act.a'), ask('act.b')] == [200, 429, 200]


def test_every_fake_takes_a_latency_for_its_answers():
    with FakeTelegram(latency=0.01) as telegram:
        assert telegram.latency == 0.01 and bot_api(telegram, 'getMe').json()['ok'] is True
    assert [fake(latency=0.2).latency for fake in (FakeInstagram, FakeYouTube, FakeTikTok)] == [0.2] * 3
