"""Where a post goes: one switch per platform; a platform without a connected account is shown disabled."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.translate import _
from services.models import AccountStatus, PlatformAccount
from services.post_checks import PLATFORM_LABELS

ICONS = {'telegram': 'send', 'instagram': 'photo_camera', 'youtube': 'smart_display', 'tiktok': 'music_note'}


def platform_picker(accounts: dict[str, PlatformAccount | None], chosen: set[str],
                    on_change: Callable[[str, bool], None], *, enabled: bool = True) -> None:
    with ui.column().classes('w-full gap-1').mark('platform-picker'):
        for platform, label in PLATFORM_LABELS.items():
            account = accounts.get(platform)
            connected = account is not None and account.status == AccountStatus.CONNECTED
            with ui.row().classes('items-center gap-2 w-full no-wrap'):
                ui.icon(ICONS[platform]).classes('text-primary')
                box = ui.checkbox(label, value=platform in chosen and connected,
                                  on_change=lambda e, p=platform: on_change(p, e.value)).mark(f'platform-{platform}')
                box.set_enabled(enabled and connected)
                if connected:
                    ui.label(account.display_name).classes('text-xs text-gray-600 truncate')
                elif account is not None:
                    ui.label(_('Reconnect it on the Accounts page.')).classes('text-xs text-negative')
                else:
                    ui.label(_('Not connected: add it on the Accounts page.')).classes('text-xs text-gray-500')
