"""Live status on the History page: 20 signed-in Chromium pages while deliveries change at 20 per second.

Run: .venv/bin/python bench/live_status.py [pages] [lead_seconds] [socket_clients]
     (defaults: 20 pages, 20 s + 4 s per page, 1 socket client). A control without the browser's CPU load:
     `bench/live_status.py 1 30 20` (1 Chromium page, 20 Python socket.io clients).
Needs Debian's chromium at /usr/bin/chromium (never `playwright install`).

What happens:
- A fresh database is written from this process through the services (admin, the env Telegram account, 200 posts
  with one Telegram delivery each, saved as drafts, then set to 'scheduled' 50 ms apart starting `lead_seconds`
  later), then `python app.py` starts on it (free port, temp DATA_DIR) and loads them into its scheduler.
- The app publishes to the fake Telegram, which runs in a process of its own (no latency, no rate limit, pacing off):
  the app's own scheduler → engine → `events.DeliveryChanged` path makes every change; nothing is added to the app.
- One headless Chromium, one context per page, each signed in through /login, then on /history.
- /history lists the 25 newest posts, so only those can change on screen. The 25 newest get every 8th slot of
  the schedule (spread evenly over the 10 s); the other 175 change off screen, so the app still does the full
  20 changes/s (each = two events, 'publishing' then 'published', sent to every page's listener) while 25 of
  them are painted on every page.
Measured:
- latency per (page, visible change): from the moment the fake answered sendMessage (wall clock, the fake's process)
  to the MutationObserver in the page seeing that post's delivery badge read 'Published'
  (performance.timeOrigin + performance.now(); same machine clock, the skew is checked and printed);
- where the time goes: when the socket message with the new badge text reached each page (socket.io
  `prependAny`, before Vue renders it), and when it reached a client of /history that is not a browser (a
  Python socket.io client with a signed-in page's cookies): the app's own delivery time, apart from Chromium's;
- pages that reloaded or navigated after they were set up (Playwright `load`/navigation events, and a marker in
  `window` that a reload would wipe), and socket disconnects seen in the pages;
- CPU use during the 10 s of changes and the 5 s before: the app, our Chromium (with Playwright's driver), the
  whole machine (browser and server share the 2 cores here, so a busy browser delays the app);
- the app process's peak VmRSS, sampled every 50 ms from the first page opening to the end, and its VmHWM.
The last line is key=value pairs.
"""
from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import socketio
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.convert import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from bench.fake_process import TIMED_TELEGRAM, FakeProcess  # noqa: E402
from bench.proc_stats import cpu_seconds, machine_busy_seconds, status_kb  # noqa: E402
from services.connections import accounts  # noqa: E402
from services.core import db  # noqa: E402
from services.core.models import Delivery, Post, PostStatus, utcnow  # noqa: E402
from services.posts import editing  # noqa: E402
from services.posts.editing import PostInput, SaveAction  # noqa: E402
from tests.app_process import app_env, start_app, wait_for_log  # noqa: E402
from tests.fakes.telegram import DEFAULT_CHAT_ID, DEFAULT_TOKEN  # noqa: E402
from tests.harness import boot, first_admin  # noqa: E402
from tests.harness.builders import channels_of  # noqa: E402

USERNAME, PASSWORD = 'bench', 'a long password!'
POSTS, RATE, ON_SCREEN = 200, 20.0, 25  # 200 changes at 20/s = 10 s; /history shows the 25 newest
SETTLE_SECONDS = 3.0
IDLE_SECONDS = 5.0  # CPU is also measured over this long just before the first change, pages open and idle
OPEN_AT_ONCE = 4  # pages signing in / loading at the same time (2 cores)

OBSERVER_JS = """(ids) => {
  window.__bench = {alive: true, published: {}, arrived: {}, disconnects: 0};
  const now = () => performance.timeOrigin + performance.now();
  const badgeOf = (id) => {
    const link = document.querySelector(`a[href="/history/${id}"]`);
    for (const badge of link ? link.querySelectorAll('.q-badge') : []) {
      if (badge.textContent.startsWith('Telegram')) return badge;
    }
    return null;
  };
  const elementIds = {};  // NiceGUI element id of each delivery badge (DOM id 'c<id>')
  for (const id of ids) elementIds[id] = badgeOf(id).id.replace(/^c/, '');
  const check = () => {
    const t = now();
    for (const id of ids) {
      if (window.__bench.published[id]) continue;
      const badge = badgeOf(id);
      if (badge && badge.textContent.includes('Published')) window.__bench.published[id] = t;
    }
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true, characterData: true});
  // when the socket message carrying the new badge text arrives (before Vue renders it)
  window.socket.prependAny((event, data) => {
    if (event !== 'update' || !data) return;
    const t = now();
    for (const id of ids) {
      const element = data[elementIds[id]];
      if (element && !window.__bench.arrived[id] && JSON.stringify(element).includes('Published')) {
        window.__bench.arrived[id] = t;
      }
    }
  });
  window.socket.on('disconnect', () => { window.__bench.disconnects += 1; });
  check();
}"""


def descendants_cpu_seconds(root: int) -> float:
    """CPU seconds of the live processes below `root` (here: Playwright's driver and our Chromium)."""
    parents = {}
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parents[int(entry.name)] = int((entry / 'stat').read_text().rsplit(')', 1)[1].split()[1])
    total = 0.0
    for pid in parents:
        ancestor = parents.get(pid)
        while ancestor and ancestor != root:
            ancestor = parents.get(ancestor)
        if ancestor == root:
            with contextlib.suppress(OSError):
                total += cpu_seconds(pid)
    return total


def cpu_now(app_pid: int) -> tuple[float, float, float]:
    """CPU seconds so far of the app, of our browser (with Playwright's driver), and of the whole machine."""
    return cpu_seconds(app_pid), descendants_cpu_seconds(os.getpid()), machine_busy_seconds()


class RssSampler(threading.Thread):
    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak_kb, self.stopped = pid, 0, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.05):
            try:
                self.peak_kb = max(self.peak_kb, status_kb(self.pid, 'VmRSS', missing=0))
            except OSError:
                return


def prepare(env: dict[str, str], lead: float) -> tuple[dict[str, float], dict[str, int], float]:
    """The database: admin, env account, 200 scheduled posts. Returns text -> due (epoch s), on-screen text ->
    post id, and the first due time."""
    settings = boot(**env)
    accounts.sync_env_accounts(settings)
    author = first_admin(USERNAME, PASSWORD)
    ids = [editing.save_post(author.id, PostInput(text=f'live {n}', channels=channels_of(['telegram'])),
                             SaveAction.DRAFT).id
           for n in range(POSTS)]
    on_screen = ids[-ON_SCREEN:]  # the newest: highest ids
    off_screen = iter(ids[:-ON_SCREEN])
    step = POSTS // ON_SCREEN
    order = [on_screen[slot // step] if slot % step == 0 else next(off_screen) for slot in range(POSTS)]
    first_due = utcnow() + timedelta(seconds=lead)
    due: dict[str, float] = {}
    with db.session() as session:
        for slot, post_id in enumerate(order):
            when = first_due + timedelta(seconds=slot / RATE)
            session.exec(sa.update(Post).where(Post.id == post_id).values(status=PostStatus.SCHEDULED,
                                                                          scheduled_at=when))
            due[f'live {ids.index(post_id)}'] = when.timestamp()
        pending = session.exec(sa.select(sa.func.count()).select_from(Delivery)
                               .where(Delivery.status == 'pending')).one()[0]
    assert pending == POSTS, f'{pending} pending deliveries'
    db.engine().dispose()
    visible = {f'live {ids.index(post_id)}': post_id for post_id in on_screen}
    return due, visible, first_due.timestamp()


def start_loaded_app(env: dict[str, str], data: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` (started by tests/app_process.py) once its scheduler has loaded the posts; and its URL."""
    app, base = start_app(env, data, log=data / 'app.log')
    wait_for_log(app, data / 'app.log', 'scheduler:', seconds=30)
    return app, base


class SocketObserver:
    """One more client of /history, without a browser: a Python socket.io client with a signed-in context's
    cookies. It notes when the 'Published' badge update reaches it, which is the app's own time (plus loopback),
    apart from any browser's."""

    ELEMENTS = re.compile(r'parseElements\(String\.raw`(.*?)`\)', re.S)
    QUERY = re.compile(r'query: (\{.*?\}),\n')

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}  # post id -> epoch s
        self.sio = socketio.AsyncClient(reconnection=False)
        self.badges: dict[str, int] = {}  # element id -> post id

    async def connect(self, base: str, cookies: list[dict]) -> None:
        jar = {cookie['name']: cookie['value'] for cookie in cookies}
        async with httpx.AsyncClient(cookies=jar) as http:
            html = (await http.get(base + '/history')).text
        raw = self.ELEMENTS.search(html)[1]
        for entity, char in (('&#36;', '$'), ('&#96;', '`'), ('&gt;', '>'), ('&lt;', '<'), ('&amp;', '&')):
            raw = raw.replace(entity, char)
        elements = json.loads(raw)
        parent = {str(child): key for key, element in elements.items() for child in element.get('children', [])}
        for key, element in elements.items():
            if element['tag'] == 'q-badge' and str(element.get('text', '')).startswith('Telegram'):
                ancestor = parent.get(key)
                while ancestor is not None and not str(elements[ancestor].get('props', {}).get('href', '')) \
                        .startswith('/history/'):
                    ancestor = parent.get(ancestor)
                if ancestor is not None:
                    self.badges[key] = int(elements[ancestor]['props']['href'].rsplit('/', 1)[1])
        query = ast.literal_eval(self.QUERY.search(html)[1])  # rendered as a Python dict
        query |= {'implicit_handshake': 'true', 'tab_id': str(uuid.uuid4()), 'document_id': str(uuid.uuid4())}
        self.sio.on('update', self._update)
        await self.sio.connect(f'{base}?{urlencode(query)}', socketio_path='/_nicegui_ws/socket.io',
                               transports=['websocket'],
                               headers={'Cookie': '; '.join(f'{k}={v}' for k, v in jar.items())})

    async def _update(self, data: dict) -> None:
        now = time.time()
        for key, element in data.items():
            post_id = self.badges.get(key)
            if post_id is not None and post_id not in self.arrived and 'Published' in json.dumps(element):
                self.arrived[post_id] = now


class BenchPage:
    def __init__(self) -> None:
        self.page = None
        self.context = None
        self.loads_after_ready = 0
        self.navigations_after_ready = 0
        self.errors: list[str] = []


async def open_page(browser, base: str, bench: BenchPage, visible_ids: list[int], gate: asyncio.Semaphore) -> None:
    async with gate:
        bench.context = await browser.new_context(viewport={'width': 1280, 'height': 900}, locale='en-US')
        page = bench.page = await bench.context.new_page()
        page.on('pageerror', lambda error: bench.errors.append(str(error)))
        await page.goto(f'{base}/login?next=/history')
        await page.get_by_label('Username').fill(USERNAME)
        await page.get_by_label('Password', exact=True).fill(PASSWORD)
        await page.get_by_label('Password', exact=True).press('Enter')
        await page.wait_for_url(f'{base}/history', timeout=30_000)
        for post_id in visible_ids:
            await page.locator(f'a[href="/history/{post_id}"]').wait_for(timeout=30_000)
        await page.wait_for_function('window.did_handshake === true && window.socket.connected', timeout=30_000)
        await page.evaluate(OBSERVER_JS, visible_ids)

        def loaded() -> None:
            bench.loads_after_ready += 1

        def navigated(frame) -> None:
            if frame == page.main_frame:
                bench.navigations_after_ready += 1

        page.on('load', loaded)
        page.on('framenavigated', navigated)


async def clock_skew_ms(page) -> float:
    """Page clock (timeOrigin + now) minus this process's time.time(), in ms, from one round trip."""
    before = time.time()
    page_time = await page.evaluate('performance.timeOrigin + performance.now()')
    after = time.time()
    return page_time - (before + after) / 2 * 1000


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(page_count: int, lead: float, socket_clients: int) -> None:
    from playwright.async_api import async_playwright

    if not Path(CHROMIUM).exists():
        sys.exit('Debian chromium is missing: apt-get install -y chromium')
    with tempfile.TemporaryDirectory() as tmp, FakeProcess(TIMED_TELEGRAM) as fake:
        data = Path(tmp)
        env = app_env(DATA_DIR=str(data / 'data'), SECRET_KEY='b' * 40, TELEGRAM_API_URL=fake.urls,
                      TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_CHAT_ID=str(DEFAULT_CHAT_ID),
                      TELEGRAM_PACING_SECONDS='0')
        t0 = time.time()
        due, visible, first_due = prepare(env, lead)
        app, base = start_loaded_app(env, data)
        print(f'{POSTS} scheduled posts written and the app up in {time.time() - t0:.1f} s; first due in '
              f'{first_due - time.time():.1f} s, then {RATE:.0f}/s for {POSTS / RATE:.0f} s; '
              f'{ON_SCREEN} of them on screen (every {POSTS // ON_SCREEN}th)')
        sampler = RssSampler(app.pid)
        sampler.start()
        visible_ids = sorted(visible.values())
        pages = [BenchPage() for _ in range(page_count)]
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                opened = time.time()
                gate = asyncio.Semaphore(OPEN_AT_ONCE)
                await asyncio.gather(*(open_page(browser, base, bench, visible_ids, gate) for bench in pages))
                observers = [SocketObserver() for _ in range(socket_clients)]
                for observer in observers:
                    await observer.connect(base, await pages[0].context.cookies())
                    if sorted(observer.badges.values()) != visible_ids:
                        raise RuntimeError(f'the socket observer found {len(observer.badges)} delivery badges')
                ready_at = time.time()
                print(f'{page_count} pages signed in and on /history in {ready_at - opened:.1f} s; '
                      f'{first_due - ready_at:.1f} s before the first change; app RSS now '
                      f'{status_kb(app.pid, "VmRSS", missing=0) / 1024:.1f} MiB')
                if ready_at > first_due:
                    raise RuntimeError(f'the pages were not ready before the first change: raise lead_seconds '
                                       f'(now {lead:.0f} s) by {ready_at - first_due + 5:.0f}')
                await asyncio.sleep(max(0.0, first_due - IDLE_SECONDS - time.time()))
                idle_before, idle_started = cpu_now(app.pid), time.time()
                await asyncio.sleep(max(0.0, first_due - time.time()))
                idle_cpu = [(after - before) / (time.time() - idle_started)
                            for after, before in zip(cpu_now(app.pid), idle_before, strict=True)]
                cpu_before = cpu_now(app.pid)
                await asyncio.sleep(max(0.0, max(due.values()) - time.time()))
                window = max(due.values()) - first_due
                app_cpu, browser_cpu, machine_cpu = ((after - before) / window for after, before in zip(
                    cpu_now(app.pid), cpu_before, strict=True))
                await asyncio.sleep(SETTLE_SECONDS)
                seen, alive, disconnects, skews = [], [], 0, []
                for bench in pages:
                    state = await bench.page.evaluate('window.__bench || null')
                    alive.append(bool(state and state['alive']))
                    disconnects += state['disconnects'] if state else 0
                    seen.append(state or {})
                    skews.append(await clock_skew_ms(bench.page))
                for observer in observers:
                    await observer.sio.disconnect()
                await browser.close()
        finally:
            sampler.stopped.set()
            hwm_kb = status_kb(app.pid, 'VmHWM', missing=0) if app.poll() is None else 0
            app.terminate()
            app.wait(timeout=30)

    answered = fake.report
    times = sorted(answered[text] for text in due if text in answered)
    lateness = [answered[text] - due[text] for text in due if text in answered]
    latencies, to_socket, socket_to_dom, missing = [], [], [], 0
    for state in seen:
        published, arrived = state.get('published', {}), state.get('arrived', {})
        for text, post_id in visible.items():
            key = str(post_id)
            if text in answered and key in published:
                latencies.append(published[key] - answered[text] * 1000)
                if key in arrived:
                    to_socket.append(arrived[key] - answered[text] * 1000)
                    socket_to_dom.append(published[key] - arrived[key])
            else:
                missing += 1
    reloaded = sum(1 for bench, kept in zip(pages, alive, strict=True)
                   if bench.loads_after_ready or bench.navigations_after_ready or not kept)
    rss_mb = sampler.peak_kb / 1024
    print(f'changes: {len(times)} of {POSTS} sent to the fake over {times[-1] - times[0]:.2f} s '
          f'({(len(times) - 1) / (times[-1] - times[0]):.1f}/s); lateness vs schedule p50 '
          f'{percentile(lateness, 0.5) * 1000:.0f} ms, max {max(lateness) * 1000:.0f} ms')
    print(f'change → DOM over {len(latencies)} (page, change) pairs ({page_count} pages × {ON_SCREEN} on-screen '
          f'changes; {missing} not seen): p50 {percentile(latencies, 0.5):.1f} ms, '
          f'p95 {percentile(latencies, 0.95):.1f} ms, max {max(latencies):.1f} ms, '
          f'mean {statistics.mean(latencies):.1f} ms')
    direct = [observer.arrived[post_id] * 1000 - answered[text] * 1000 for observer in observers
              for text, post_id in visible.items() if post_id in observer.arrived and text in answered]
    print(f'the same changes seen by {socket_clients} Python socket.io client(s) on /history (no browser): p50 '
          f'{percentile(direct, 0.5):.1f} ms, p95 {percentile(direct, 0.95):.1f} ms, max {max(direct):.1f} ms '
          f'({len(direct)} of {socket_clients * ON_SCREEN} pairs)')
    if to_socket:
        print(f'  of which fake answer → socket message in the page: p50 {percentile(to_socket, 0.5):.1f} ms, '
              f'p95 {percentile(to_socket, 0.95):.1f} ms; socket message → DOM: p50 '
              f'{percentile(socket_to_dom, 0.5):.1f} ms, p95 {percentile(socket_to_dom, 0.95):.1f} ms '
              f'({len(to_socket)} pairs)')
    print(f'page clock minus bench clock: {min(skews):+.1f} … {max(skews):+.1f} ms (latency includes this)')
    print(f'pages that reloaded or navigated: {reloaded}; socket disconnects seen in pages: {disconnects}; '
          f'page errors: {sum(len(bench.errors) for bench in pages)}')
    print(f'app process: peak VmRSS {rss_mb:.1f} MiB while pages were open, VmHWM {hwm_kb / 1024:.1f} MiB; '
          f'{os.cpu_count()} cores shared with Chromium and this process')
    print(f'CPU during the changes, in % of one core: app {app_cpu * 100:.0f}, our Chromium + driver '
          f'{browser_cpu * 100:.0f}, whole machine {machine_cpu * 100:.0f} of {os.cpu_count() * 100} '
          f'(idle just before: {idle_cpu[0] * 100:.0f}, {idle_cpu[1] * 100:.0f}, {idle_cpu[2] * 100:.0f})')
    print(f'p50_ms={percentile(latencies, 0.5):.1f} p95_ms={percentile(latencies, 0.95):.1f} '
          f'reloaded_pages={reloaded} server_rss_mb={rss_mb:.1f} missed_updates={missing} pages={page_count} '
          f'socket_clients={socket_clients} socket_client_p95_ms={percentile(direct, 0.95):.1f}')


def main() -> None:
    page_count = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    lead = float(sys.argv[2]) if len(sys.argv) > 2 else 20 + 4 * page_count  # 20 pages opened in ~58 s here
    socket_clients = max(1, int(sys.argv[3])) if len(sys.argv) > 3 else 1
    asyncio.run(run(page_count, lead, socket_clients))


if __name__ == '__main__':
    main()
