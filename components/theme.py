"""The look shared by every page: fonts, colours, direction, and the signed-in shell (header and menus)."""
from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nicegui import app, context, ui
from nicegui.elements.mixins.text_element import TextElement
from nicegui.translations import translations as nicegui_translations

from components.language_switch import language_switch
from components.notification_bell import notification_bell
from components.session import guarded
from components.translate import _, current_language
from services.core import i18n
from services.core.i18n import N_
from services.core.models import User
from services.posts import review
from services.team import users
from services.team.permissions import Action, can
from services.web.browser_session import pop_flash, sign_out_check

FONTS_DIR = Path(__file__).parent / 'fonts'
QUASAR_LANGUAGE = {'en': 'en-US', 'ar': 'ar'}
ARABIC_RANGE = 'U+0600-06FF, U+0750-077F, U+0870-08FF, U+FB50-FDFF, U+FE70-FEFF, U+200C-200F'
# A finger needs about 40 × 40 px (tests/browser/test_touch_targets.py measures every page). One rule set for
# phones keeps the dense controls that suit a desktop. `body` outranks Quasar's own `.q-btn--dense` sizes. A text
# link standing alone in a row, column, card or the header is padded to 40 px; links inside sentences are not.
# Icons inside a field (clear, show password, pick a date) are buttons of their own; a select's arrow is not.
PHONE_TOUCH_TARGETS = '''
    @media (max-width: 599.98px) {
        body .q-btn { min-height: 40px; min-width: 40px; }
        body .q-field__control, body .q-field__marginal { min-height: 40px; }
        body .q-checkbox, body .q-toggle, body .q-radio, body .q-tab, body .q-item { min-height: 40px; }
        body .q-field__marginal > .q-icon:not(.q-select__dropdown-icon) {
            min-width: 40px; min-height: 40px; display: inline-flex; align-items: center; justify-content: center;
        }
        :is(.nicegui-row, .nicegui-column, .q-card, .q-header) > a.nicegui-link:not(:has(*)) {
            padding-block: calc((40px - 1lh) / 2);
        }
    }
'''

# WCAG 2.1 AA: NiceGUI's link blue is 3.7:1 on white (4.5:1 needed); a skip link shown only when focused; focus
# always visible, also on Quasar's buttons (`no-outline`, an !important 0) whose own focus helper is a faint tint.
ACCESSIBLE_LOOK = '''
    .nicegui-link:not(.text-white):not(.nav-link) { color: #1d4ed8; }
    .skip-link { position: absolute; inset-inline-start: 0.5rem; top: -4rem; z-index: 3000; padding: 0.5rem 1rem;
                 background: white; color: #1f2937; border-radius: 4px; font-weight: 600; }
    .skip-link:focus { top: 0.5rem; }
    @layer theme {  /* an !important in NiceGUI's first layer outranks Quasar's, which sits in its last */
        :is(a, button, [role=button], [role=checkbox], [role=switch], [role=radio], [role=tab], [role=option],
            .q-item[tabindex]):focus-visible { outline: 2px solid #1f2937 !important; outline-offset: 2px; }
        .q-header :is(a, button):focus-visible { outline-color: white !important; }
    }
    /* Same look; Quasar's z-index -1 on the backdrop makes axe-core measure a dialog's buttons against it. */
    .q-dialog__backdrop { z-index: 0; } .q-dialog__inner { z-index: 1; }
'''

# Quasar's dialog takes the focus back only when it lands elsewhere on the page: Tab past its last control leaves
# for the browser's own bar. Tab and Shift+Tab go round inside the open dialog instead (WCAG 2.4.3). Our dialogs are
# deleted as they close, before Quasar gives the focus back to what opened them: that is done here.
DIALOG_FOCUS_LOOP = '''<script>
let dialogOpener = null, lastFocus = null;
document.addEventListener('focusin', event => {
    if (!event.target.closest('.q-dialog')) lastFocus = event.target;
});
new MutationObserver(() => {
    const open = document.querySelector('.q-dialog');
    if (open && !dialogOpener) dialogOpener = lastFocus;
    if (!open && dialogOpener) {
        if (dialogOpener.isConnected && (!document.activeElement || document.activeElement === document.body)) {
            dialogOpener.focus();
        }
        dialogOpener = null;
    }
}).observe(document.documentElement, {childList: true, subtree: true});
document.addEventListener('keydown', event => {
    const dialogs = document.querySelectorAll('.q-dialog');
    if (event.key !== 'Tab' || !dialogs.length) return;
    const dialog = dialogs[dialogs.length - 1];
    const focusable = 'a[href], button, input, textarea, select, [tabindex]:not([tabindex="-1"])';
    const stops = [...dialog.querySelectorAll(focusable)]
        .filter(element => !element.disabled && element.getClientRects().length);
    if (!stops.length) return;
    const [first, last] = [stops[0], stops[stops.length - 1]];
    const active = document.activeElement;
    if (event.shiftKey ? active === first || !dialog.contains(active) : active === last || !dialog.contains(active)) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
    }
});
</script>'''

NAVIGATION = [  # (path, msgid, icon, the permission that shows it)
    ('/', N_('Home'), 'home', Action.READ),
    ('/compose', N_('Write'), 'edit', Action.DRAFT_POSTS),
    ('/review', N_('Review'), 'rate_review', Action.REVIEW_POSTS),
    ('/calendar', N_('Calendar'), 'calendar_month', Action.READ),
    ('/history', N_('Posts'), 'list', Action.READ),
    ('/media', N_('Media'), 'perm_media', Action.READ),
    ('/channels', N_('Channels'), 'hub', Action.MANAGE_ACCOUNTS),
    ('/users', N_('Users'), 'group', Action.MANAGE_USERS),
    ('/audit', N_('Audit log'), 'fact_check', Action.READ_AUDIT),
]


def navigation_for(user: User) -> list[tuple[str, str, str]]:
    return [(path, label, icon) for path, label, icon, action in NAVIGATION if can(user, action)]


# NiceGUI's own notices (shown when the connection drops), in each of our languages.
NICEGUI_TEXTS = {'connection_lost': N_('Connection lost'), 'trying_to_reconnect': N_('Trying to reconnect…'),
                 'message_too_long': N_('Message too long'),
                 'message_too_long_body': N_('The message is too large to send over the connection.')}


def install() -> None:
    """Serve the fonts, add the shared styles and NiceGUI's notices in Arabic; call once at start."""
    for language, quasar_language in QUASAR_LANGUAGE.items():
        if quasar_language not in nicegui_translations:
            nicegui_translations[quasar_language] = {key: i18n.translate(language, text)
                                                     for key, text in NICEGUI_TEXTS.items()}
    app.add_static_files('/fonts', FONTS_DIR, max_cache_age=31536000)
    ui.add_css(font_faces_css() + '''
        body, .q-field, .q-btn, .q-item { font-family: 'Inter', 'Noto Sans Arabic', system-ui, sans-serif; }
        body { background: #f6f7fb; }
        .app-card { width: min(100%, 26rem); }
        .app-content { width: 100%; max-width: 72rem; margin-inline: auto; padding: 1rem; }
        .app-header .nav-link { color: white; }
    ''' + ACCESSIBLE_LOOK + PHONE_TOUCH_TARGETS, shared=True)
    # The upload's progress is said in words on the drop zone; Quasar's bar on every request has no name to read.
    app.config.quasar_config['loadingBar']['skipHijack'] = True
    ui.add_head_html(DIALOG_FOCUS_LOOP, shared=True)


def font_faces_css() -> str:
    """@font-face rules for the self-served fonts: Inter, and Noto Sans Arabic for Arabic letters."""
    faces = []
    for family, stem, unicode_range in (('Inter', 'inter-latin', ''),
                                        ('Noto Sans Arabic', 'noto-sans-arabic-arabic', ARABIC_RANGE)):
        for weight in (400, 500, 700):
            range_rule = f'unicode-range: {unicode_range};' if unicode_range else ''
            faces.append(f"@font-face{{font-family:'{family}';font-style:normal;font-display:swap;"
                         f"font-weight:{weight};src:url(/fonts/{stem}-{weight}-normal.woff2) format('woff2');"
                         f'{range_rule}}}')
    return '\n'.join(faces)


def begin_page() -> str:
    """Start any page: the browser's language (Quasar's language pack sets `lang` and the direction), colours."""
    language = current_language()
    ui.colors(primary='#4f46e5', secondary='#0f766e', accent='#db2777')
    client = context.client
    client.page = copy.copy(client.page)
    client.page.language = QUASAR_LANGUAGE[language]
    return language


@contextmanager
def frame(title: str, user: User) -> Iterator[ui.column]:
    """The signed-in shell around a page's content."""
    begin_page()
    ui.page_title(title + ' · ' + _('Anonymous Creations'))
    nav_label = _('Main menu')
    waiting = review.waiting_count() if can(user, Action.REVIEW_POSTS) else 0  # the Review link's count
    with ui.left_drawer(value=False).props('overlay bordered behavior=mobile width=260') \
            .classes('bg-white p-0').mark('nav-drawer') as drawer:
        with ui.element('nav').props(f'aria-label="{nav_label}"'), ui.list().classes('w-full pt-2'):
            for path, label, icon in navigation_for(user):
                with ui.item(on_click=lambda path=path: ui.navigate.to(path)).classes('min-h-12'):
                    with ui.item_section().props('avatar'):
                        ui.icon(icon).classes('text-primary')
                    ui.item_section(_(label))
                    _waiting_badge(path, waiting)
    with ui.header().classes('app-header items-center flex-nowrap gap-2 px-3 py-2 bg-primary'):
        ui.link(_('Skip to the content'), '#content').classes('skip-link no-underline')
        menu_label = _('Menu')
        ui.button(icon='menu', on_click=drawer.toggle).props(f'flat round color=white aria-label="{menu_label}"') \
            .classes('lg:hidden').mark('nav-toggle')
        ui.link(_('Anonymous Creations'), '/') \
            .classes('text-base sm:text-lg font-bold text-white no-underline truncate min-w-0')
        with ui.element('nav').props(f'aria-label="{nav_label}"').classes('row gap-1 items-center max-lg:hidden'):
            for path, label, icon in navigation_for(user):
                with ui.link(target=path).classes('nav-link no-underline flex items-center gap-1 px-2'):
                    ui.icon(icon)
                    ui.label(_(label))
                    _waiting_badge(path, waiting)
        ui.space()
        language_switch(on_change=guarded(lambda language: _switch_language(user, language)), dark=True)
        notification_bell(user)
        _user_menu(user)
    flash = pop_flash()
    if flash:
        message, params, kind = flash
        ui.notify(_(message, **params), type=kind, multi_line=True)
    with ui.column().classes('app-content gap-4').props('id=content tabindex=-1') as content:
        TextElement(tag='h1', text=title).classes('text-2xl font-semibold')
        yield content


def _waiting_badge(path: str, waiting: int) -> None:
    if path == '/review' and waiting:
        hint = _('Posts waiting for review: %(count)s', count=waiting)
        ui.badge(str(waiting), color='orange-10').props(f'rounded aria-label="{hint}"').mark('review-count')


def _user_menu(user: User) -> None:
    label = _('Account menu')
    with ui.button(icon='account_circle').props(f'flat round color=white aria-label="{label}"') \
            .mark('user-menu') as button:
        button.tooltip(user.username)
        with ui.menu():
            ui.item(user.username).props('header').classes('font-semibold')
            ui.menu_item(_('Settings and password'), guarded(lambda: ui.navigate.to('/settings'))).mark('settings')
            ui.menu_item(_('Sign out'), lambda: _sign_out(user)).mark('sign-out')


def _switch_language(user: User, language: str) -> None:
    users.set_language(user.id, language)
    app.storage.user['language'] = language
    ui.navigate.reload()


def _sign_out(user: User) -> None:
    ui.navigate.to(f'/logout?check={sign_out_check(user)}')  # the answer to a request forgets the cookie
