"""Connected platform accounts, each connected the ways its platform's spec offers: a form for its credentials, its
own sign-in (OAuth), or environment variables. Each account shows its name, token expiry and status; test, reconnect,
remove."""
from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from nicegui import APIRouter, ui

from components.channel_picker import channel_avatar
from components.confirm import confirm
from components.headings import heading
from components.session import client_ip, guarded, page_user
from components.status_badge import status_badge
from components.theme import frame
from components.translate import _, current_language, explain, isolate, ngettext
from services.connections import accounts, channels, oauth
from services.core.config import Settings, get_settings
from services.core.errors import UserError
from services.core.i18n import N_, format_datetime
from services.core.models import AccountStatus, Channel, User
from services.platforms import registry
from services.platforms.base import Account, NeedsReconnect, PlatformError, Rejected
from services.platforms.spec import PlatformSpec
from services.posts import overview
from services.team import permissions
from services.web.oauth_callback import pop_outcome

router = APIRouter()
CONNECTED = N_('%(platform)s is connected.')


@router.page('/accounts')
def accounts_page(request: Request) -> None:
    user = page_user(request)
    with frame(_('Accounts'), user):
        if not permissions.can(user, permissions.Action.MANAGE_ACCOUNTS):
            ui.label(_('Only administrators can manage accounts.')).mark('forbidden')
            return
        settings = get_settings()
        _outcome_banner()
        for spec in registry.all():
            if spec.needs_public_url and not settings.public_base_url:
                _warning(_(spec.needs_public_url), f'{spec.name}-needs-public-url')
        forms = {spec.name: _OAuthForm(spec, user, settings) for spec in registry.all() if spec.oauth}
        listing = ui.refreshable(_account_list)
        listing(user, forms, listing.refresh)
        heading(_('Connect an account')).classes('mt-2')
        for spec in registry.all():
            if spec.credential_form:
                _credential_form(spec, user, listing.refresh)
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


def _account_list(user: User, forms: dict[str, _OAuthForm], on_changed: Callable[[], None]) -> None:
    rows = [channel for channel in channels.list_channels() if channel.status != AccountStatus.DISCONNECTED]
    if not rows:
        with ui.card().classes('w-full items-center py-6'):
            ui.label(_('No channel is connected yet. Connect one below.')).mark('no-accounts')
        return
    with ui.column().classes('w-full gap-2'):
        for channel in rows:
            _channel_card(channel, user, forms, on_changed)


def _channel_card(channel: Channel, user: User, forms: dict[str, _OAuthForm],
                  on_changed: Callable[[], None]) -> None:
    label = registry.label(channel.platform)
    account = accounts.get_account(channel.account_id) if channel.account_id else None
    from_env = account is not None and \
        accounts.credentials_of(account).credentials.get('source') == accounts.ENV_SOURCE
    needs_reconnect = channel.status == AccountStatus.NEEDS_RECONNECT
    with ui.card().classes('w-full gap-1').mark(f'account-{channel.id}'):
        with ui.row().classes('w-full items-center gap-3'):
            channel_avatar(channel)
            heading(label)
            ui.label(channels.title(channel) if channel.name or channel.remote_name
                     else _('(name not known yet: use Test connection)')) \
                .classes('text-gray-700 min-w-0 break-all').props('dir=auto')
            status_badge(channel.status).mark(f'account-status-{channel.id}')
            ui.space()
            if needs_reconnect and channel.platform in forms and channel.account_id:
                ui.button(_('Reconnect'), icon='link',
                          on_click=guarded(lambda a=channel.account_id, f=forms[channel.platform]: f.reconnect(a))) \
                    .props('unelevated color=negative').mark(f'reconnect-{channel.id}')
            ui.button(_('Test connection'), icon='wifi_tethering',
                      on_click=guarded(lambda c=channel.id: _test(c, on_changed))).props('flat') \
                .mark('test-connection')
            ui.button(_('Disconnect'), icon='link_off',
                      on_click=guarded(lambda c=channel, e=from_env: _remove(c, e, user, on_changed))) \
                .props('flat color=negative').mark(f'remove-{channel.id}')
        with ui.row().classes('w-full gap-3 text-sm text-gray-600'):
            if account is not None and account.token_expires_at is not None:
                when = format_datetime(current_language(), account.token_expires_at, user.timezone)
                ui.label(_('Token valid until %(when)s; it is renewed automatically before then.', when=when)) \
                    .mark(f'token-expiry-{channel.id}')
            if from_env:
                ui.label(_('Set by environment variables.'))
        if needs_reconnect:
            ui.label(_('%(platform)s no longer accepts this account\'s sign-in (it was revoked or has expired). '
                       'Posts to it fail until it is reconnected.', platform=label)).classes('text-sm text-negative')


async def _test(channel_id: int, on_changed: Callable[[], None]) -> None:
    channel = channels.get_channel(channel_id)
    account = channels.credentials_for(channel) if channel else None
    if account is None:
        return
    message, ok, _name = await _check(account)
    ui.notify(message, type='positive' if ok else 'negative', multi_line=True)
    on_changed()


async def _remove(channel: Channel, from_env: bool, user: User, on_changed: Callable[[], None]) -> None:
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
    if not await confirm('\n\n'.join(question), keep=_('Keep it'), act=_('Disconnect'), marker='confirm-remove'):
        return
    try:
        channels.disconnect_channel(channel.id, user, ip=client_ip())
    except UserError as refusal:
        ui.notify(explain(refusal), type='negative')
        return
    ui.notify(_('%(account)s was disconnected.', account=name), type='positive')
    on_changed()


class _OAuthForm:
    """Connect (or reconnect) one platform through its sign-in: the app's client id and secret, then Connect."""

    def __init__(self, spec: PlatformSpec, user: User, settings: Settings) -> None:
        self.spec, self.platform, self.user, self.settings = spec, spec.name, user, settings
        self.label = spec.label
        self.account_id: int | None = None  # the account Reconnect is for

    def build(self) -> None:
        provider = self.spec.oauth
        id_label, secret_label, how = provider.client_id_label, provider.client_secret_label, provider.how
        with ui.card().classes('w-full gap-2').mark(f'connect-{self.platform}'):
            heading(_('Connect %(platform)s', platform=self.label), level=3)
            ui.label(_(how)).classes('text-sm text-gray-600')
            try:
                callback = oauth.redirect_uri(self.platform, self.settings)
            except UserError as missing:
                callback = None
                ui.label(explain(missing)).classes('text-sm text-negative').mark(f'needs-public-url-{self.platform}')
            if callback:
                with ui.row().classes('items-center gap-2 text-sm'):
                    ui.label(_('Redirect address:'))
                    ui.label(callback).classes('font-mono break-all').mark(f'redirect-uri-{self.platform}')
            self.client_id = ui.input(_(id_label)).props('outlined dense').classes('w-full') \
                .mark(f'{self.platform}-client-id')
            self.client_secret = ui.input(_(secret_label), password=True).props('outlined dense') \
                .classes('w-full').mark(f'{self.platform}-client-secret')
            self.feedback = ui.label().classes('text-sm text-negative')
            button = ui.button(_('Connect'), icon='login', on_click=guarded(self.connect)).props('unelevated') \
                .mark(f'connect-{self.platform}-button')
            button.set_enabled(callback is not None)
            if self.spec.env_names():
                ui.label(_('Or set %(names)s in the environment and restart the app.',
                           names=', '.join(self.spec.env_names()))).classes('text-xs text-gray-500')

    def connect(self) -> None:
        self._go(self.client_id.value or '', self.client_secret.value or '')

    def reconnect(self, account_id: int) -> None:
        """Sign in again with the app the account was connected with; ask for it when it is not stored."""
        row = accounts.get_account(account_id)
        if row is None:
            return
        self.account_id = account_id
        stored = accounts.credentials_of(row).credentials
        client_id, secret = stored.get(self.spec.oauth.client_param, ''), stored.get('client_secret', '')
        if client_id and secret:
            self._go(client_id, secret)
            return
        self.client_id.value = client_id
        ui.notify(_('Enter your %(platform)s app\'s details under "Connect %(platform)s", then click Connect.',
                    platform=self.label), multi_line=True)

    def _go(self, client_id: str, client_secret: str) -> None:
        try:
            url = oauth.start_authorization(self.platform, self.user, client_id, client_secret, self.settings,
                                            account_id=self.account_id)
        except UserError as refusal:
            self.feedback.text = explain(refusal)
            ui.notify(explain(refusal), type='negative', multi_line=True)
            return
        ui.navigate.to(url)


def _credential_form(spec: PlatformSpec, user: User, on_saved) -> None:
    """Connect an account of `spec` by typing its credentials: tested with the platform, then saved."""
    form = spec.credential_form
    with ui.card().classes('w-full gap-2').mark(f'connect-{spec.name}'):
        heading(_(form.title), level=3)
        ui.label(_(form.help)).classes('text-sm text-gray-600')
        inputs = {field.name: ui.input(_(field.label), password=field.secret, placeholder=field.placeholder or None)
                  .props('outlined dense').classes('w-full').mark(field.name.replace('_', '-'))
                  for field in form.fields}
        feedback = ui.label().classes('text-sm')

        async def save() -> None:
            credentials = {name: (box.value or '').strip() for name, box in inputs.items()}
            if not all(credentials.values()):
                feedback.text = _(form.incomplete)
                feedback.classes(replace='text-sm text-negative')
                return
            message, ok, name = await _check(Account(platform=spec.name, credentials=credentials))
            if not ok:
                feedback.text = message
                feedback.classes(replace='text-sm text-negative')
                return
            try:
                accounts.save_account(spec.name, spec.listed_name(credentials, name), credentials,
                                      actor=user, ip=client_ip())
            except UserError as refusal:
                feedback.text = explain(refusal)
                feedback.classes(replace='text-sm text-negative')
                return
            for box in inputs.values():
                box.value = ''
            feedback.text = ''
            ui.notify(_(CONNECTED, platform=spec.label), type='positive')
            on_saved()

        ui.button(_('Test and save'), icon='link', on_click=guarded(save)).props('unelevated') \
            .mark(f'save-{spec.name}')


async def _check(account: Account) -> tuple[str, bool, str]:
    """What the platform says about these credentials: a message for the user, whether they work, the name.

    A stored account is updated on the way (see accounts.check_credentials)."""
    label = registry.label(account.platform)
    try:
        name = await accounts.check_credentials(account, get_settings())
    except NeedsReconnect:
        return _('%(platform)s did not accept these credentials. Check them and try again.',
                 platform=label), False, ''
    except Rejected as error:
        return _('%(platform)s refused: %(reason)s', platform=label, reason=error.message), False, ''
    except PlatformError as error:
        return _('%(platform)s could not be reached (%(reason)s). Try again in a moment.', platform=label,
                 reason=error.message), False, ''
    return _('Connected as %(name)s.', name=name), True, name
