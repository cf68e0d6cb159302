"""TikTok's common refusals (API error codes and fail reasons, kept in the stored words) as sentences that say
what to do."""
from __future__ import annotations

from services.core.i18n import N_
from services.platforms.spec import KnownError

KNOWN_ERRORS = (
    KnownError(r'\bspam_risk_too_many_posts\b',
               N_('TikTok limits how many posts an account makes in a day, and this one reached it. Retry tomorrow.')),
    KnownError(r'\bspam_risk_user_banned_from_posting\b',
               N_('TikTok has barred this account from posting. Check the account in the TikTok app.')),
    KnownError(r'\bprivacy_level_option_mismatch\b',
               N_('TikTok does not offer this account the chosen "Who can see it". Choose another, then retry.')),
    KnownError(r'\bunaudited_client_can_only_post_to_private_accounts\b',
               N_('Until TikTok has audited this app, it may post only to private accounts and only as "Only me". '
                  'Make the account private and choose "Only me", or have the app audited.')),
    KnownError(r'\b(rate_limit_exceeded|spam_risk_too_many_pending_share)\b',
               N_('TikTok asked the app to slow down. It tries again by itself in a minute.')),
    KnownError(r'\bspam_risk',
               N_('TikTok held the post back as possible spam. Change the text, then retry later.')),
    KnownError(r'\b(access_token_invalid|scope_not_authorized|auth_removed)\b',
               N_('TikTok no longer accepts the sign-in. Reconnect the account on the Channels page, then retry.')),
    KnownError(r'\b(duration_check_failed|file_format_check_failed|frame_rate_check_failed|'
               r'picture_size_check_failed)\b',
               N_('TikTok refused the video file (length, format, frame rate or size). Use an MP4 of 23–60 fps '
                  'within the account\'s length, then retry.')),
)
