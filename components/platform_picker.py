"""Where a post goes: one switch per platform; a platform without a connected account is shown disabled. And the
warnings for chosen platforms a post would fail on."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.translate import _
from services.core.config import get_settings
from services.core.models import AccountStatus, PlatformAccount
from services.platforms import registry


def platform_picker(accounts: dict[str, PlatformAccount | None], chosen: set[str],
                    on_change: Callable[[str, bool], None], *, enabled: bool = True) -> None:
    """A platform already chosen stays switchable even when its account is not connected, so it can be taken off."""
    public_url = bool(get_settings().public_base_url)
    with ui.column().classes('w-full gap-1').mark('platform-picker'):
        for spec in registry.all():
            platform = spec.name
            account = accounts.get(platform)
            connected = account is not None and account.status == AccountStatus.CONNECTED
            with ui.row().classes('items-center gap-2 w-full no-wrap'):
                ui.icon(spec.icon).classes('text-primary')
                box = ui.checkbox(spec.label, value=platform in chosen,
                                  on_change=lambda e, p=platform: on_change(p, e.value)).mark(f'platform-{platform}')
                box.set_enabled(enabled and (connected or platform in chosen))
                with ui.column().classes('gap-0 min-w-0 flex-1'):
                    if connected:  # a handle keeps its shape in Arabic (dir=auto) and wraps rather than overflow
                        ui.label(account.display_name).classes('text-xs text-gray-600 max-w-full') \
                            .style('overflow-wrap: anywhere').props('dir=auto')
                    elif account is not None and account.status == AccountStatus.NEEDS_RECONNECT:
                        ui.label(_('Needs reconnecting: reconnect it on the Accounts page.')) \
                            .classes('text-xs text-negative')
                    elif account is not None:
                        ui.label(_('Reconnect it on the Accounts page.')).classes('text-xs text-negative')
                    else:
                        ui.label(_('Not connected: add it on the Accounts page.')).classes('text-xs text-gray-500')
                    if spec.needs_public_url and not public_url:
                        # Quasar's text-warning is 1.7:1 on white; this orange is 5.6:1 (WCAG AA)
                        ui.label(_('Needs PUBLIC_BASE_URL')).classes('text-xs text-deep-orange-10') \
                            .tooltip(_(spec.needs_public_url)).mark(f'{platform}-needs-public-url')


def platform_warnings(accounts: dict[str, PlatformAccount | None], chosen: list[str]) -> None:
    """What will go wrong on chosen platforms, said before the post is scheduled: an account whose sign-in the
    platform no longer accepts, a platform that needs PUBLIC_BASE_URL without it."""
    public_url = bool(get_settings().public_base_url)
    messages = []
    for platform in chosen:
        account = accounts.get(platform)
        if account is not None and account.status == AccountStatus.NEEDS_RECONNECT:
            messages.append((platform, _(
                '%(platform)s needs reconnecting: it no longer accepts this account\'s sign-in, so nothing can be '
                'scheduled or published to it. Reconnect it on the Accounts page.',
                platform=registry.label(platform))))
        spec = registry.find(platform)
        if spec is not None and spec.needs_public_url and not public_url:
            messages.append((platform, _(spec.needs_public_url)))
    with ui.column().classes('w-full gap-1').mark('platform-warnings'):
        for platform, message in messages:
            with ui.row().classes('w-full items-start gap-2 no-wrap rounded p-2 bg-amber-50') \
                    .mark(f'warning-{platform}'):
                ui.icon('warning').classes('text-warning')
                ui.label(message).classes('text-sm')
