"""The API of media conversions: a clip Instagram refuses is converted for it, its progress read until it is done,
the copy then what the response names; a conversion under way is cancelled; a viewer may read but not convert."""
from __future__ import annotations

import asyncio

import httpx
import pytest
from nicegui.testing import User

from services.core.models import Role
from services.media import conversions
from tests.conftest import ADMIN
from tests.harness import own_password, teammate
from tests.media_samples import make_video
from tests.services.web.test_api import token_for


@pytest.fixture
async def api(user: User, admin):
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test') as client:
        yield client


async def upload(api: httpx.AsyncClient, headers: dict[str, str], path) -> int:
    answer = await api.post('/api/v1/media', headers=headers, files={'file': (path.name, path.read_bytes())})
    assert answer.status_code == 201, answer.text
    return answer.json()['id']


async def until_ended(api: httpx.AsyncClient, headers: dict[str, str], media_id: int) -> dict:
    for _ in range(600):
        [shown] = (await api.get(f'/api/v1/media/{media_id}/conversions', headers=headers)).json()
        if shown['status'] != 'running' and not conversions.is_working(shown['id']):
            return shown
        await asyncio.sleep(0.05)
    raise AssertionError('the conversion did not end')


async def test_a_clip_instagram_refuses_is_converted_through_the_api_and_the_copy_is_named(api, admin, tmp_path):
    headers = await token_for(api, *ADMIN)
    media_id = await upload(api, headers, make_video(tmp_path, 'mp4', size=(360, 640), frames=240, fps=120,
                                                     name='slow-motion.mp4'))

    started = await api.post(f'/api/v1/media/{media_id}/conversions', headers=headers, json={'platform': 'instagram'})

    assert started.status_code == 202, started.text
    assert (started.json()['platform'], started.json()['status']) == ('instagram', 'running')
    done = await until_ended(api, headers, media_id)
    assert (done['status'], done['progress'], done['error']) == ('done', 1.0, '')
    copy = done['variant']
    assert (copy['original_name'], copy['mime_type'], copy['video_codec'], copy['frame_rate']) == \
        ('slow-motion (Instagram).mp4', 'video/mp4', 'h264', 60)


async def test_a_conversion_under_way_is_cancelled_through_the_api(api, admin, tmp_path):
    headers = await token_for(api, *ADMIN)
    media_id = await upload(api, headers, make_video(tmp_path, 'mp4', size=(1280, 720), frames=480, fps=120,
                                                     name='slow-motion.mp4'))
    started = (await api.post(f'/api/v1/media/{media_id}/conversions', headers=headers,
                              json={'platform': 'instagram'})).json()

    cancelled = await api.post(f'/api/v1/conversions/{started["id"]}/cancel', headers=headers)

    assert cancelled.status_code == 200 and cancelled.json()['status'] == 'cancelled'
    ended = await until_ended(api, headers, media_id)
    assert (ended['status'], ended['variant']) == ('cancelled', None)


async def test_a_viewer_reads_conversions_but_cannot_start_one_and_unknown_files_are_404(api, admin, tmp_path):
    headers = await token_for(api, *ADMIN)
    media_id = await upload(api, headers, make_video(tmp_path, 'mp4', name='clip.mp4'))
    teammate('vera', Role.VIEWER)
    viewer = await token_for(api, 'vera', own_password('vera'))

    assert (await api.get(f'/api/v1/media/{media_id}/conversions', headers=viewer)).json() == []
    refused = await api.post(f'/api/v1/media/{media_id}/conversions', headers=viewer, json={'platform': 'instagram'})
    assert refused.status_code == 403 and refused.json()['error']['code'] == 'forbidden'
    missing = await api.post('/api/v1/media/999/conversions', headers=headers, json={'platform': 'instagram'})
    assert missing.status_code == 404 and missing.json()['error']['code'] == 'not_found'
    bad = await api.post(f'/api/v1/media/{media_id}/conversions', headers=headers,
                         json={'platform': 'instagram', 'framing': 'stretch'})
    assert bad.status_code == 422
