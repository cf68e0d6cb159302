"""Connecting a platform's account, each the way its spec offers: a form for its credentials (tested, then saved) or
its own sign-in (OAuth); and what a platform's answer to a check means, in the user's words."""
from __future__ import annotations

from collections.abc import Callable

from nicegui import ui

from components.headings import heading
from components.session import client_ip, guarded
from components.translate import _, explain
from services.connections import accounts, oauth, profiles
from services.core.config import Settings, get_settings
from services.core.errors import UserError
from services.core.i18n import N_
from services.core.models import User
from services.platforms import registry
from services.platforms.base import Account, NeedsReconnect, PlatformError, Rejected
from services.platforms.spec import PlatformSpec

CONNECTED = N_('%(platform)s is connected.')


def failure_text(platform: str, error: PlatformError) -> str:
    """What the platform's refusal means and what to do, translated (its package's sentence where it has one)."""
    label = registry.label(platform)
    if isinstance(error, NeedsReconnect):
        return _('%(platform)s did not accept these credentials. Check them and try again.', platform=label)
    spec = registry.find(platform)
    raw = (spec.explain_error(error.message) if spec else None) or error.message
    reason = _(raw) if raw else type(error).__name__
    if isinstance(error, Rejected):
        return _('%(platform)s refused: %(reason)s', platform=label, reason=reason)
    return _('%(platform)s could not be reached (%(reason)s). Try again in a moment.', platform=label, reason=reason)


async def check(account: Account) -> tuple[str, bool, str]:
    """What the platform says about these credentials: a message for the user, whether they work, the name.

    A stored account is updated on the way (see accounts.check_credentials)."""
    try:
        name = await accounts.check_credentials(account, get_settings())
    except PlatformError as error:
        return failure_text(account.platform, error), False, ''
    return _('Connected as %(name)s.', name=name), True, name


class OAuthForm:
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
        self.account_id = None  # another account of the platform (a second user gets a channel of their own)
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


def credential_form(spec: PlatformSpec, user: User, on_saved: Callable[[], None]) -> None:
    """Connect an account of `spec` by typing its credentials: tested with the platform (who it is, and that it may
    post there, where the platform can say), then saved."""
    form = spec.credential_form
    with ui.card().classes('w-full gap-2').mark(f'connect-{spec.name}'):
        heading(_(form.title), level=3)
        ui.label(_(form.help)).classes('text-sm text-gray-600')
        inputs = {field.name: ui.input(_(field.label), password=field.secret, placeholder=field.placeholder or None)
                  .props('outlined dense').classes('w-full').mark(field.name.replace('_', '-'))
                  for field in form.fields}
        feedback = ui.label().classes('text-sm')

        def refuse(text: str) -> None:
            feedback.text = text
            feedback.classes(replace='text-sm text-negative')

        async def save() -> None:
            credentials = {name: (box.value or '').strip() for name, box in inputs.items()}
            if not all(credentials.values()):
                refuse(_(form.incomplete))
                return
            candidate = Account(platform=spec.name, credentials=credentials)
            message, ok, name = await check(candidate)
            if not ok:
                refuse(message)
                return
            try:
                profile = await profiles.describe(candidate, get_settings())
                saved = accounts.save_account(spec.name, spec.listed_name(credentials, name), candidate.credentials,
                                              actor=user, ip=client_ip(), profile=profile)
                await profiles.keep_picture(saved.id, profile, get_settings())
            except PlatformError as error:
                refuse(failure_text(spec.name, error))
                return
            except UserError as refusal:
                refuse(explain(refusal))
                return
            for box in inputs.values():
                box.value = ''
            feedback.text = ''
            ui.notify(_(CONNECTED, platform=spec.label), type='positive')
            on_saved()

        ui.button(_('Test and save'), icon='link', on_click=guarded(save)).props('unelevated') \
            .mark(f'save-{spec.name}')
