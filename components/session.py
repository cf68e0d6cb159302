"""The page side of the browser's session: who asked, and guarding event handlers."""
from __future__ import annotations

import functools
import inspect
from collections.abc import Callable

from fastapi import Request
from nicegui import context, ui

from services.core.models import User
from services.team import auth
from services.web.browser_session import check_current_session


def client_ip() -> str:
    request = getattr(context.client, 'request', None)
    return request.client.host if request is not None and request.client else ''


def page_user(request: Request) -> User:
    """The user the access gate let through for this page request."""
    return request.state.user


def guarded(handler: Callable) -> Callable:
    """Run an event handler only while the session is still valid; otherwise open the page again, where the access
    gate ends the session, says why and offers to sign in (and come back)."""

    @functools.wraps(handler)
    async def run(*args, **kwargs):
        try:
            check_current_session()
        except auth.SessionInvalid:
            request = context.client.request
            ui.navigate.to(request.url.path + (f'?{request.url.query}' if request.url.query else ''))
            return None
        result = handler(*args, **kwargs)
        return await result if inspect.isawaitable(result) else result

    return run
