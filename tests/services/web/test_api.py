"""The REST API: bearer tokens, the same role checks and messages as the pages, JSON errors with codes."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from nicegui.testing import User

from services.core.models import Role, utcnow
from tests.conftest import ADMIN, audit_actions
from tests.harness import own_password, teammate
from tests.media_samples import make_image


@pytest.fixture
async def api(user: User, admin):
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test') as client:
        yield client


async def token_for(api: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await api.post('/api/v1/token', json={'username': username, 'password': password})
    assert response.status_code == 200, response.text
    return {'Authorization': f'Bearer {response.json()["access_token"]}'}


async def person(admin, name: str, role: Role) -> str:
    return own_password(teammate(name, role).username)


async def test_wrong_credentials_get_a_json_error_with_a_code(api):
    response = await api.post('/api/v1/token', json={'username': 'admin', 'password': 'nope nope nope'})
    assert response.status_code == 401
    assert response.json() == {'error': {'code': 'wrong_credentials', 'message': 'Wrong username or password.'}}


async def test_requests_without_a_token_are_refused(api):
    response = await api.get('/api/v1/posts')
    assert response.status_code == 401 and response.json()['error']['code'] == 'unauthorized'


async def test_an_editor_writes_schedules_and_cancels_a_post(api, admin):
    headers = await token_for(api, 'eddie', await person(admin, 'eddie', Role.EDITOR))
    created = await api.post('/api/v1/posts', headers=headers, json={'text': 'From a script'})
    assert created.status_code == 201, created.text
    post_id = created.json()['id']
    when = (utcnow() + timedelta(days=2)).isoformat()
    # No channel is connected: a platform named the old way cannot be resolved to one.
    refused = await api.put(f'/api/v1/posts/{post_id}', headers=headers,
                            json={'text': 'From a script', 'platforms': ['telegram'], 'action': 'schedule',
                                  'scheduled_at': when})
    assert refused.status_code == 422
    assert refused.json()['error'] == {'code': 'choose_channels', 'message':
                                       'Telegram has no connected channel. Connect one on the Channels page first.'}
    cancelled = await api.post(f'/api/v1/posts/{post_id}/cancel', headers=headers)
    assert cancelled.status_code in (200, 409)


async def test_a_viewer_cannot_publish_through_the_api_and_it_is_audited(api, admin):
    headers = await token_for(api, 'vic', await person(admin, 'vic', Role.VIEWER))
    response = await api.post('/api/v1/posts', headers=headers, json={'text': 'sneaky', 'action': 'publish'})
    assert response.status_code == 403
    assert response.json()['error']['code'] == 'forbidden'
    assert audit_actions('publish') == ['forbidden']
    assert (await api.get('/api/v1/posts', headers=headers)).status_code == 200


async def test_media_upload_uses_the_same_checks(api, admin, tmp_path):
    headers = await token_for(api, *ADMIN)
    picture = make_image(tmp_path, 'png', name='chart.png')
    ok = await api.post('/api/v1/media', headers=headers, files={'file': ('chart.png', picture.read_bytes())})
    assert ok.status_code == 201 and ok.json()['mime_type'] == 'image/png'
    bad = await api.post('/api/v1/media', headers=headers, files={'file': ('evil.jpg', b'MZ' + bytes(300))})
    assert bad.status_code == 422 and bad.json()['error']['code'] == 'media_refused'


async def test_bad_input_is_a_4xx_with_a_reason_never_a_500(api, admin):
    headers = await token_for(api, *ADMIN)
    response = await api.post('/api/v1/posts', headers=headers, json={'platforms': ['myspace']})
    assert response.status_code == 422 and response.json()['error']['code'] == 'invalid_request'
    assert (await api.get('/api/v1/posts/999999', headers=headers)).status_code == 404
    schema = (await api.get('/openapi.json')).json()
    assert '/api/v1/posts' in schema['paths']


async def test_unknown_addresses_methods_and_oversized_uploads_answer_in_the_json_error_shape(api, monkeypatch):
    missing = await api.get('/api/v1/nothing/here', headers={'Accept-Language': 'ar'})
    assert missing.status_code == 404 and missing.json()['error']['code'] == 'not_found'
    assert 'لا يوجد' in missing.json()['error']['message']
    wrong_method = await api.delete('/api/v1/posts')
    assert wrong_method.status_code == 405 and wrong_method.json()['error']['code'] == 'method_not_allowed'
    assert wrong_method.headers['allow'] == 'GET, POST'
    too_large = await api.post('/api/v1/media', content=b'x', headers={'Content-Length': str(2**40)})
    assert too_large.status_code == 413
    assert too_large.json()['error'] == {'code': 'too_large', 'message':
                                         'The upload is larger than 10 MB. Upload a smaller or shorter file.'}


async def test_the_openapi_schema_describes_the_api_only(api):
    paths = (await api.get('/openapi.json')).json()['paths']
    assert '/api/v1/posts' in paths and '/api/v1/token' in paths
    assert all(path.startswith('/api/v1/') for path in paths), sorted(paths)
