"""Instagram: a professional account posts photos, reels and carousels, which Instagram pulls from this app."""
from __future__ import annotations

from services.core.i18n import N_
from services.platforms.instagram import connect
from services.platforms.instagram.client import REFRESH_WITHIN, InstagramClient
from services.platforms.instagram.errors import KNOWN_ERRORS
from services.platforms.instagram.rules import CAROUSEL_VIDEO_ASPECT, COUNTER, RULES, post_kind
from services.platforms.spec import (
    ConversionTarget,
    EnvAccount,
    MediaPull,
    OAuthProvider,
    PlatformSpec,
    PreviewStyle,
    Setting,
)

PLATFORM = PlatformSpec(
    name='instagram', label='Instagram', icon='photo_camera',
    client=lambda settings: InstagramClient(settings['api_url']),
    counter=COUNTER, rules=RULES, converts_to=ConversionTarget(fps=(23, 60), max_width=1920, max_mbit=20.0,
                                                                  aspect=CAROUSEL_VIDEO_ASPECT),
    settings=(Setting('api_url', 'INSTAGRAM_API_URL', 'https://graph.instagram.com', is_url=True),
              Setting('access_token', 'INSTAGRAM_ACCESS_TOKEN'), Setting('user_id', 'INSTAGRAM_USER_ID'),
              Setting('authorize_url', 'INSTAGRAM_AUTHORIZE_URL', 'https://www.instagram.com', is_url=True),
              Setting('oauth_url', 'INSTAGRAM_OAUTH_URL', 'https://api.instagram.com', is_url=True)),
    env_account=EnvAccount({'access_token': 'access_token', 'user_id': 'user_id'}),
    oauth=OAuthProvider(
        'authorize_url', '/oauth/authorize', ('instagram_business_basic', 'instagram_business_content_publish'),
        connect.exchange, N_('App ID'), N_('App secret'), N_(
            'Create a Meta app with the Instagram API (Instagram Login), add the redirect address below to its OAuth '
            'redirect URIs, and sign in with a professional (Business or Creator) Instagram account.'),
        same_account_key='user_id'),
    describe=InstagramClient.describe,
    publishing_quota=InstagramClient.publishing_quota,
    renew_within=REFRESH_WITHIN,
    pulls_media=MediaPull(photos_as_jpeg=True),  # Instagram takes JPEG photos only
    needs_public_url=N_(
        'Instagram needs PUBLIC_BASE_URL. Instagram does not take uploads: it downloads every photo and video from '
        'this app, so the app must be reachable from the internet at that address (https). Set PUBLIC_BASE_URL to '
        'it.'),
    finds_lost_posts=True,  # a container's status and the media edge say whether a lost publish went up
    known_errors=KNOWN_ERRORS,
    preview=PreviewStyle(cut=125, layout='carousel'),  # about 125 characters of the caption, then "… more"
    post_kind=post_kind,
)
