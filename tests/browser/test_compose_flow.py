"""The composer in a real browser: a real drag-and-drop of an image and a video, previews, checks, a draft."""
from __future__ import annotations

import base64

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.media_samples import make_image, make_video

DROP = """async ([files]) => {
    const transfer = new DataTransfer();
    for (const [name, type, data] of files) {
        const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
        transfer.items.add(new File([bytes], name, {type}));
    }
    const fire = (element, kind) => element.dispatchEvent(
        new DragEvent(kind, {bubbles: true, cancelable: true, dataTransfer: transfer}));
    const zone = document.querySelector('.q-uploader');
    fire(zone, 'dragenter');
    fire(zone, 'dragover');
    await new Promise(resolve => setTimeout(resolve, 200));  // Quasar renders its drop target on dragover
    fire(document.querySelector('.q-uploader__dnd'), 'drop');
}"""


def test_drop_an_image_and_a_video_then_save_a_draft(app_server, signed_in_page, tmp_path):
    page = signed_in_page
    image = make_image(tmp_path, 'jpg', size=(320, 240), name='harbour.jpg')
    video = make_video(tmp_path, 'mp4', size=(160, 120), frames=24, name='waves.mp4')
    page.goto(app_server + '/compose')
    page.get_by_label('Text').fill('Sunset at the harbour 🌅')
    files = [[p.name, mime, base64.b64encode(p.read_bytes()).decode()]
             for p, mime in ((image, 'image/jpeg'), (video, 'video/mp4'))]
    page.evaluate(DROP, [files])
    expect(page.get_by_text('harbour.jpg')).to_be_visible(timeout=20000)
    expect(page.get_by_text('waves.mp4')).to_be_visible(timeout=20000)
    expect(page.get_by_text('0:02')).to_be_visible()  # the video's duration on its poster
    screenshot(page, 'compose-media-en-desktop')
    page.set_viewport_size({'width': 360, 'height': 740})
    screenshot(page, 'compose-media-en-phone')
    page.set_viewport_size({'width': 1280, 'height': 800})
    page.get_by_role('button', name='Save draft').click()
    expect(page.get_by_text('Edit the post')).to_be_visible(timeout=15000)
    page.get_by_text('العربية').click()
    expect(page.locator('html')).to_have_attribute('dir', 'rtl', timeout=15000)
    expect(page.get_by_text('harbour.jpg')).to_be_visible()
    screenshot(page, 'compose-media-ar-desktop')
    page.set_viewport_size({'width': 360, 'height': 740})
    screenshot(page, 'compose-media-ar-phone')
    assert page.evaluate('document.documentElement.scrollWidth - window.innerWidth') <= 1
    assert page.console_errors == []
