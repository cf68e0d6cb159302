"""YouTube: one video per post, uploaded to the channel of a Google account connected through Google's sign-in."""
from __future__ import annotations

from datetime import timedelta

from services.core.i18n import N_
from services.platforms.spec import Choice, EnvAccount, OAuthProvider, PlatformSpec, PostOption, PreviewStyle, Setting
from services.platforms.youtube import connect
from services.platforms.youtube.client import PRIVACY_STATUSES, YouTubeClient
from services.platforms.youtube.errors import KNOWN_ERRORS
from services.platforms.youtube.rules import COUNTER, RULES

PRIVACY_LABELS = {'public': N_('Public'), 'unlisted': N_('Unlisted'), 'private': N_('Private')}
PRIVACY = tuple(Choice(status, PRIVACY_LABELS[status]) for status in PRIVACY_STATUSES)

PLATFORM = PlatformSpec(
    name='youtube', label='YouTube', icon='smart_display',
    client=lambda settings: YouTubeClient(settings['api_url'], settings['oauth_url']),
    counter=COUNTER, rules=RULES,
    settings=(Setting('api_url', 'YOUTUBE_API_URL', 'https://www.googleapis.com', is_url=True),
              Setting('oauth_url', 'YOUTUBE_OAUTH_URL', 'https://oauth2.googleapis.com', is_url=True),
              Setting('client_id', 'YOUTUBE_CLIENT_ID'), Setting('client_secret', 'YOUTUBE_CLIENT_SECRET'),
              Setting('refresh_token', 'YOUTUBE_REFRESH_TOKEN'),
              Setting('authorize_url', 'YOUTUBE_AUTHORIZE_URL', 'https://accounts.google.com', is_url=True)),
    options=(PostOption('title', N_('Video title')), PostOption('privacy', N_('Who can see it'), PRIVACY)),
    title_option='title',
    describe=YouTubeClient.describe,
    env_account=EnvAccount({'client_id': 'client_id', 'client_secret': 'client_secret',
                            'refresh_token': 'refresh_token'}),
    oauth=OAuthProvider(
        # youtube.readonly lets `check` read the channel's name; offline + consent make Google give a refresh token
        'authorize_url', '/o/oauth2/v2/auth', ('https://www.googleapis.com/auth/youtube.upload',
                                               'https://www.googleapis.com/auth/youtube.readonly'),
        connect.exchange, N_('Client ID'), N_('Client secret'), N_(
            'In the Google Cloud console, enable the YouTube Data API v3, create an OAuth client of type "Web '
            'application" and add the redirect address below to its authorized redirect URIs.'),
        scope_separator=' ', extra={'access_type': 'offline', 'prompt': 'consent'}, pkce=True),
    renew_within=timedelta(minutes=20),  # access tokens last an hour
    known_errors=KNOWN_ERRORS,
    # the video's first frame, the title large below it, then the start of the description
    preview=PreviewStyle(cut=160, layout='landscape_video'),
)
