"""The offline dashboards in a real browser (Debian's chromium, headless, driven over the DevTools protocol; nothing
is downloaded): each page must show no console errors, make no network requests (only the file:// page itself and
data: URIs), and draw its charts: every chart has a screenshot that is not blank. Screenshots are kept in
test-artifacts/dashboards/. The pages are tests/integration/test_dashboards.py's (its demo fixtures)."""
from __future__ import annotations

import base64
import json
import struct
import subprocess
import time
import zlib
from collections import Counter
from pathlib import Path

import pytest

from tests.helpers import HANG, HOSTILE_NAMES, Ceiling
from tests.integration.test_dashboards import ARTIFACTS, PERIODS, before_rollups, demo  # noqa: F401 (fixtures)

CHROMIUM = Path("/usr/bin/chromium")


# ---------------------------------------------------------------- a real browser

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps", "--no-default-browser-check",
         "--hide-scrollbars", "--mute-audio", "--remote-debugging-port=0"]


class Browser:
    """Just enough of the Chrome DevTools Protocol, over one websocket (flattened target sessions)."""

    def __init__(self, workdir: Path):
        from websockets.sync.client import connect
        profile = workdir / "profile"
        self.log = workdir / "chromium.log"
        self.proc = subprocess.Popen([str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=self.log.open("wb"))
        port_file = profile / "DevToolsActivePort"
        ceiling = Ceiling(HANG)
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.proc.poll() is not None or ceiling.passed():
                self.close()
                raise RuntimeError("chromium did not start:\n" + self.log.read_text(errors="replace")[-3000:])
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        self.next_id = 0
        self.events: list[dict] = []

    def _recv(self, timeout: float) -> dict | None:
        try:
            m = json.loads(self.ws.recv(timeout=max(timeout, 0.01)))
        except TimeoutError:
            return None
        if "method" in m:
            self.events.append(m)
        return m

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = HANG):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.ws.send(json.dumps(msg))
        ceiling = Ceiling(timeout)
        while not ceiling.passed():
            m = self._recv(ceiling.left())
            if m and m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
        raise TimeoutError(method)

    def wait_for(self, method: str, session: str, timeout: float = HANG) -> dict:
        ceiling = Ceiling(timeout)
        while True:
            for m in self.events:
                if m["method"] == method and m.get("sessionId") == session:
                    return m
            if ceiling.passed():
                raise TimeoutError(method)
            self._recv(ceiling.left())

    def drain(self, seconds: float) -> None:
        window = Ceiling(seconds)
        while not window.passed():
            self._recv(window.left())

    def new_page(self, width: int = 1400, height: int = 1000) -> str:
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session=session)
        self.send("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=session)
        return session

    def evaluate(self, session: str, expression: str):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True},
                      session=session)
        if "exceptionDetails" in r:
            raise RuntimeError(r["exceptionDetails"])
        return r["result"].get("value")

    def screenshot(self, session: str, clip: dict | None = None) -> bytes:
        params = {"format": "png", "captureBeyondViewport": True}
        if clip:
            params["clip"] = clip
        return base64.b64decode(self.send("Page.captureScreenshot", params, session=session)["data"])

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=10)
        except Exception:
            pass
        try:
            self.ws.close()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def decode_png(data: bytes) -> tuple[int, int, list[bytes], int]:
    """8-bit RGB/RGBA, non-interlaced PNG (what Chromium writes) → (width, height, rows, bytes per pixel)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = bpp = 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
            bpp = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw, stride, rows = zlib.decompress(b"".join(idat)), width * bpp, []
    prev, i = bytearray(stride), 0
    for _ in range(height):
        kind, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def colours(png: bytes) -> Counter:
    _, _, rows, bpp = decode_png(png)
    return Counter(r[x:x + 3] for r in rows for x in range(0, len(r), bpp))


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium "
                    "(apt-get install -y chromium); the browser checks need it")
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


def pages(demo_reports: Path, before: Path) -> list[tuple[str, Path]]:
    out = [("index", demo_reports / "index.html")]
    out += [(f"dashboard_{p}", demo_reports / p / f"dashboard_{p}.html") for p in PERIODS]
    out.append(("dashboard_2022Q2_before_rollups", before / "2022Q2" / "dashboard_2022Q2.html"))
    return out


def test_dashboards_in_a_real_browser(demo, before_rollups, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session = browser.new_page()
    report = []
    for name, path in pages(demo.reports, before_rollups):
        url = path.resolve().as_uri()
        browser.events.clear()
        browser.send("Page.navigate", {"url": url}, session=session)
        browser.wait_for("Page.loadEventFired", session)
        browser.drain(0.5)
        mine = [m for m in browser.events if m.get("sessionId") == session]

        # 1. no console errors (nor uncaught exceptions, CSP violations or alert dialogs)
        problems = [m["params"] for m in mine
                    if (m["method"] == "Runtime.consoleAPICalled" and m["params"]["type"] in ("error", "assert"))
                    or m["method"] in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")
                    or (m["method"] == "Log.entryAdded" and m["params"]["entry"]["level"] == "error")]
        assert problems == [], (name, problems)

        # 2. no network: the only request is the page itself (data: URIs aside)
        requested = [m["params"]["request"]["url"] for m in mine if m["method"] == "Network.requestWillBeSent"]
        assert [u for u in requested if not u.startswith("data:")] == [url], (name, requested)
        assert not [m for m in mine if m["method"] == "Network.loadingFailed"], name

        dom = browser.evaluate(session, """(() => ({
            scripts: document.querySelectorAll('script').length,
            images: document.querySelectorAll('img, iframe, object, embed').length,
            charts: Array.from(document.querySelectorAll('svg.chart')).map(s => {
                const r = s.getBoundingClientRect();
                return {label: s.getAttribute('aria-label'), shapes: s.querySelectorAll('rect, polygon, line, path').length,
                        x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height};
            }),
            height: document.documentElement.scrollHeight,
            title: document.title,
        }))()""")
        assert dom["images"] == 0 and dom["scripts"] <= 1, (name, dom)

        # 3. charts drawn: every chart has shapes and a screenshot of it that is not blank
        dashboard = name.startswith("dashboard") and "before" not in name
        if dashboard:
            assert len(dom["charts"]) == 4, (name, dom["charts"])     # targets, ladder, heat map, task status
        else:
            assert dom["charts"] == [], (name, dom["charts"])
        for chart in dom["charts"]:
            assert chart["shapes"] > 0 and chart["width"] > 50 and chart["height"] > 20, (name, chart)
            shot = browser.screenshot(session, {"x": chart["x"], "y": chart["y"], "width": chart["width"],
                                                "height": chart["height"], "scale": 0.5})
            c = colours(shot)
            assert len(c) >= 3 and c.most_common(1)[0][1] < 0.97 * sum(c.values()), (name, chart["label"], len(c))

        full = browser.screenshot(session, {"x": 0, "y": 0, "width": 1400, "height": dom["height"], "scale": 1})
        out = ARTIFACTS / f"{name}.png"
        out.write_bytes(full)
        small = colours(browser.screenshot(session, {"x": 0, "y": 0, "width": 1400, "height": min(dom["height"], 3000),
                                                     "scale": 0.25}))
        assert len(small) > (40 if dashboard else 8), (name, len(small))
        assert small.most_common(1)[0][1] < (0.9 if dashboard else 0.99) * sum(small.values()), name
        report.append(f"{out}  ({len(dom['charts'])} charts, {len(small)} colours)")
    print("\nscreenshots:\n  " + "\n  ".join(report))


def test_search_box_filters_the_enterprise_table_and_hostile_names_stay_text(demo, browser):
    session = browser.new_page()
    browser.events.clear()
    browser.send("Page.navigate", {"url": (demo.reports / "2022Q3" / "dashboard_2022Q3.html").resolve().as_uri()},
                 session=session)
    browser.wait_for("Page.loadEventFired", session)
    visible = """(() => Array.from(document.querySelectorAll('#enterprise-table tbody tr'))
                  .filter(tr => !tr.hidden).map(tr => tr.cells[0].textContent))()"""
    everyone = browser.evaluate(session, visible)
    assert len(everyone) >= 13 and "<script>alert(1)</script>" in everyone

    def search(text: str) -> list[str]:
        browser.evaluate(session, "(() => { const b = document.getElementById('enterprise-search'); b.focus(); b.select(); })()")
        browser.send("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Backspace", "code": "Backspace",
                                                "windowsVirtualKeyCode": 8}, session=session)
        browser.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Backspace", "code": "Backspace",
                                                "windowsVirtualKeyCode": 8}, session=session)
        if text:
            browser.send("Input.insertText", {"text": text}, session=session)
        return browser.evaluate(session, visible)

    assert search("长白山") == [n for n in everyone if "长白山" in n] != []
    assert search("script") == ["<script>alert(1)</script>"]
    assert browser.evaluate(session, "document.getElementById('enterprise-count').textContent") == "1"
    assert search("onerror") == [HOSTILE_NAMES[1]]
    assert search("没有这家企业") == []
    assert search("") == everyone
    shot = ARTIFACTS / "dashboard_2022Q3_search.png"
    search("吉林 工业")
    shot.write_bytes(browser.screenshot(session))
    print(f"\nsearch screenshot: {shot}")
    problems = [m for m in browser.events if m.get("sessionId") == session and m["method"] in
                ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")]
    assert problems == []


def test_the_history_page_in_a_real_browser(demo, browser):
    """The page across all periods (dashboards/history.py): no console errors, no request but itself, its two charts
    (the ladder per half-year, rewards per year) drawn."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session = browser.new_page()
    url = (demo.reports / "dashboard_history.html").resolve().as_uri()
    browser.events.clear()
    browser.send("Page.navigate", {"url": url}, session=session)
    browser.wait_for("Page.loadEventFired", session)
    browser.drain(0.5)
    mine = [m for m in browser.events if m.get("sessionId") == session]
    problems = [m["params"] for m in mine
                if (m["method"] == "Runtime.consoleAPICalled" and m["params"]["type"] in ("error", "assert"))
                or m["method"] in ("Runtime.exceptionThrown", "Page.javascriptDialogOpening")
                or (m["method"] == "Log.entryAdded" and m["params"]["entry"]["level"] == "error")]
    assert problems == []
    requested = [m["params"]["request"]["url"] for m in mine if m["method"] == "Network.requestWillBeSent"]
    assert [u for u in requested if not u.startswith("data:")] == [url]
    dom = browser.evaluate(session, """(() => ({
        charts: Array.from(document.querySelectorAll('svg.chart')).map(s => s.querySelectorAll('rect').length),
        grid: document.querySelectorAll('#report-grid tbody td[data-quarter]').length,
        height: document.documentElement.scrollHeight,
    }))()""")
    assert len(dom["charts"]) == 2 and all(n > 0 for n in dom["charts"]), dom
    assert dom["grid"] > 0, dom
    shot = browser.screenshot(session, {"x": 0, "y": 0, "width": 1400, "height": dom["height"], "scale": 1})
    (ARTIFACTS / "dashboard_history.png").write_bytes(shot)
    assert len(colours(shot)) > 40
