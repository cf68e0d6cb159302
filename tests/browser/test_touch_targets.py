"""At phone width every visible control on every main page is at least 40 × 40 px, in English and Arabic.

What counts as a control: buttons, links, fields (measured by the field's box, which takes the tap, not the bare
<input>), selects, checkboxes, toggles and radios (their whole clickable wrapper, label included), tabs and
clickable list items, and anything else that shows the pointer (icons with a click handler, such as a field's
clear or show-password icon). Links inside running text are left out on purpose: a link in a sentence is as tall as
the line, and padding it to 40 px would tear the paragraph apart. Each offender is listed with its size.
"""
from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import each_language, overflow, screenshot

MINIMUM = 40
PAGES = ['/', '/compose', '/calendar', '/calendar?view=list', '/history', '/history?q=sale', '/history/{failed}',
         '/history/{missed}', '/channels', '/users', '/settings', '/audit']

SMALL_TARGETS = '''minimum => {
    const CONTROLS = 'button, a[href], [role=button], [role=checkbox], [role=switch], [role=radio], [role=tab], '
        + '[role=combobox], .q-item--clickable, input:not([type=hidden]), textarea, select';
    const inRunningText = link => getComputedStyle(link).display === 'inline' && [...link.parentElement.childNodes]
        .some(node => node.nodeType === Node.TEXT_NODE && node.textContent.trim());
    const tapArea = control => {
        const wrapper = control.closest('[role=checkbox], [role=switch], [role=radio]');
        if (wrapper) return wrapper;
        const field = control.matches('input, textarea, select, [role=combobox]') && control.closest('.q-field');
        return field ? field.querySelector('.q-field__control') || field : control;
    };
    const shown = element => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && box.height > 0 && box.right > 0 && box.left < innerWidth
            && element.checkVisibility({opacityProperty: true, visibilityProperty: true})
            && !element.closest('.q-drawer--mobile:not(.q-drawer--on-top)');
    };
    const areas = new Set();
    // Whatever else looks clickable: an icon with a click handler shows the pointer (its children inherit it).
    const pointers = [...document.body.querySelectorAll('*')].filter(element =>
        getComputedStyle(element).cursor === 'pointer' && getComputedStyle(element.parentElement).cursor !== 'pointer');
    for (const control of new Set([...document.querySelectorAll(CONTROLS), ...pointers])) {
        if (control.matches('input[type=file]')) continue;  // the uploader's own button is measured instead
        if (control.matches('a') && inRunningText(control)) continue;
        if (control.matches('.q-select__dropdown-icon')) continue;  // the arrow of a select: the select takes the tap
        areas.add(tapArea(control));
    }
    return [...areas].filter(shown).map(area => {
        const box = area.getBoundingClientRect();
        const name = area.getAttribute('aria-label') || area.innerText || area.getAttribute('placeholder') || '';
        return {width: Math.round(box.width), height: Math.round(box.height),
                what: `${area.tagName.toLowerCase()}.${[...area.classList].slice(0, 3).join('.')}`,
                name: name.trim().replace(/\\s+/g, ' ').slice(0, 40)};
    }).filter(area => area.width < minimum || area.height < minimum);
}'''


RESCHEDULE = {'en': 'Reschedule', 'ar': 'إعادة الجدولة'}


def small_targets(page, where: str) -> list[str]:
    return [f'{where}: {t["what"]} "{t["name"]}" {t["width"]}×{t["height"]}'
            for t in page.evaluate(SMALL_TARGETS, MINIMUM)]


def test_every_control_is_big_enough_to_tap_on_a_phone(app_server, signed_in_page, sample_posts):
    page = signed_in_page
    page.set_viewport_size({'width': 360, 'height': 740})
    offenders = []
    for language in each_language(page, app_server):
        for path in PAGES:
            page.goto(app_server + path.format(**sample_posts))
            page.wait_for_load_state('networkidle')
            offenders += small_targets(page, f'{language} {path}')
            wider = overflow(page)
            assert wider <= 1, f'{path} in {language} is {wider} px wider than a phone'
        page.goto(app_server + '/history')
        page.get_by_role('button', name=RESCHEDULE[language]).first.click()
        expect(page.get_by_role('dialog')).to_be_visible()
        page.wait_for_timeout(500)  # until it has finished growing in
        offenders += small_targets(page, f'{language} the reschedule dialog')
        screenshot(page, f'reschedule-dialog-{language}-phone')
    assert offenders == [], f'{len(offenders)} controls under {MINIMUM} px:\n' + '\n'.join(offenders)
