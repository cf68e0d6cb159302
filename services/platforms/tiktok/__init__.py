"""TikTok: one video per post, published straight to a creator's profile (Content Posting API, direct post)."""
from __future__ import annotations

from datetime import timedelta

from services.core.i18n import N_
from services.platforms.spec import (
    Choice,
    ConversionTarget,
    EnvAccount,
    MediaPull,
    OAuthProvider,
    PlatformSpec,
    PostOption,
    PreviewStyle,
    Setting,
)
from services.platforms.tiktok import connect
from services.platforms.tiktok.client import TikTokClient
from services.platforms.tiktok.errors import KNOWN_ERRORS
from services.platforms.tiktok.rules import COUNTER, RULES

PRIVACY = (Choice('PUBLIC_TO_EVERYONE', N_('Everyone')), Choice('MUTUAL_FOLLOW_FRIENDS', N_('Friends')),
           Choice('FOLLOWER_OF_CREATOR', N_('Followers')), Choice('SELF_ONLY', N_('Only me')))

PLATFORM = PlatformSpec(
    name='tiktok', label='TikTok', icon='music_note',
    client=lambda settings: TikTokClient(settings['api_url']),
    counter=COUNTER, rules=RULES, converts_to=ConversionTarget(fps=(23, 60), sides=(360, 4096), photos=False),
    settings=(Setting('api_url', 'TIKTOK_API_URL', 'https://open.tiktokapis.com', is_url=True),
              Setting('client_key', 'TIKTOK_CLIENT_KEY'), Setting('client_secret', 'TIKTOK_CLIENT_SECRET'),
              Setting('access_token', 'TIKTOK_ACCESS_TOKEN'), Setting('refresh_token', 'TIKTOK_REFRESH_TOKEN'),
              Setting('authorize_url', 'TIKTOK_AUTHORIZE_URL', 'https://www.tiktok.com', is_url=True)),
    # the choices TikTok offers this creator replace these once it has named them
    options=(PostOption('privacy', N_('Who can see it'), PRIVACY),),
    posting_limits=TikTokClient.posting_limits,
    describe=TikTokClient.describe,
    env_account=EnvAccount({'client_key': 'client_key', 'client_secret': 'client_secret',
                            'access_token': 'access_token', 'refresh_token': 'refresh_token'}),
    oauth=OAuthProvider(
        'authorize_url', '/v2/auth/authorize/', ('user.info.basic', 'video.publish'), connect.exchange,
        N_('Client key'), N_('Client secret'), N_(
            'In the TikTok developer portal, add Login Kit and the Content Posting API (Direct Post) to your app and '
            'register the redirect address below.'),
        client_param='client_key', same_account_key='open_id'),
    pacing_s=10.0,
    # access tokens last a day; the refresh token rotates with each renewal
    renew_within=timedelta(minutes=30),
    pulls_media=MediaPull(),  # photos only (which the client does not send yet); videos are uploaded
    known_errors=KNOWN_ERRORS,
    preview=PreviewStyle(cut=100, layout='portrait_video'),  # the caption over the video, cut short with "more"
)
