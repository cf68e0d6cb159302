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
