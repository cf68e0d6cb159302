"""Review through the REST API: a script submits, a reviewer approves, requests changes or rejects naming the review
round it read, and both discuss the post; the same rules as the pages."""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from nicegui.testing import User

from services.connections import accounts
from services.core.models import Role, utcnow
from services.posts import review
from tests.harness import own_password, post_of, teammate
from tests.harness.builders import listed


@pytest.fixture
async def api(user: User, admin):
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test') as client:
        yield client


async def token_for(api: httpx.AsyncClient, role: Role, name: str) -> dict[str, str]:
    person = teammate(name, role)
    response = await api.post('/api/v1/token', json={'username': name, 'password': own_password(person.username)})
    assert response.status_code == 200, response.text
    return {'Authorization': f'Bearer {response.json()["access_token"]}'}


async def test_a_script_submits_and_a_reviewer_decides_on_the_round_it_read(api, admin):
    channel = listed('telegram')[0]
    carl = await token_for(api, Role.CONTRIBUTOR, 'carl')
    edith = await token_for(api, Role.EDITOR, 'edith')
    when = (utcnow() + timedelta(days=2)).isoformat()
    body = {'text': 'First words', 'channels': [channel], 'action': 'submit', 'scheduled_at': when}
    refused = await api.post('/api/v1/posts', headers=carl, json={**body, 'action': 'schedule'})
    assert refused.status_code == 403 and refused.json()['error']['code'] == 'forbidden'

    submitted = await api.post('/api/v1/posts', headers=carl, json=body)
    assert submitted.status_code == 201, submitted.text
    post = submitted.json()
    assert (post['status'], post['review_round']) == ('in_review', 1)
    edited = await api.put(f'/api/v1/posts/{post["id"]}', headers=carl, json={**body, 'text': 'Second words'})
    assert edited.json()['review_round'] == 2

    stale = await api.post(f'/api/v1/posts/{post["id"]}/approve', headers=edith, json={'review_round': 1})
    assert stale.status_code == 409
    assert stale.json()['error'] == {'code': 'review_refused', 'message': 'The post was changed after you opened '
                                     'it: read it again before you decide.'}
    changes = await api.post(f'/api/v1/posts/{post["id"]}/request-changes', headers=edith,
                             json={'review_round': 2, 'comment': 'Name the day'})
    assert changes.status_code == 200 and changes.json()['status'] == 'draft'

    await api.put(f'/api/v1/posts/{post["id"]}', headers=carl, json={**body, 'text': 'Monday'})
    approved = await api.post(f'/api/v1/posts/{post["id"]}/approve', headers=edith, json={'review_round': 3})
    assert approved.status_code == 200, approved.text
    assert approved.json()['status'] == 'scheduled'
    assert post_of(post['id']).approved_round == 3
    own = await api.post(f'/api/v1/posts/{post["id"]}/approve', headers=carl, json={'review_round': 3})
    assert own.status_code == 403


async def test_comments_through_the_api_mention_and_list_the_review_steps(api, admin):
    channel = listed('telegram')[0]
    carl = await token_for(api, Role.CONTRIBUTOR, 'carl')
    edith = await token_for(api, Role.EDITOR, 'edith')
    post_id = (await api.post('/api/v1/posts', headers=carl, json={'text': 'Hi', 'channels': [channel],
                                                                   'action': 'submit'})).json()['id']
    written = await api.post(f'/api/v1/posts/{post_id}/comments', headers=edith, json={'text': '@carl which photo?'})
    assert written.status_code == 201, written.text
    assert [(e['kind'], e['author'], e['text']) for e in written.json()] == [
        ('post.submit', 'carl', ''), ('comment', 'edith', '@carl which photo?')]
    late = await api.post(f'/api/v1/posts/{post_id}/approve', headers=edith, json={'review_round': 1})
    assert late.status_code == 409 and 'has passed' in late.json()['error']['message']  # no time was wanted
    rejected = await api.post(f'/api/v1/posts/{post_id}/reject', headers=edith, json={'review_round': 1})
    assert rejected.json()['status'] == 'rejected'
    listed_steps = (await api.get(f'/api/v1/posts/{post_id}/comments', headers=carl)).json()
    assert [e['kind'] for e in listed_steps] == ['post.submit', 'comment', 'post.reject']
    assert review.waiting_count() == 0


async def test_an_approval_the_post_no_longer_passes_is_refused_in_the_clients_language(api, admin):
    channel = listed('telegram')[0]
    carl = await token_for(api, Role.CONTRIBUTOR, 'carl')
    edith = await token_for(api, Role.EDITOR, 'edith')
    when = (utcnow() + timedelta(days=2)).isoformat()
    post_id = (await api.post('/api/v1/posts', headers=carl, json={
        'text': 'Launch', 'channels': [channel], 'action': 'submit', 'scheduled_at': when})).json()['id']
    accounts.mark_needs_reconnect(accounts.list_accounts()[0].id)

    refused = await api.post(f'/api/v1/posts/{post_id}/approve', headers={**edith, 'Accept-Language': 'ar'},
                             json={'review_round': 1})
    assert refused.status_code == 422
    error = refused.json()['error']
    assert error['code'] == 'post_refused'
    assert error['message'].startswith('Telegram · @telegram-team غير موصولة. أعِد وصلها من صفحة القنوات أولًا.')
    assert post_of(post_id).status == 'in_review'
    listed_steps = (await api.get(f'/api/v1/posts/{post_id}/comments', headers=edith)).json()
    assert [e['kind'] for e in listed_steps] == ['post.submit']  # no approval recorded
