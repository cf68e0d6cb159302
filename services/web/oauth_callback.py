"""GET /oauth/<platform>/callback: where a platform with its own sign-in sends the browser back after the user allowed
(or refused) access. A plain route, not a page: it finishes the connection and redirects to /channels, which shows
the outcome. The access gate lets only signed-in users reach it; `state` ties it to the user who clicked Connect.
"""
from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse
from nicegui import app

from services.connections import oauth
from services.core.config import get_settings
from services.core.errors import UserError
from services.platforms import registry

router = APIRouter()
OUTCOME_KEY = 'oauth_outcome'
CHANNELS_PATH = '/channels'


@router.get(oauth.CALLBACK_PATH, include_in_schema=False)
async def oauth_callback(request: Request, platform: str, state: str = '', code: str = '', error: str = '',
                         error_reason: str = '', error_description: str = '') -> RedirectResponse:
    if oauth.provider_of(platform) is None:
        raise HTTPException(status_code=404)
    user = getattr(request.state, 'user', None)
    if user is None:  # only if the access gate were bypassed
        return RedirectResponse('/login', status_code=303)
    try:
        account = await oauth.complete_authorization(platform, user, get_settings(), state=state, code=code,
                                                     error=error or error_reason,
                                                     error_description=error_description)
    except UserError as refusal:
        _remember_outcome(refusal.message, refusal.params, ok=False)
    else:
        _remember_outcome(oauth.CONNECTED, {'platform': registry.label(platform), 'name': account.display_name},
                          ok=True)
    return RedirectResponse(CHANNELS_PATH, status_code=303)


def pop_outcome() -> tuple[str, dict[str, object], bool] | None:
    """What the last callback of this browser came to: (msgid, its parameters, whether it connected), once."""
    outcome = app.storage.user.pop(OUTCOME_KEY, None)
    if not isinstance(outcome, dict):
        return None
    return str(outcome.get('message', '')), dict(outcome.get('params') or {}), bool(outcome.get('ok'))


def _remember_outcome(message: str, params: dict[str, object], *, ok: bool) -> None:
    app.storage.user[OUTCOME_KEY] = {'message': message, 'params': {k: str(v) for k, v in params.items()}, 'ok': ok}
