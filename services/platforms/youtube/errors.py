"""YouTube's common refusals (Data API reasons, kept in the stored words) as sentences that say what to do."""
from __future__ import annotations

from services.core.i18n import N_
from services.platforms.spec import KnownError

KNOWN_ERRORS = (
    KnownError(r'\bquotaExceeded\b',
               N_("The app's daily YouTube quota is used up. Retry after midnight Pacific time (Google resets it "
                  'then).')),
    KnownError(r'\buploadLimitExceeded\b',
               N_('This channel reached its YouTube upload limit for now. Retry in a day.')),
    KnownError(r'\b(rateLimitExceeded|userRateLimitExceeded)\b',
               N_('YouTube asked the app to slow down. It tries again by itself shortly.')),
    KnownError(r'\bforbiddenPrivacySetting\b',
               N_('YouTube does not allow this privacy setting for the channel. Choose another in the post, then '
                  'retry.')),
    KnownError(r'\b(forbidden|insufficientPermissions)\b',
               N_('YouTube does not let this account upload to the channel. Reconnect it on the Channels page with '
                  'the channel\'s owner, then retry.')),
    KnownError(r'invalid_grant|refused the YouTube authorization',
               N_('Google no longer accepts the sign-in. Reconnect the account on the Channels page, then retry.')),
    KnownError(r'\binvalidTitle\b',
               N_('YouTube refused the title. Keep it under 100 characters without < or >, then retry.')),
    KnownError(r'\binvalidDescription\b',
               N_('YouTube refused the description. Keep it under 5,000 bytes without < or >, then retry.')),
)
