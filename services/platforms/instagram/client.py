"""Instagram Graph API client (Instagram Login, graph.instagram.com): posts a photo, a reel or a carousel.

Credentials: `access_token` (a long-lived Instagram user token), `user_id` (the professional account's id) and,
optionally, `expires_at` (ISO 8601, UTC): a `TokenSession` renews the token as it nears. Instagram pulls every file
from its public URL (`MediaFile.url`), builds a container per file, and publishes the container once it has
processed it.

Nothing is posted twice: when media_publish's answer is lost (a broken connection, a 5xx), the container's status
says whether the post went up before the engine is allowed to try again with a new container.
"""
from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from services.platforms.base import (
    Account,
    MediaFile,
    NeedsReconnect,
    OutcomeUnknown,
    PlatformError,
    PostContent,
    PublishResult,
    Rejected,
    Retryable,
    TokenSession,
    expires_at_after,
    send,
)
from services.platforms.instagram.graph_errors import ContainerNotReady, processing_error, result_or_raise
from services.platforms.instagram.rules import CAROUSEL as MAX_CAROUSEL_ITEMS
from services.platforms.spec import AccountProfile

NOT_READY_ATTEMPTS = 4  # media_publish calls while Instagram still says "not ready" after FINISHED
REFRESH_WITHIN = timedelta(days=7)  # long-lived tokens last 60 days and can be renewed once a day old
TOKEN_LIFETIME_S = 60 * 24 * 3600  # when a token answer has no expires_in
STATUS_CHECKS = 3  # times a container's status is asked after media_publish's answer was lost
STATUS_CHECK_WAIT_S = 2.0  # between them: a publish still under way has a moment to show
NOT_PUBLISHED = frozenset({'FINISHED', 'ERROR', 'EXPIRED'})
RECENT_MEDIA = 10  # newest posts searched for the one whose answer was lost
CLOCK_SLACK = timedelta(minutes=10)  # Instagram's clock against ours, when telling a new post from an older one

class InstagramClient:
    platform = 'instagram'

    def __init__(self, api_url: str, *, api_version: str = 'v25.0', poll_interval: float = 5.0,
                 poll_timeout: float = 300.0) -> None:
        self._base_url = api_url.rstrip('/')
        self._version = api_version.strip('/')
        self._poll_interval = poll_interval
        self._poll_timeout = poll_timeout
        # The engine keeps one client for every attempt at a delivery: the container an attempt was publishing
        # when it failed (with when it started) is asked about first by the next attempt, never built again. It
        # is also saved with the delivery (`PostContent.checkpoint`), for the run after a crash.
        self._left: tuple[PostContent, str, datetime] | None = None
        self._picked_up = False

    async def check(self, account: Account) -> str:
        """Ask Instagram whose token this is; returns '@username'. Raises a PlatformError."""
        me = await self._get(_token(account), 'me', {'fields': 'user_id,username'})
        return f'@{me.get("username") or me.get("user_id", "")}'

    async def describe(self, account: Account) -> AccountProfile:
        """Whose token this is: the professional account's id, name (else '@username') and profile picture address.
        Raises a PlatformError."""
        me = await self._get(_token(account), 'me', {'fields': 'user_id,username,name,profile_picture_url'})
        username = me.get('username') or me.get('user_id', '')
        return AccountProfile(remote_id=str(me.get('user_id') or me.get('id') or ''),
                              name=str(me.get('name') or f'@{username}'),
                              picture_url=str(me.get('profile_picture_url') or ''))

    async def refresh(self, account: Account) -> dict[str, str]:
        """A new long-lived token for the account's (at least a day old, unexpired) one.

        Returns {'access_token', 'expires_at'} for the caller to store. Raises a PlatformError.
        """
        answer = await self._call('GET', _token(account), 'refresh_access_token',
                                  {'grant_type': 'ig_refresh_token'}, versioned=False)
        token = answer.get('access_token')
        if not isinstance(token, str) or not token:
            raise Retryable('Instagram answered the token refresh without a token')
        return {'access_token': token, 'expires_at': expires_at_after(answer.get('expires_in'), TOKEN_LIFETIME_S)}

    async def publishing_quota(self, account: Account) -> tuple[int, int]:
        """(posts published through the API in the last 24 hours, how many are allowed). Raises a PlatformError."""
        return await self._quota(_token(account), _user_id(account))

    async def publish(self, content: PostContent, account: Account) -> PublishResult:
        """Post `content` (one photo, one video as a reel, or a carousel of 2–10); returns the media id and permalink.

        Raises Retryable, NeedsReconnect or Rejected. A token near its expiry is renewed first (and kept by the
        account). When media_publish's answer is lost and the post went up all the same, the result carries the post
        Instagram lists under the caption (remote_id '' when it lists none); when Instagram will not say whether it
        went up, Rejected asks the user to look before retrying.
        """
        _check_media(content.media)
        user_id = _user_id(account)
        token = await TokenSession(account, self.refresh, margin=REFRESH_WITHIN).token()
        self._pick_up_crashed_run(content)
        earlier = await self._left_by_earlier_attempt(token, user_id, content)
        if isinstance(earlier, PublishResult):
            return earlier
        used, total = await self._quota(token, user_id)
        if used >= total:
            raise Rejected(f"Instagram's daily publishing limit is reached ({used} of {total} posts in 24 hours)")
        container = earlier or await self._finished_container(token, user_id, content)
        started = datetime.now(UTC)
        self._left = (content, container, started)
        if content.checkpoint is not None:
            content.checkpoint({'container': container, 'started': started.isoformat()})
        try:
            media_id = await self._publish_container(token, user_id, container)
        except OutcomeUnknown as doubt:
            await self._confirm_published(token, container, doubt)
            self._left = None
            media_id, link = await self._find_published(token, user_id, content.text, started - CLOCK_SLACK)
            return PublishResult(remote_id=media_id, remote_url=link)
        self._left = None
        return PublishResult(remote_id=media_id, remote_url=await self._permalink(token, media_id))

    def _pick_up_crashed_run(self, content: PostContent) -> None:
        """The container a run that crashed was publishing, as if an attempt of this run had left it."""
        saved, since = content.resume.get('container'), content.resume.get('started')
        if self._picked_up or not isinstance(saved, str) or not saved:
            return
        self._picked_up = True
        try:
            started = datetime.fromisoformat(since) if isinstance(since, str) else datetime.now(UTC)
        except ValueError:
            started = datetime.now(UTC)
        self._left = (content, saved, started)

    async def _left_by_earlier_attempt(self, token: str, user_id: str,
                                       content: PostContent) -> PublishResult | str | None:
        """What a failed attempt at this same post left behind: the result, when its container went up after all
        (Instagram can finish a publish after answering with an error); the container, when it is finished and
        waits to be published; None, when a new one is needed."""
        if self._left is None or self._left[0] is not content:
            return None
        _content, container, started = self._left
        try:
            state = await self._get(token, container, {'fields': 'status_code'})
        except (Retryable, NeedsReconnect):
            raise  # ask again at the next attempt
        except PlatformError:  # the container is gone: it was never published
            self._left = None
            return None
        if state.get('status_code') == 'PUBLISHED':
            self._left = None
            media_id, link = await self._find_published(token, user_id, content.text, started - CLOCK_SLACK)
            return PublishResult(remote_id=media_id, remote_url=link)
        if state.get('status_code') == 'FINISHED':
            return container
        self._left = None
        return None

    async def _finished_container(self, token: str, user_id: str, content: PostContent) -> str:
        """The id of a container for `content` that Instagram has finished processing (children first)."""
        deadline = asyncio.get_running_loop().time() + self._poll_timeout
        if len(content.media) == 1:
            fields = {**_single(content.media[0]), **_caption(content.text)}
        else:
            children = [await self._container(token, user_id, _carousel_item(item)) for item in content.media]
            for child in children:
                await self._wait_until_finished(token, child, deadline)
            fields = {'media_type': 'CAROUSEL', 'children': ','.join(children), **_caption(content.text)}
        container = await self._container(token, user_id, fields)
        await self._wait_until_finished(token, container, deadline)
        return container

    async def _quota(self, token: str, user_id: str) -> tuple[int, int]:
        answer = await self._get(token, f'{user_id}/content_publishing_limit', {'fields': 'quota_usage,config'})
        rows = answer.get('data') if isinstance(answer.get('data'), list) else []
        row = rows[0] if rows and isinstance(rows[0], dict) else {}
        config = row.get('config') if isinstance(row.get('config'), dict) else {}
        used, total = row.get('quota_usage'), config.get('quota_total')
        # the cap has changed over the years; without one, Instagram itself refuses with 9 / 2207042
        return (used if isinstance(used, int) else 0), (total if isinstance(total, int) else 100)

    async def _container(self, token: str, user_id: str, fields: dict[str, str]) -> str:
        return _id_of(await self._post(token, f'{user_id}/media', fields), 'the media container')

    async def _wait_until_finished(self, token: str, container: str, deadline: float) -> None:
        """Poll the container until Instagram has fetched and processed its media."""
        loop = asyncio.get_running_loop()
        while True:
            state = await self._get(token, container, {'fields': 'status_code,status'})
            status_code, status = state.get('status_code'), str(state.get('status') or '')
            if status_code in ('FINISHED', 'PUBLISHED'):
                return
            if status_code == 'ERROR':
                raise processing_error(status)
            if status_code == 'EXPIRED':
                raise Retryable('Instagram let the media container expire before it was published')
            if loop.time() + self._poll_interval > deadline:
                raise Retryable(f'Instagram was still processing the media after {self._poll_timeout:g} s')
            await asyncio.sleep(self._poll_interval)

    async def _publish_container(self, token: str, user_id: str, container: str) -> str:
        fields = {'creation_id': container}
        for _ in range(NOT_READY_ATTEMPTS - 1):
            try:
                return _id_of(await self._post(token, f'{user_id}/media_publish', fields), 'the published post')
            except ContainerNotReady:
                await asyncio.sleep(self._poll_interval)
        return _id_of(await self._post(token, f'{user_id}/media_publish', fields), 'the published post')

    async def _confirm_published(self, token: str, container: str, doubt: OutcomeUnknown) -> None:
        """Return when the container went up although media_publish's answer was lost. Raises Retryable when it did
        not (a new attempt cannot post twice), Rejected when Instagram will not say (a new one might)."""
        status_code, reason = await self._status_after_doubt(token, container)
        if status_code == 'PUBLISHED':
            return
        if status_code in NOT_PUBLISHED:
            raise Retryable(f'{doubt.message}; the post did not go up', status=doubt.status,
                            retry_after=doubt.retry_after)
        raise Rejected(f'Instagram did not say whether the post went up ({reason}). Check the profile before '
                       'pressing Retry, or the post may appear twice.', status=doubt.status)

    async def _status_after_doubt(self, token: str, container: str) -> tuple[str | None, str]:
        """The container's status_code, or None and why there is none.

        "Not published" must hold over every check: a publish that was still under way when the connection broke
        may show a moment later. Other answers end the checks at once.
        """
        status_code: str | None = None
        reason = 'no answer'
        for attempt in range(STATUS_CHECKS):
            if attempt:
                await asyncio.sleep(min(self._poll_interval, STATUS_CHECK_WAIT_S))
            try:
                state = await self._get(token, container, {'fields': 'status_code'})
            except Retryable as error:
                reason = error.message
                continue
            except PlatformError as error:  # the token or the container is gone: asking again will not help
                return status_code, error.message
            found = state.get('status_code')
            status_code, reason = (found if isinstance(found, str) else None), f'its status was {found!r}'
            if status_code not in NOT_PUBLISHED:
                break
        return status_code, reason

    async def _find_published(self, token: str, user_id: str, caption: str,
                              since: datetime) -> tuple[str, str | None]:
        """The id and permalink of the newest post with `caption` since `since`; ('', None) when none is listed."""
        try:
            answer = await self._get(token, f'{user_id}/media', {'fields': 'id,caption,permalink,timestamp',
                                                                 'limit': str(RECENT_MEDIA)})
        except PlatformError:
            return '', None  # the post is up: not knowing its id must not make the engine post it again
        rows = answer.get('data') if isinstance(answer.get('data'), list) else []
        for row in rows:  # newest first
            if isinstance(row, dict) and row.get('id') and _same_caption(row.get('caption'), caption) \
                    and _posted_since(row.get('timestamp'), since):
                link = row.get('permalink')
                return str(row['id']), (link if isinstance(link, str) and link else None)
        return '', None

    async def _permalink(self, token: str, media_id: str) -> str | None:
        try:
            answer = await self._get(token, media_id, {'fields': 'permalink'})
        except PlatformError:
            return None  # the post is up: a missing link must not make the engine post it again
        link = answer.get('permalink')
        return link if isinstance(link, str) and link else None

    async def _get(self, token: str, path: str, params: dict[str, str]) -> dict[str, Any]:
        return await self._call('GET', token, path, params)

    async def _post(self, token: str, path: str, fields: dict[str, str]) -> dict[str, Any]:
        return await self._call('POST', token, path, fields)

    async def _call(self, method: str, token: str, path: str, fields: dict[str, str], *,
                    versioned: bool = True) -> dict[str, Any]:
        """One Graph API call: the token in the query string, other fields there (GET) or in a form (POST)."""
        url = f'{self._base_url}/{self._version}/{path}' if versioned else f'{self._base_url}/{path}'
        query = {**(fields if method == 'GET' else {}), 'access_token': token}
        return await send('Instagram', method, url, read=result_or_raise, params=query,
                          data=fields if method == 'POST' else None)


def _check_media(media: tuple[MediaFile, ...]) -> None:
    if not media:
        raise Rejected('An Instagram post needs at least one photo or video')
    if len(media) > MAX_CAROUSEL_ITEMS:
        raise Rejected(f'An Instagram carousel holds at most {MAX_CAROUSEL_ITEMS} photos or videos, not {len(media)}')
    for item in media:
        if not (item.mime_type.startswith('image/') or item.is_video):
            raise Rejected(f'Instagram can only post photos and videos, not {item.mime_type}')
        if not item.url:
            raise Rejected(f'Instagram fetches media from PUBLIC_BASE_URL, which must be set (to reach '
                           f'{item.path.name})')


def _single(media: MediaFile) -> dict[str, str]:
    # single feed videos publish as reels
    return {'media_type': 'REELS', 'video_url': str(media.url)} if media.is_video else {'image_url': str(media.url)}


def _carousel_item(media: MediaFile) -> dict[str, str]:
    kind = {'media_type': 'VIDEO', 'video_url': str(media.url)} if media.is_video else {'image_url': str(media.url)}
    return {'is_carousel_item': 'true', **kind}


def _caption(text: str) -> dict[str, str]:
    return {'caption': text} if text else {}


def _id_of(answer: dict[str, Any], what: str) -> str:
    found = answer.get('id')
    if found is None or found == '':
        raise OutcomeUnknown(f'Instagram answered without an id for {what}')
    return str(found)


def _same_caption(found: Any, caption: str) -> bool:
    # Instagram may trim the caption or change its line breaks
    return ' '.join(str(found or '').split()) == ' '.join(caption.split())


def _posted_since(timestamp: Any, since: datetime) -> bool:
    """Whether a post's `timestamp` ('2025-01-31T09:00:00+0000') is not before `since`; True when unreadable."""
    try:
        moment = datetime.fromisoformat(str(timestamp))
    except ValueError:
        return True
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) >= since


def _token(account: Account) -> str:
    token = account.credentials.get('access_token', '')
    if not token:
        raise NeedsReconnect('No Instagram access token is set for this account')
    return token


def _user_id(account: Account) -> str:
    user_id = account.credentials.get('user_id', '')
    if not user_id:
        raise NeedsReconnect('No Instagram user id is set for this account')
    return user_id
