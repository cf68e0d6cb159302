"""Connecting an Instagram professional account through Instagram Login: the code becomes a short-lived token
(1 hour), that a long-lived one (60 days), which names the account."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.platforms.base import PlatformError, expires_at_after, send, token_request
from services.platforms.instagram.client import TOKEN_LIFETIME_S
from services.platforms.instagram.graph_errors import result_or_raise
from services.platforms.spec import CodeGrant

GRAPH_VERSION = 'v25.0'


async def exchange(grant: CodeGrant, settings: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The credentials of the account that allowed access, and its '@username'. Raises a PlatformError."""
    short = await token_request('Instagram', f'{settings["oauth_url"]}/oauth/access_token', {
        'client_id': grant.client_id, 'client_secret': grant.client_secret,
        'grant_type': 'authorization_code', 'redirect_uri': grant.redirect_uri, 'code': grant.code})
    if isinstance(short.get('data'), list) and short['data']:  # the newer documented shape wraps it in `data`
        short = short['data'][0]
    long_lived = await _graph_get(f'{settings["api_url"]}/access_token', {
        'grant_type': 'ig_exchange_token', 'client_secret': grant.client_secret,
        'access_token': str(short['access_token'])})
    if not long_lived.get('access_token'):
        raise PlatformError('Instagram gave no long-lived token')
    token = str(long_lived['access_token'])
    me = await _graph_get(f'{settings["api_url"]}/{GRAPH_VERSION}/me',
                          {'fields': 'user_id,username', 'access_token': token})
    credentials = {'access_token': token, 'user_id': str(me.get('user_id') or short.get('user_id') or ''),
                   'expires_at': expires_at_after(long_lived.get('expires_in'), TOKEN_LIFETIME_S),
                   'client_id': grant.client_id, 'client_secret': grant.client_secret}
    return credentials, f'@{me.get("username") or credentials["user_id"]}'


async def _graph_get(url: str, params: dict[str, str]) -> dict[str, Any]:
    return await send('Instagram', 'GET', url, read=result_or_raise, params=params)
