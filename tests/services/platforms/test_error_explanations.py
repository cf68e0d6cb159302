"""Each platform turns its common errors, in the words its client stores, into a sentence with the next step; an
error it does not know stays as it is."""
from __future__ import annotations

import httpx
import pytest

from services.platforms import registry
from services.platforms.base import PlatformError
from services.platforms.instagram import graph_errors
from services.platforms.tiktok import client as tiktok_client
from services.platforms.youtube import client as youtube_client


def stored_words(read, status: int, body: dict) -> str:
    """What the engine stores for the platform's answer: the message of the error its client raises."""
    with pytest.raises(PlatformError) as raised:
        read(httpx.Response(status, json=body, request=httpx.Request('POST', 'https://platform.test/')))
    return raised.value.message


def graph(code: int, subcode: int | None = None, message: str = 'An error occurred') -> str:
    error = {'message': message, 'type': 'OAuthException', 'code': code} | (
        {'error_subcode': subcode} if subcode else {})
    return stored_words(graph_errors.result_or_raise, 400, {'error': error})


def google(status: int, reason: str, message: str = 'The request cannot be completed.') -> str:
    return stored_words(youtube_client.result_or_raise, status,
                        {'error': {'code': status, 'message': message, 'errors': [{'reason': reason}]}})


def tiktok(status: int, code: str) -> str:
    return stored_words(lambda response: tiktok_client.data_or_raise(response), status,
                        {'data': {}, 'error': {'code': code, 'message': 'Request refused', 'log_id': '2026ABC'}})


@pytest.mark.parametrize(('raw', 'sentence'), [
    ('Forbidden: bot was kicked from the channel chat', 'The bot was removed from the channel or group'),
    ('Forbidden: bot is not a member of the channel chat', 'The bot was removed from the channel or group'),
    ('Bad Request: need administrator rights in the channel chat', 'Make it an administrator allowed to post'),
    ('Forbidden: bot was blocked by the user', 'has blocked it'),
    ('Bad Request: chat not found', 'Telegram cannot find this chat'),
    ('Bad Request: message is too long', 'The message is too long (at most 4,096 characters)'),
    ('Bad Request: message caption is too long', 'too long for a caption (at most 1,024 characters'),
    ('Too Many Requests: retry after 7', 'Telegram asked the app to slow down'),
    ('Unauthorized', 'Telegram does not accept the bot token'),
])
def test_telegram_errors_read_as_sentences(raw, sentence):
    assert sentence in registry.get('telegram').explain_error(raw)


@pytest.mark.parametrize(('raw', 'sentence'), [
    (graph(190, 463, 'Error validating access token: Session has expired'), 'Instagram no longer accepts the sign-in'),
    (graph(9007, 2207027, 'Media ID is not available'), 'still preparing the photo or video'),
    (graph(9, 2207042, 'Application request limit reached'), "daily publishing limit"),
    (graph(100, 2207023, 'The media type is not supported'), 'does not take this kind of file'),
    (graph(36003, 2207009, 'The aspect ratio is not supported'), 'between 4:5 (portrait) and 1.91:1'),
    (graph(4, None, 'Application request limit reached'), 'Instagram asked the app to slow down'),
    (graph_errors.processing_error('ERROR: Media download has failed, error code 2207052').message,
     'could not download the media from this app'),
])
def test_instagram_errors_read_as_sentences(raw, sentence):
    assert sentence in registry.get('instagram').explain_error(raw)


@pytest.mark.parametrize(('raw', 'sentence'), [
    (google(403, 'quotaExceeded'), "daily YouTube quota is used up"),
    (google(400, 'uploadLimitExceeded'), 'reached its YouTube upload limit'),
    (google(403, 'forbidden', 'Access forbidden.'), 'does not let this account upload to the channel'),
    (google(403, 'rateLimitExceeded'), 'YouTube asked the app to slow down'),
    (google(400, 'forbiddenPrivacySetting'), 'does not allow this privacy setting'),
    (google(400, 'invalidTitle', 'The request metadata specifies an invalid or empty video title.'),
     'YouTube refused the title'),
    (stored_words(youtube_client.result_or_raise, 400,
                  {'error': 'invalid_grant', 'error_description': 'Token has been expired or revoked.'}),
     'Google no longer accepts the sign-in'),
])
def test_youtube_errors_read_as_sentences(raw, sentence):
    assert sentence in registry.get('youtube').explain_error(raw)


@pytest.mark.parametrize(('raw', 'sentence'), [
    (tiktok(403, 'spam_risk_too_many_posts'), 'limits how many posts an account makes in a day'),
    (tiktok(403, 'spam_risk_user_banned_from_posting'), 'barred this account from posting'),
    (tiktok(403, 'privacy_level_option_mismatch'), 'does not offer this account the chosen "Who can see it"'),
    (tiktok(403, 'unaudited_client_can_only_post_to_private_accounts'), 'only to private accounts'),
    (tiktok(429, 'rate_limit_exceeded'), 'TikTok asked the app to slow down'),
    (tiktok(401, 'scope_not_authorized'), 'TikTok no longer accepts the sign-in'),
    ('TikTok could not publish the video: spam_risk_too_many_posts (log_id 2026ABC)',
     'limits how many posts an account makes in a day'),
    ('TikTok could not publish the video: duration_check_failed (log_id none)', 'TikTok refused the video file'),
])
def test_tiktok_errors_read_as_sentences(raw, sentence):
    assert sentence in registry.get('tiktok').explain_error(raw)


@pytest.mark.parametrize('platform', ['telegram', 'instagram', 'youtube', 'tiktok'])
def test_an_error_no_platform_knows_is_left_as_it_is(platform):
    assert registry.get(platform).explain_error('Something nobody has seen before (HTTP 418)') is None


def test_every_sentence_is_translated_into_arabic():
    from services.core import i18n
    for spec in registry.all():
        for known in spec.known_errors:
            assert i18n.translate('ar', known.sentence) != known.sentence, known.sentence
