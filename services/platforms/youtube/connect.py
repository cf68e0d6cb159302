"""Connecting a YouTube channel through Google's sign-in: the code (with its PKCE verifier) becomes a refresh token
and a first access token."""
from __future__ import annotations

from collections.abc import Mapping

from services.platforms.base import PlatformError, expires_at_after, token_request
from services.platforms.spec import CodeGrant
from services.platforms.youtube.client import TOKEN_LIFETIME_S


async def exchange(grant: CodeGrant, settings: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """The credentials to store; the channel's name is left to the client's check. Raises a PlatformError."""
    token = await token_request('YouTube', f'{settings["oauth_url"]}/token', {
        'code': grant.code, 'client_id': grant.client_id, 'client_secret': grant.client_secret,
        'redirect_uri': grant.redirect_uri, 'grant_type': 'authorization_code',
        **({'code_verifier': grant.code_verifier} if grant.code_verifier else {})})
    if not token.get('refresh_token'):
        raise PlatformError('Google gave no refresh token; remove the app under "Third-party apps" in your Google '
                            'account, then connect again')
    return {'client_id': grant.client_id, 'client_secret': grant.client_secret,
            'refresh_token': str(token['refresh_token']), 'access_token': str(token['access_token']),
            'expires_at': expires_at_after(token.get('expires_in'), TOKEN_LIFETIME_S)}, ''
