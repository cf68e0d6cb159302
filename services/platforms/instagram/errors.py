"""Instagram's common refusals (Graph API codes and subcodes, kept in the stored words) as sentences that say what
to do."""
from __future__ import annotations

from services.core.i18n import N_
from services.platforms.spec import KnownError

KNOWN_ERRORS = (
    KnownError(r'\bcode 190\b|access token',
               N_('Instagram no longer accepts the sign-in. Reconnect the account on the Channels page, then '
                  'retry.')),
    KnownError(r'\bcode 9007\b|\b2207027\b|not ready',
               N_('Instagram was still preparing the photo or video. Retry in a few minutes.')),
    KnownError(r'\b2207042\b|\bcode 9/|maximum number of posts|publishing limit',
               N_('The account reached Instagram\'s daily publishing limit. Retry tomorrow, or schedule the post '
                  'for later.')),
    KnownError(r'\b2207023\b|\b2207005\b|\b2207026\b|unknown media type',
               N_('Instagram does not take this kind of file. Use JPEG photos and MP4 or MOV videos, then retry.')),
    KnownError(r'\b2207009\b|aspect ratio',
               N_('Instagram takes photos between 4:5 (portrait) and 1.91:1 (landscape). Crop the photo, then '
                  'retry.')),
    KnownError(r'\b2207052\b|could not be fetched|PUBLIC_BASE_URL',
               N_('Instagram could not download the media from this app. Check that PUBLIC_BASE_URL is reachable '
                  'from the internet, then retry.')),
    KnownError(r'\bcode (4|17|32|613)\b|request limit',
               N_('Instagram asked the app to slow down. It tries again by itself in a minute.')),
)
