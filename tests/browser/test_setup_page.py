"""The first-run form in a phone's browser, in Arabic: the browser's time zone preselected, every control big
enough to tap, and the administrator it creates signed in with that language and zone."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session, select

from services.core.db import create_db_engine
from services.core.models import User
from tests.app_process import printed_setup_link
from tests.browser.conftest import screenshot
from tests.browser.test_touch_targets import small_targets


def test_arabic_setup_on_a_phone_creates_the_admin_in_the_browsers_time_zone(app_server, browser, tmp_path):
    context = browser.new_context(viewport={'width': 360, 'height': 740}, locale='ar', timezone_id='Africa/Cairo')
    page = context.new_page()
    page.goto(printed_setup_link(tmp_path / 'app.log') + '&lang=ar')
    expect(page.locator('html')).to_have_attribute('dir', 'rtl')
    expect(page.get_by_label('المنطقة الزمنية')).to_have_value('Africa/Cairo')
    assert small_targets(page, 'setup') == []
    assert page.evaluate('document.documentElement.scrollWidth - window.innerWidth') <= 1
    screenshot(page, 'setup-ar-phone')
    page.get_by_label('اسم المستخدم').fill('admin')
    page.get_by_label('كلمة المرور', exact=True).fill('a real long password')
    page.get_by_label('أعد كتابة كلمة المرور').fill('a real long password')
    page.get_by_role('button', name='إنشاء حساب المسؤول').click()
    expect(page.get_by_text('مرحبًا، admin.')).to_be_visible(timeout=15000)
    context.close()
    engine = create_db_engine(f'sqlite:///{tmp_path / "data" / "dashboard.db"}')
    with Session(engine) as session:
        admin = session.exec(select(User)).one()
    engine.dispose()
    assert (admin.username, admin.language, admin.timezone) == ('admin', 'ar', 'Africa/Cairo')
