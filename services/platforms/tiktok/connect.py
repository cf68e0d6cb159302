"""Connecting a TikTok creator through TikTok's Login Kit: the code becomes rotating access and refresh tokens."""
from __future__ import annotations

from collections.abc import Mapping

from services.platforms.base import expires_at_after, token_request
from services.platforms.spec import CodeGrant
from services.platforms.tiktok.client import TOKEN_PATH

ACCESS_LIFETIME_S = 24 * 3600  # when the answer has no expires_in


async def exchange(grant: CodeGrant, settings: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The credentials to store; the creator's name is left to the client's check. Raises a PlatformError."""
    token = await token_request('TikTok', f'{settings["api_url"]}{TOKEN_PATH}', {
        'client_key': grant.client_id, 'client_secret': grant.client_secret, 'code': grant.code,
        'grant_type': 'authorization_code', 'redirect_uri': grant.redirect_uri})
    credentials = {'client_key': grant.client_id, 'client_secret': grant.client_secret,
                   'access_token': str(token['access_token']), 'refresh_token': str(token.get('refresh_token') or ''),
                   'open_id': str(token.get('open_id') or ''),
                   'expires_at': expires_at_after(token.get('expires_in'), ACCESS_LIFETIME_S)}
    if isinstance(token.get('refresh_expires_in'), int | float):
        credentials['refresh_expires_at'] = expires_at_after(token['refresh_expires_in'], ACCESS_LIFETIME_S)
    return credentials, ''
