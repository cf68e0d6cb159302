"""The channels posts go to, grouped by platform: each with its picture, the team's name and the platform's own, its
status, who connected it and when, and the shared credential's token expiry; rename, test, reconnect, disconnect.
Below, another chat for a bot already known, and connecting an account the ways each platform's spec offers: a form
for its credentials, its own sign-in (OAuth), or environment variables."""
from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from fastapi import Request
from fastapi.responses import RedirectResponse
from nicegui import APIRouter, ui

from components.approval_switch import approval_switch
from components.channel_picker import channel_avatar
from components.confirm import confirm
from components.connect_forms import OAuthForm, check, credential_form, failure_text
from components.headings import heading, name_dialog
from components.posting_times import posting_times_summary
from components.session import client_ip, guarded, page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _, current_language, explain, isolate, ngettext, own_direction
from services.connections import accounts, channels, profiles
from services.core.config import get_settings
from services.core.errors import UserError
from services.core.i18n import format_datetime
from services.core.models import AccountStatus, Channel, PlatformAccount, User
from services.platforms import registry
from services.platforms.base import PlatformError
from services.platforms.spec import PlatformSpec
from services.posts import overview
from services.queue import posting_times
from services.team import permissions, users
from services.web.oauth_callback import pop_outcome

router = APIRouter()
PATH = '/channels'


@router.get('/accounts', include_in_schema=False)
def accounts_page_moved(request: Request) -> RedirectResponse:
    """The Accounts page grew into the Channels page; old bookmarks land there."""
    return RedirectResponse(PATH + (f'?{request.url.query}' if request.url.query else ''), status_code=308)


@router.page(PATH)
def channels_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Channels'), user):
        if not permissions.can(user, permissions.Action.MANAGE_ACCOUNTS):
            ui.label(_('Only administrators can manage channels.')).mark('forbidden')
            return
        settings = get_settings()
        _outcome_banner()
        for spec in registry.all():
            if spec.needs_public_url and not settings.public_base_url:
                _warning(_(spec.needs_public_url), f'{spec.name}-needs-public-url')
        forms = {spec.name: OAuthForm(spec, user, settings) for spec in registry.all() if spec.oauth}
        listing = ui.refreshable(_channel_list)
        listing(user, forms, listing.refresh)
        heading(_('Connect an account')).classes('mt-2')
        for spec in registry.all():
            if spec.credential_form:
                credential_form(spec, user, listing.refresh)
        for form in forms.values():
            form.build()


def _outcome_banner() -> None:
    """How the last OAuth callback went (it redirected here)."""
    outcome = pop_outcome()
    if outcome is None:
        return
    message, params, ok = outcome
    text = _(message, **params)
    colours = 'bg-green-50 text-positive' if ok else 'bg-red-50 text-negative'
    with ui.row().classes(f'w-full items-center gap-2 rounded p-2 no-wrap {colours}').mark('oauth-outcome'):
        ui.icon('check_circle' if ok else 'error_outline')
        ui.label(text)


def _warning(text: str, marker: str) -> None:
    with ui.row().classes('w-full items-start gap-2 rounded p-2 no-wrap bg-amber-50').mark(marker):
        ui.icon('warning').classes('text-warning')
        ui.label(text).classes('text-sm')


def _channel_list(user: User, forms: dict[str, OAuthForm], on_changed: Callable[[], None]) -> None:
    rows = [channel for channel in channels.list_channels() if channel.status != AccountStatus.DISCONNECTED]
    if not rows:
        with ui.card().classes('w-full items-center py-6'):
            ui.label(_('No channel is connected yet. Connect one below.')).mark('no-channels')
        return
    people = {person.id: person.username for person in users.list_users()}
    shared = {row.id: row for row in accounts.list_accounts()}
    team_zone = posting_times.team_time_zone()
    for platform, group in groupby(rows, key=lambda channel: channel.platform):
        group = list(group)
        with ui.column().classes('w-full gap-2').mark(f'channels-of-{platform}'):
            with ui.row().classes('items-center gap-2 mt-2'):
                ui.icon(registry.icon(platform)).classes('text-primary text-xl')
                heading(registry.label(platform))
                ui.label(f'({len(group)})').classes('text-sm text-gray-600')
            for channel in group:
                _channel_card(channel, shared.get(channel.account_id), people, user, forms, on_changed, team_zone)
            spec = registry.find(platform)
            if spec is not None and spec.credential_form and spec.credential_form.another:
                for account_id in dict.fromkeys(channel.account_id for channel in group):
                    if account_id in shared and shared[account_id].status == AccountStatus.CONNECTED:
                        _another_channel_form(spec, shared[account_id], group, user, on_changed)


def _channel_card(channel: Channel, account: PlatformAccount | None, people: dict[int, str], user: User,
                  forms: dict[str, OAuthForm], on_changed: Callable[[], None], team_zone: str) -> None:
    label = registry.label(channel.platform)
    # the environment's own channels; not another chat added here to the environment's bot
    from_env = account is not None and channel.connected_by is None and \
        accounts.credentials_of(account).credentials.get('source') == accounts.ENV_SOURCE
    needs_reconnect = channel.status == AccountStatus.NEEDS_RECONNECT
    language = current_language()
    with ui.card().classes('w-full gap-2').mark(f'channel-card-{channel.id}'):
        with ui.row().classes('w-full items-center gap-3 no-wrap'):
            channel_avatar(channel, size='2.75rem')
            with ui.column().classes('gap-0 min-w-0 flex-1'):
                if channel.name or channel.remote_name:
                    own_direction(ui.label(channels.title(channel)).classes('font-semibold max-w-full')
                                  .style('overflow-wrap: anywhere')).mark(f'channel-name-{channel.id}')
                else:
                    ui.label(_('(name not known yet: use Test connection)')).classes('text-gray-700')
                if channel.remote_name and channel.remote_name != channels.title(channel):
                    ui.label(_('On %(platform)s: %(name)s', platform=label, name=isolate(channel.remote_name))) \
                        .classes('text-sm text-gray-600 max-w-full').style('overflow-wrap: anywhere') \
                        .mark(f'remote-name-{channel.id}')
            status_badge(channel.status).mark(f'channel-status-{channel.id}')
        with ui.column().classes('w-full gap-0 text-sm text-gray-600'):
            when = format_datetime(language, channel.created_at, user.timezone)
            who = people.get(channel.connected_by) if channel.connected_by else None
            ui.label(_('Connected by %(user)s on %(when)s', user=isolate(who), when=when) if who
                     else _('Connected on %(when)s', when=when)).mark(f'connected-by-{channel.id}')
            if account is not None and account.token_expires_at is not None:
                expiry = format_datetime(language, account.token_expires_at, user.timezone)
                ui.label(_('Token valid until %(when)s; it is renewed automatically before then.', when=expiry)) \
                    .mark(f'token-expiry-{channel.id}')
            if from_env:
                ui.label(_('Set by environment variables.'))
        if needs_reconnect:
            ui.label(_('%(platform)s no longer accepts this account\'s sign-in (it was revoked or has expired). '
                       'Posts to it fail until it is reconnected.', platform=label)).classes('text-sm text-negative')
        posting_times_summary(channel, team_zone, user, on_changed)
        approval_switch(channel, user, on_changed)
        with ui.row().classes('w-full items-center gap-1'):
            if needs_reconnect:
                form = forms.get(channel.platform)
                reconnect = (lambda a=channel.account_id, f=form: f.reconnect(a)) if form and channel.account_id \
                    else (lambda c=channel.id: _test(c, on_changed))
                ui.button(_('Reconnect'), icon='link', on_click=guarded(reconnect)) \
                    .props('unelevated color=negative').mark(f'reconnect-{channel.id}')
            ui.button(_('Rename'), icon='edit', on_click=guarded(lambda c=channel: _rename(c, user, on_changed))) \
                .props('flat').mark(f'rename-{channel.id}')
            ui.button(_('Test connection'), icon='wifi_tethering',
                      on_click=guarded(lambda c=channel.id: _test(c, on_changed))).props('flat') \
                .mark(f'test-connection test-connection-{channel.id}')
            ui.button(_('Disconnect'), icon='link_off',
                      on_click=guarded(lambda c=channel, e=from_env: _disconnect(c, e, user, on_changed))) \
                .props('flat color=negative').mark(f'disconnect-{channel.id}')


def _another_channel_form(spec: PlatformSpec, account: PlatformAccount, group: list[Channel], user: User,
                          on_changed: Callable[[], None]) -> None:
    """Another channel for credentials already connected (another chat of a bot): checked with the platform, then
    added; nothing is saved when the platform refuses."""
    form = spec.credential_form
    fields = [field for field in form.fields if field.name in spec.channel_keys]
    reaches = ', '.join(isolate(channels.title(channel)) for channel in group if channel.account_id == account.id)
    with ui.card().classes('w-full gap-2 bg-grey-1').mark(f'add-channel-{account.id}'):
        heading(_(form.another), level=3)
        ui.label(_('Posts to: %(channels)s', channels=reaches)).classes('text-sm text-gray-600') \
            .style('overflow-wrap: anywhere')
        with ui.row().classes('w-full items-start gap-2'):
            inputs = {field.name: ui.input(_(field.label), placeholder=field.placeholder or None)
                      .props('outlined dense').classes('flex-1 min-w-[12rem]')
                      .mark(f'another-{field.name.replace("_", "-")}-{account.id}')
                      for field in fields}
            button = ui.button(_('Check and add'), icon='add').props('unelevated') \
                .mark(f'add-channel-button-{account.id}')
        feedback = ui.label().classes('text-sm text-negative').mark(f'add-channel-feedback-{account.id}')

        async def add() -> None:
            address = {name: (box.value or '').strip() for name, box in inputs.items()}
            button.props('loading')
            try:
                channel = await profiles.add_to_account(account.id, address, get_settings(), user, ip=client_ip())
            except PlatformError as error:
                feedback.text = failure_text(spec.name, error)
                return
            except UserError as refusal:
                feedback.text = explain(refusal)
                return
            finally:
                button.props(remove='loading')
            ui.notify(_('%(channel)s was added.', channel=isolate(channels.full_title(channel))), type='positive')
            on_changed()

        button.on_click(guarded(add))


async def _rename(channel: Channel, user: User, on_changed: Callable[[], None]) -> None:
    """The team's own name for the channel; left empty, the platform's name is shown."""
    with ui.dialog() as dialog, ui.card().classes('w-full max-w-md gap-2'):
        title = heading(_('Rename %(channel)s', channel=isolate(channels.full_title(channel))), level=3) \
            .style('overflow-wrap: anywhere')
        name_dialog(dialog, title)
        name = ui.input(_('Name'), value=channel.name, placeholder=channel.remote_name or None) \
            .props('outlined dense autofocus dir=auto maxlength=200').classes('w-full').mark('rename-input')
        ui.label(_('Left empty, the name the platform gives it is shown.')).classes('text-xs text-gray-600')
        with ui.row().classes('w-full justify-end gap-2'):
            ui.button(_('Cancel'), on_click=lambda: dialog.submit(None)).props('flat')
            ui.button(_('Save'), on_click=lambda: dialog.submit(name.value or '')).props('unelevated') \
                .mark('rename-save')
        name.on('keydown.enter', lambda: dialog.submit(name.value or ''))
    try:
        chosen = await dialog
    finally:
        dialog.delete()
    if chosen is None:
        return
    try:
        channels.rename_channel(channel.id, chosen, user, ip=client_ip())
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return
    on_changed()


async def _test(channel_id: int, on_changed: Callable[[], None]) -> None:
    """Ask the platform whether the shared credentials work, then who the channel is (its name and picture, and
    whether it may be posted to); the channel and its account are updated on the way."""
    channel = channels.get_channel(channel_id)
    account = channels.credentials_for(channel) if channel else None
    if account is None:
        return
    message, ok, _name = await check(account)
    if ok:
        try:
            profile = await profiles.refresh_profile(channel, get_settings())
        except PlatformError as error:
            message, ok = failure_text(channel.platform, error), False
        else:
            message = _('Connected as %(name)s.', name=profile.name) if profile and profile.name else message
    ui.notify(message, type='positive' if ok else 'negative', multi_line=True)
    on_changed()


async def _disconnect(channel: Channel, from_env: bool, user: User, on_changed: Callable[[], None]) -> None:
    """Ask first, saying what disconnecting means for the posts waiting to go to it and whether it comes back."""
    name = isolate(channels.full_title(channel))
    waiting = overview.scheduled_count_to(channel.id)
    question = [_('Disconnect %(account)s?', account=name),
                ngettext('%(n)s scheduled post goes to this channel. It will fail unless the channel is connected '
                         'again before it is due.',
                         '%(n)s scheduled posts go to this channel. They will fail unless the channel is connected '
                         'again before they are due.', waiting) if waiting else
                _('Nothing scheduled goes to this channel now. Its published posts and their history stay.')]
    if from_env:
        question.append(_('This channel is set by environment variables: it comes back the next time the app starts '
                          'unless they are removed from the environment.'))
    if not await confirm('\n\n'.join(question), keep=_('Keep it'), act=_('Disconnect'), marker='confirm-disconnect'):
        return
    try:
        channels.disconnect_channel(channel.id, user, ip=client_ip())
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return
    ui.notify(_('%(account)s was disconnected.', account=name), type='positive')
    on_changed()
