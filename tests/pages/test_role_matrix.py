"""Each role against each action, by every path there is to it: the pages, the API and the services.

The expectations are written out here rather than read from services.permissions, so that a change to the rules
shows up as a failing test.
"""
from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from nicegui.testing import User

from services.connections import accounts, channels
from services.core import db
from services.core.models import DeliveryStatus, PostStatus, Role, utcnow
from services.media import catalogue
from services.posts import actions, comments, editing, review
from services.posts.editing import PostInput, SaveAction
from services.team import permissions, users
from tests import harness
from tests.conftest import sign_in
from tests.harness.builders import channels_of

ALL = {Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR, Role.VIEWER}
DRAFTERS, WRITERS, ADMINS = {Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR}, {Role.ADMIN, Role.EDITOR}, {Role.ADMIN}
ROLES = [Role.ADMIN, Role.EDITOR, Role.CONTRIBUTOR, Role.VIEWER]
PAGES = {'/': ALL, '/calendar': ALL, '/history': ALL, '/settings': ALL, '/compose': DRAFTERS, '/review': WRITERS,
         '/channels': ADMINS, '/users': ADMINS, '/audit': ADMINS, '/media': ALL}


async def member(admin, role: Role) -> tuple:
    """A user of `role` who has already chosen a password, and that password."""
    person = harness.teammate(f'{role.value}-one', role)
    return person, harness.own_password(person.username)


def draft(author_id: int, status: PostStatus = PostStatus.DRAFT) -> int:
    return harness.with_status(harness.draft('A post', author_id=author_id, platforms=()), status)


def submitted_by_another(who) -> int:
    """A post in review, written by someone other than `who`."""
    author = users.find_user('writer-two') or harness.teammate('writer-two', Role.CONTRIBUTOR)
    return draft(author.id, PostStatus.IN_REVIEW)


def failed_delivery(author_id: int) -> int:
    post_id = harness.in_state('A post', PostStatus.FAILED, DeliveryStatus.FAILED, author_id=author_id)
    return harness.deliveries_of(post_id)[0].id


SERVICE_ACTIONS = {  # name: (the roles allowed, what doing it takes)
    'write a draft': (DRAFTERS, lambda who: editing.save_post(who.id, PostInput(text='x'), SaveAction.DRAFT,
                                                              actor=who)),
    'submit for review': (DRAFTERS, lambda who: editing.save_post(who.id, PostInput(
        text='x', channels=channels_of(['telegram'])), SaveAction.SUBMIT, actor=who)),
    'approve': (WRITERS, lambda who: review.approve(submitted_by_another(who), who, review_round=0,
                                                    publish_now=True)),
    'request changes': (WRITERS, lambda who: review.request_changes(submitted_by_another(who), who, 'Why',
                                                                    review_round=0)),
    'comment': (DRAFTERS, lambda who: comments.add_comment(draft(who.id), who, 'A thought')),
    'edit another\'s post': (WRITERS, lambda who: editing.save_post(who.id, PostInput(text='y'), SaveAction.DRAFT,
                                                                    post_id=draft(1), actor=who)),
    'publish now': (WRITERS, lambda who: editing.save_post(who.id, PostInput(text='x',
                                                                             channels=channels_of(['telegram'])),
                                                         SaveAction.PUBLISH, actor=who)),
    'duplicate': (DRAFTERS, lambda who: editing.duplicate_post(draft(who.id), who)),
    'delete one\'s own draft': (DRAFTERS, lambda who: editing.delete_post(draft(who.id), who)),
    'delete another\'s post': (WRITERS, lambda who: editing.delete_post(draft(1), who)),
    'reschedule': (WRITERS, lambda who: actions.reschedule(draft(who.id, PostStatus.SCHEDULED),
                                                              utcnow() + timedelta(days=1), actor=who)),
    'cancel': (WRITERS, lambda who: actions.cancel(draft(who.id, PostStatus.SCHEDULED), actor=who)),
    'retry': (WRITERS, lambda who: actions.retry(failed_delivery(who.id), actor=who)),
    'delete a file': (WRITERS, lambda who: catalogue.delete_media(harness.media_rows(1)[0], who)),
    'connect an account': (ADMINS, lambda who: accounts.save_account('telegram', '@chan', {'bot_token': '1:x',
                                                                                          'chat_id': '@chan'},
                                                                     actor=who)),
    'disconnect a channel': (ADMINS, lambda who: channels.disconnect_channel(channels.add_channel(
        accounts.save_account('telegram', '@gone', {'bot_token': '1:y', 'chat_id': '@gone'}).id,
        {'chat_id': '@gone'}).id, who)),
    'add a user': (ADMINS, lambda who: users.create_user(who, 'newcomer', Role.VIEWER, language='en',
                                                          time_zone='UTC', ip='')),
    'change a role': (ADMINS, lambda who: users.set_role(who, who.id, who.role, ip='')),
    'reset a password': (ADMINS, lambda who: users.reset_password(who, who.id, ip='')),
}


@pytest.mark.parametrize('role', ROLES)
async def test_services_allow_each_action_only_to_its_roles(user: User, admin, role):
    who, _password = await member(admin, role)
    for action, (allowed, act) in SERVICE_ACTIONS.items():
        refusals_before = audit_actions_of(who.id).count('forbidden')
        if role in allowed:
            try:
                act(who)
            except permissions.Forbidden:
                pytest.fail(f'{role} may {action}')
            except Exception:  # noqa: BLE001 - refused for another reason (e.g. no account): not about the role
                pass
            assert audit_actions_of(who.id).count('forbidden') == refusals_before, action
        else:
            with pytest.raises(permissions.Forbidden, match='does not allow'):
                act(who)
            assert audit_actions_of(who.id).count('forbidden') == refusals_before + 1, action  # audited
    if role == Role.VIEWER:
        assert set(audit_actions_of(who.id)) == {'forbidden'}  # refused before anything happened
    if role == Role.ADMIN:  # what was done is in the audit log under who did it
        assert {'post.delete', 'post.cancel', 'post.retry', 'account.connected', 'account.removed',
                'user.created', 'user.role_changed'} <= set(audit_actions_of(who.id))


@pytest.mark.parametrize('role', ROLES)
async def test_pages_open_only_for_the_roles_they_serve(user: User, admin, role):
    who, password = await member(admin, role)
    assert (await sign_in(user, who.username, password)).status_code == 303
    for path, allowed in PAGES.items():
        response = await user.http_client.get(path)
        if role in allowed:
            assert response.status_code == 200, (role, path)
        else:
            assert (response.status_code, response.headers['location']) == (307, '/'), (role, path)
    refused = [path for path, allowed in PAGES.items() if role not in allowed]
    assert audit_actions_of(who.id).count('forbidden') == len(refused)


@pytest.mark.parametrize('role', ROLES)
async def test_the_api_allows_each_action_only_to_its_roles(user: User, admin, role):
    who, password = await member(admin, role)
    async with httpx.AsyncClient(transport=user.http_client._transport, base_url='http://test') as api:
        token = (await api.post('/api/v1/token', json={'username': who.username, 'password': password})).json()
        headers = {'Authorization': f'Bearer {token["access_token"]}'}
        scheduled = draft(admin.id, PostStatus.SCHEDULED)
        in_review = submitted_by_another(who)
        calls = {  # what: (the roles allowed, the request)
            'list posts': (ALL, api.get('/api/v1/posts', headers=headers)),
            'read a post': (ALL, api.get(f'/api/v1/posts/{scheduled}', headers=headers)),
            'write a draft': (DRAFTERS, api.post('/api/v1/posts', headers=headers, json={'text': 'x'})),
            'submit for review': (DRAFTERS, api.post('/api/v1/posts', headers=headers,
                                                     json={'text': 'x', 'platforms': ['telegram'],
                                                           'action': 'submit'})),
            'approve': (WRITERS, api.post(f'/api/v1/posts/{in_review}/approve', headers=headers,
                                          json={'review_round': 0, 'publish_now': True})),
            'reject': (WRITERS, api.post(f'/api/v1/posts/{in_review}/reject', headers=headers,
                                         json={'review_round': 0})),
            'comment': (DRAFTERS, api.post(f'/api/v1/posts/{scheduled}/comments', headers=headers,
                                           json={'text': 'A thought'})),
            'read the comments': (ALL, api.get(f'/api/v1/posts/{scheduled}/comments', headers=headers)),
            'publish now': (WRITERS, api.post('/api/v1/posts', headers=headers,
                                              json={'text': 'x', 'platforms': ['telegram'], 'action': 'publish'})),
            'cancel': (WRITERS, api.post(f'/api/v1/posts/{scheduled}/cancel', headers=headers)),
            'upload media': (DRAFTERS, api.post('/api/v1/media', headers=headers,
                                               files={'file': ('a.txt', b'not a picture', 'text/plain')})),
        }
        for what, (allowed, request) in calls.items():
            response = await request
            if role in allowed:
                assert response.status_code != 403, (role, what, response.text)
            else:
                assert response.status_code == 403, (role, what, response.text)
                assert response.json()['error']['code'] == 'forbidden'


def audit_actions_of(actor_id: int) -> list[str]:
    from sqlmodel import select

    from services.core.models import AuditEvent

    with db.session() as session:
        return list(session.exec(select(AuditEvent.action).where(AuditEvent.actor_id == actor_id)
                                 .where(AuditEvent.action != 'user.password_reset').order_by(AuditEvent.id)))

