"""Graph API answers (Instagram Login) as the errors the engine acts on: the one place that reads status codes,
error codes and subcodes, for the publishing client and for connecting an account.
"""
from __future__ import annotations

import re
from typing import Any

import httpx

from services.platforms.base import NeedsReconnect, OutcomeUnknown, PlatformError, Rejected, Retryable

THROTTLE_WAIT_S = 60.0  # Instagram sends no Retry-After
EXPIRED_TOKEN = 190
PUBLISHING_LIMIT_CODE, PUBLISHING_LIMIT_SUBCODE = 9, 2207042
NOT_READY_CODE, NOT_READY_SUBCODE = 9007, 2207027
TRANSIENT_CODES = {1, 2}
THROTTLE_CODES = {4, 17, 32, 613}
# server error, download timeout, container missing or expired, media expired: a new attempt can succeed
RETRYABLE_SUBCODES = {2207001, 2207003, 2207008, 2207020}
SUBCODE_IN_STATUS = re.compile(r'\b(2207\d{3})\b')


class ContainerNotReady(Retryable):
    """Instagram has not finished the container yet (9007 / 2207027): publishing it may succeed a moment later."""


def result_or_raise(response: httpx.Response) -> dict[str, Any]:
    """The body of a Graph API answer, or the typed error its status and `error` object describe.

    The only place that looks at status codes and error codes. A 5xx, or a success without a usable body, is
    OutcomeUnknown: Instagram may have done what was asked.
    """
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    unclear = OutcomeUnknown if status >= 500 or response.is_success else Retryable
    if not isinstance(body, dict):
        raise unclear(f'Instagram answered HTTP {status} without a Graph API body', status=status)
    error = body.get('error')
    if response.is_success and error is None:
        return body
    if not isinstance(error, dict):
        raise unclear(f'Instagram answered HTTP {status} without an error description', status=status)

    code, subcode = _int(error.get('code')), _int(error.get('error_subcode'))
    words = str(error.get('error_user_msg') or error.get('message') or 'Instagram refused the request')
    # the codes stay in the words: they are what the post page's explanation of the error recognises
    message = f'{words} (code {code}{f"/{subcode}" if subcode else ""})'
    if code == EXPIRED_TOKEN:
        raise NeedsReconnect(message, status=status)
    if code == PUBLISHING_LIMIT_CODE or subcode == PUBLISHING_LIMIT_SUBCODE:
        raise Rejected(message, status=status)
    if code == NOT_READY_CODE or subcode == NOT_READY_SUBCODE:
        raise ContainerNotReady(message, status=status)
    if code in THROTTLE_CODES:
        raise Retryable(message, status=status, retry_after=THROTTLE_WAIT_S)
    if status >= 500:
        raise OutcomeUnknown(message, status=status)
    if code in TRANSIENT_CODES or subcode in RETRYABLE_SUBCODES or error.get('is_transient') is True:
        raise Retryable(message, status=status)
    raise Rejected(message, status=status)


def processing_error(status: str) -> PlatformError:
    """A container's ERROR status ('... error code 2207052'): retryable only for Instagram's own trouble."""
    found = SUBCODE_IN_STATUS.search(status)
    message = status or 'Instagram could not process the media'
    if found and int(found.group(1)) in RETRYABLE_SUBCODES:
        return Retryable(message)
    return Rejected(message)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
