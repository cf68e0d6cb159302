"""Telegram's common refusals (Bot API descriptions, as seen in real traffic) as sentences that say what to do."""
from __future__ import annotations

from services.core.i18n import N_
from services.platforms.spec import KnownError

# also what the client says when the bot's rights in a chat it is asked about fall short
BOT_REMOVED = N_('The bot was removed from the channel or group. Add it back as an administrator, then retry.')
BOT_MAY_NOT_POST = N_('The bot may not post in this chat. Make it an administrator allowed to post messages, then '
                      'retry.')
BOT_NOT_IN_CHAT = N_('The bot is not a member of this chat. Add it to the channel or group as an administrator '
                     'allowed to post messages, then try again.')

KNOWN_ERRORS = (
    KnownError(r'bot was kicked|bot is not a member', BOT_REMOVED),
    KnownError(r'need administrator rights|not enough rights|have no rights|CHAT_ADMIN_REQUIRED', BOT_MAY_NOT_POST),
    KnownError(r'bot was blocked by the user',
               N_('The person the bot writes to has blocked it. Ask them to unblock the bot, or post to another '
                  'chat.')),
    KnownError(r'chat not found',
               N_('Telegram cannot find this chat. Check the chat (a @channelname or a numeric id) on the Channels '
                  'page, then retry.')),
    KnownError(r'caption is too long',
               N_('The text is too long for a caption (at most 1,024 characters with photos or videos). Shorten it, '
                  'then retry.')),
    KnownError(r'message is too long',
               N_('The message is too long (at most 4,096 characters). Shorten it, then retry.')),
    KnownError(r'Too Many Requests',
               N_('Telegram asked the app to slow down. It tries again by itself after the wait Telegram named.')),
    KnownError(r'^(Unauthorized|Not Found)$',
               N_('Telegram does not accept the bot token. Enter the token from @BotFather again on the Channels '
                  'page.')),
)
