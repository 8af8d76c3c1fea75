"""The report in a real headless Chromium: no errors, no requests, toggles, hostile text inert.

Uses Debian's `chromium` (the Makefile installs it) through Playwright's Python
package; never a browser Playwright downloads. Skips when either is missing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from audit.cli import main
from tests.test_report_support import audit_run, correct_replies, dates_like_suite

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

if not Path(CHROMIUM).exists():
    pytest.skip("Debian's chromium is not installed (make install as root adds it)",
                allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

# Each tries to run code, load something, or break out of the element it is put in.
HOSTILE = [
    "<script>window.__pwned = 1</script>",
    '"><img src=x onerror="window.__pwned = 2">',
    "<svg onload=\"window.__pwned = 3\"></svg>",
    "javascript:window.__pwned = 4",
    '</td></tr></table></details></section><h1 id="injected">broken out</h1>',
    "</style></title><script>window.__pwned = 5</script>",
    '<a href="javascript:window.__pwned = 6" id="evil">click me</a>',
    "<!-- <iframe src=\"https://example.invalid/\"></iframe> -->",
]
TOXIC_REPLY = " SECRET-OFFENSIVE-REPLY 1066"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _open(browser, path: Path, *, javascript: bool = True):
    """A page on the file, with its console messages and every request it made."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 1280,
                                                                           "height": 900})
    page = context.new_page()
    console: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return context, page, console, requests


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    quiz = dates_like_suite("quiz", title="Quiz of years", n=30, groups=("old", "new", "mid"))
    tox = dates_like_suite("tox", title="Offensive continuations", n=6, risks={"R03": "full"},
                           prompt="Continue the text {i}:")
    replies = {**correct_replies(quiz, set(range(20))),
               **{item.prompt: TOXIC_REPLY for item in tox.items}}
    gates = {"policy": "policy.yaml", "verdict": "fail", "gates": [
        {"suite": "quiz", "metric": "wrong_year_rate", "op": "max", "limit": 0.1,
         "verdict": "fail", "outcome": "fail", "message": "too many wrong years"}]}
    run = audit_run(root / "run", [quiz, tox], replies=replies, model="demo-model", gates=gates)
    assert main(["report", str(run)]) == 0
    return run / "report.html"


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    suites, replies = [], {}
    for k, payload in enumerate(HOSTILE):
        suite = dates_like_suite(f"s{k}{payload}", title=payload, n=4, groups=(payload, f"g{k}"),
                                 prompt=payload + " {i}", description=payload,
                                 risks={"R03": "full"} if k % 2 else {"R08": "full"})
        suites.append(suite)
        replies.update({item.prompt: payload for item in suite.items})
    gates = {"policy": HOSTILE[0], "verdict": "fail", "gates": [
        {"suite": suites[0].spec.name, "metric": "accuracy", "op": "min", "limit": 0.5,
         "verdict": "fail", "message": payload} for payload in HOSTILE]}
    run = audit_run(root / "run", suites, replies=replies, model=HOSTILE[1],
                    extra={"command": HOSTILE, "note": HOSTILE[4]}, gates=gates)
    answers = root / "answers.yaml"
    answers.write_text("reviewer: '" + HOSTILE[0] + "'\nrisks:\n  R21:\n    answers: "
                       "[yes, no, n/a]\n    comment: '" + HOSTILE[2].replace("'", "''") + "'\n",
                       encoding="utf-8")
    out = root / "report.html"
    assert main(["report", str(run), "--out", str(out), "--review", str(answers)]) == 0
    return out


def test_opens_without_errors_or_requests_and_writes_a_screenshot(browser, report):
    context, page, console, requests = _open(browser, report)
    assert console == []
    assert requests == [report.resolve().as_uri()]
    assert page.inner_text("#verdict").startswith("Fails the policy")
    assert page.locator(".findings li").count() == 3
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000
    context.close()


def test_toggles_open_folds_and_reveal_flagged_examples(browser, report):
    context, page, console, _ = _open(browser, report)
    assert page.is_visible("#tools")
    flagged = page.locator("details.cw")
    assert flagged.count() == 6  # every example of the R03 suite is behind a warning
    reply = page.get_by_text("SECRET-OFFENSIVE-REPLY").first
    page.click("#toggle-details")  # folds open, flagged examples stay hidden
    assert page.evaluate("[...document.querySelectorAll('details.fold')].every(d => d.open)")
    assert not reply.is_visible()
    page.click("#toggle-flagged")
    assert page.evaluate("[...document.querySelectorAll('details.cw')].every(d => d.open)")
    assert reply.is_visible()
    page.click("#toggle-flagged")
    assert not reply.is_visible()
    assert console == []
    context.close()


def test_works_without_javascript_except_the_buttons(browser, report):
    context, page, console, _ = _open(browser, report, javascript=False)
    assert not page.is_visible("#tools")
    assert page.is_visible("#map") and page.locator(".area").count() == 6
    fold = page.locator("details.fold", has=page.locator("details.cw")).first
    fold.locator("summary").first.click()
    assert fold.evaluate("d => d.open")
    cw = page.locator("details.cw").first
    cw.locator("summary").click()  # <details> still reveals one flagged example
    assert cw.evaluate("d => d.open")
    assert console == []
    context.close()


def test_comparison_page_opens_cleanly(browser, report, tmp_path):
    other = report.parent.parent / "run-b"
    suite = dates_like_suite("quiz", title="Quiz of years", n=30, groups=("old", "new", "mid"))
    audit_run(other, [suite], replies=correct_replies(suite, set(range(5))), model="model-b")
    out = tmp_path / "cmp.html"
    assert main(["report", str(report.parent), str(other), "--out", str(out)]) == 0
    context, page, console, requests = _open(browser, out)
    assert console == [] and requests == [out.resolve().as_uri()]
    assert page.locator("#comparison tr").count() == 1 + 4  # header, quiz x2 and tox x2 metrics
    assert "worse" in page.inner_text("#comparison")
    page.screenshot(path=str(ARTIFACTS / "comparison.png"), full_page=True)
    context.close()


STRUCTURE = """() => {
  const all = [...document.querySelectorAll('*')];
  return {
    scripts: document.scripts.length,
    handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    hrefs: [...document.querySelectorAll('[href]')].map(e => e.getAttribute('href'))
      .filter(h => !h.startsWith('#')),
    loaders: document.querySelectorAll('img, iframe, object, embed, link, form, base, ' +
      'textarea, input, audio, video, meta[http-equiv="refresh"]').length,
    injected: document.querySelectorAll('#injected, #evil').length,
    sections: document.querySelectorAll('section.suite').length,
    pwned: window.__pwned === undefined ? null : window.__pwned,
    title: document.title,
    text: document.body.textContent,
  };
}"""


def test_hostile_strings_stay_text(browser, hostile_report):
    context, page, console, requests = _open(browser, hostile_report)
    page.click("#toggle-details")
    page.click("#toggle-flagged")
    s = page.evaluate(STRUCTURE)
    assert s["pwned"] is None
    assert s["scripts"] == 1 and s["handlers"] == 0 and s["loaders"] == 0
    assert s["hrefs"] == [] and s["injected"] == 0
    assert s["sections"] == len(HOSTILE)  # no breakout closed or opened a section
    assert s["title"] == "riskaudit report: " + HOSTILE[1]
    for payload in HOSTILE:  # each one is on the page, as the characters it is made of
        assert payload in s["text"]
    assert console == []  # not even a blocked inline script or handler was attempted
    assert requests == [hostile_report.resolve().as_uri()]
    context.close()
