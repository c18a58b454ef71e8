"""Script written into any free-text field never runs in the browser.

On the demo alliance (``seed_demo --scale small``):

1. every free-text field of every model gets a script-injection probe
   (:func:`yilian.security.xss_probe.fill`, which says field by field what is probed and
   what is exempted and why);
2. the forms people type into — every business application, a patient, a feedback ticket,
   a health-education article, a CME class, a live event, a standard, a dataset, a
   registry, a special business type, an accession question, a follow-up template and the
   public accession form — are filled with the probes and sent, and the page that answers
   (the new object, or the form shown again with its errors) is checked;
3. every demo login and an anonymous visitor then walk their pages breadth-first from the
   home page (same-origin links, GET only, a few pages per URL pattern).

On every page: no probe ran (``window.__xss`` unset, no dialog), no probe became markup
(no ``on…``/``srcdoc`` attribute or script carrying it, no ``javascript:`` link), and the
Content-Security-Policy refused nothing. The probes must also show as text on enough
pages, in every module of the navigation, so the walk proves they reached the pages."""

from __future__ import annotations

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from io import StringIO
from urllib.parse import urldefrag, urlsplit

from django.core.management import call_command
from django.urls import Resolver404, resolve

from e2e.conftest import DESKTOP, log_in
from yilian.accounts.roles import Role
from yilian.healthedu.models import Item
from yilian.orgs.demo import DEMO_LOGINS, DEMO_PASSWORD
from yilian.security import xss_probe
from yilian.web.navigation import MODULES

PAGES_PER_ROLE = 25
# Each URL pattern is opened once per role and at most this often in all (the home page
# of every role excepted): enough to meet each pattern with different data and scopes.
VISITS_PER_PATTERN = 3
# URL patterns never opened by the walk: they end the session, answer with a file, a feed
# or a stream, or only take POSTs.
SKIPPED_NAMESPACES = frozenset({"api-1", "fhir", "admin"})
SKIPPED_NAME = re.compile(
    r"logout|export|download|feed|pdf|letter|certificate|qr|slice|tile|dzi|hls|heartbeat"
    r"|rtmp|manifest|service_worker|offline|upload|template$|set_language|healthz|act$"
    r"|publish|enrol|cancel|delete|revoke|decide|return|accept|approve|reject|mark|remove"
    r"|regenerate|deactivate|person_(role|enabled|reset|team)|_code$|enter"
)

# What "{{7*7}}${7*7}" reads as once a template engine evaluated either half.
TEMPLATE_EVALUATED = re.compile(r"49\$\{7\*7\}|\{\{7\*7\}\}49")

# Raised in the page: what became markup out of a probe.
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      if ((name.startsWith("on") || name === "srcdoc") && a.value.includes("__xss")) {
        found.push(`${el.tagName} ${name}`);
      }
      if (["href", "src", "action", "formaction", "data"].includes(name)
          && /^\\s*javascript:/i.test(a.value)) {
        found.push(`${el.tagName} ${name}=${a.value.slice(0, 40)}`);
      }
    }
    if (el.tagName === "SCRIPT" && el.type !== "application/json"
        && el.textContent.includes("__xss")) {
      found.push("SCRIPT");
    }
  }
  return found;
}"""


@dataclass
class Watch:
    """What one signed-in browser saw."""

    dialogs: list[str] = field(default_factory=list)
    csp: list[str] = field(default_factory=list)
    rendered: set[str] = field(default_factory=set)  # URL names that showed a probe as text
    errors: list[str] = field(default_factory=list)  # pages that failed (status ≥ 500)


def _watch(context) -> Watch:
    watch = Watch()

    def on_dialog(dialog) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            watch.csp.append(message.text)

    context.on("dialog", on_dialog)
    context.on("console", on_console)
    return watch


def _url_name(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


def _skipped(name: str) -> bool:
    return name.split(":")[0] in SKIPPED_NAMESPACES or bool(SKIPPED_NAME.search(name))


def check(page, watch: Watch, where: str) -> None:
    """Nothing of a probe ran or became markup on the page now shown."""
    name = _url_name(urlsplit(page.url).path) or where
    assert page.evaluate("typeof window.__xss") == "undefined", f"a probe ran on {page.url}"
    assert watch.dialogs == [], f"a probe opened a dialog on {page.url}: {watch.dialogs}"
    assert watch.csp == [], f"the policy refused something on {page.url}: {watch.csp}"
    injected = page.evaluate(INJECTED)
    assert injected == [], f"a probe became markup on {page.url}: {injected}"
    text = page.evaluate("document.body.innerText")
    assert not TEMPLATE_EVALUATED.search(text), f"a template probe was evaluated on {page.url}"
    if xss_probe.MARKER in text:
        watch.rendered.add(name)


def _open(page, watch: Watch, url: str) -> bool:
    """Open ``url``; False when it is no HTML page."""
    try:
        response = page.goto(url, wait_until="load")
    except Exception as exc:  # a download starts instead of a page
        if "Download is starting" in str(exc):
            return False
        raise
    if response is None:
        return False
    if response.status >= 500:
        watch.errors.append(f"{response.status} {url}")
        return False
    return "text/html" in (response.headers.get("content-type") or "")


def crawl(page, watch: Watch, live_url: str, starts: list[str], visits: Counter) -> int:
    """Breadth-first over same-origin links from ``starts``; returns pages checked.
    ``visits`` counts the pages opened per URL pattern over all roles."""
    origin = urlsplit(live_url)
    queue = deque(starts)
    seen: set[str] = set(starts)
    mine: set[str] = set()
    checked = 0
    while queue and checked < PAGES_PER_ROLE:
        url = queue.popleft()
        name = _url_name(urlsplit(url).path)
        if name is None or _skipped(name) or (name in mine and url not in starts):
            continue
        if visits[name] >= VISITS_PER_PATTERN and url not in starts:
            continue
        mine.add(name)
        visits[name] += 1
        if not _open(page, watch, url):
            continue
        check(page, watch, name)
        checked += 1
        _hover_charts(page)
        check(page, watch, name)
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        for href in hrefs:
            href = urldefrag(href).url
            parts = urlsplit(href)
            if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc) or href in seen:
                continue
            seen.add(href)
            queue.append(href)
    return checked


def _hover_charts(page) -> None:
    """Chart tooltips are HTML: show one on every chart."""
    for chart in page.locator("[_echarts_instance_]").all()[:3]:
        box = chart.bounding_box()
        if box and box["width"] > 0:
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


# --- Forms ------------------------------------------------------------------------------

FILL_FORM = """(form, [vectors, urlVector]) => {
  let i = 0;
  const today = new Date(Date.now() + 3 * 86400000);
  const day = today.toISOString().slice(0, 10);
  for (const el of form.querySelectorAll("input, textarea, select")) {
    if (el.disabled || el.readOnly || el.type === "hidden") continue;
    if (el.tagName === "SELECT") {
      if (!el.value) {
        const option = [...el.options].find(o => o.value);
        if (option) el.value = option.value;
      }
    } else if (el.type === "date") { el.value = day; }
    else if (el.type === "datetime-local") { el.value = day + "T09:30"; }
    else if (el.type === "time") { el.value = "09:30"; }
    else if (el.type === "number") { if (!el.value) el.value = "3"; }
    else if (el.type === "checkbox" || el.type === "radio") {
      if (el.required || !form.querySelector(`[name="${el.name}"]:checked`)) el.checked = true;
    }
    else if (["text", "search", "url", "textarea"].includes(el.type)) {
      if (/phone|mobile|email|national_id|licence|code|captcha|password/i.test(el.name)) continue;
      const max = el.maxLength > 0 ? el.maxLength : 4000;
      let value = el.type === "url" ? urlVector : vectors[i++ % vectors.length];
      if (value.length > max) value = "\\"'><b>__xss".slice(0, max);
      el.value = value;
      el.dispatchEvent(new Event("input", { bubbles: true }));
    }
  }
  return i;
}"""


def drive_form(page, watch: Watch, url: str) -> tuple[int, bool]:
    """Fill the page's main form with probes and send it; returns (fields filled, saved)."""
    if not _open(page, watch, url):
        return 0, False
    check(page, watch, url)
    form = page.locator("main form[method=post]:has(textarea, input[type=text])").first
    if form.count() == 0:
        return 0, False
    filled = form.evaluate(FILL_FORM, [list(xss_probe.VECTORS), xss_probe.URL_VECTOR])
    before = page.url
    with page.expect_navigation(wait_until="load"):
        form.locator("button[type=submit], button:not([type])").last.click()
    check(page, watch, url)
    return filled, page.url != before


def _login_page(new_context, phone: str):
    page = new_context(DESKTOP).new_page()
    watch = _watch(page.context)
    log_in(page, phone, DEMO_PASSWORD)
    page.wait_for_url(lambda u: "/accounts/login/" not in u)
    return page, watch


# Forms driven per demo role (their "new" pages); every business application is added for
# the medical staff from the application page.
FORMS: dict[str, tuple[str, ...]] = {
    Role.STAFF: (
        "/patients/new/",
        "/supervision/feedback/new/",
        "/health-education/new/",
    ),
    Role.MANAGER: ("/classroom/cme/new/", "/live/new/", "/classroom/new/", "/standards/new/"),
    Role.PLATFORM_ADMIN: (
        "/reporting/design/new/",
        "/quality/registries/designer/new/",
        "/linkage/special-types/new/",
        "/accession/questions/new/",
        "/sentinel/programmes/new/",
    ),
    Role.HOSPITAL_ADMIN: ("/follow-up/templates/new/",),
}


def _login_of(role: str):
    return next(d for d in DEMO_LOGINS if d.role == role)


def test_no_probe_runs_on_any_page_of_any_role(new_context, live_url):
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    written = xss_probe.fill()
    assert sum(written.values()) > 0

    # Forms, typed into like a person would.
    driven: list[tuple[str, int, bool]] = []
    for role, urls in FORMS.items():
        page, watch = _login_page(new_context, _login_of(role).phone)
        forms = list(urls)
        if role == Role.STAFF:
            page.goto("/apply/")
            forms += sorted(
                set(page.eval_on_selector_all("[data-kind] a[href]", "els => els.map(e => e.href)"))
            )
        for url in forms:
            filled, saved = drive_form(page, watch, url)
            driven.append((url, filled, saved))
        page.context.close()
    anonymous = new_context(DESKTOP).new_page()
    anonymous_watch = _watch(anonymous.context)
    driven.append(("/join/", *drive_form(anonymous, anonymous_watch, "/join/")))

    # The walk, per role.
    rendered: set[str] = set()
    report: dict[str, int] = {}
    visits: Counter = Counter()
    errors: list[str] = []
    # The roles with the fewest pages walk first, before the shared patterns are used up.
    for demo in reversed(DEMO_LOGINS):
        page, watch = _login_page(new_context, demo.phone)
        report[demo.role] = crawl(page, watch, live_url, [f"{live_url}/"], visits)
        rendered |= watch.rendered
        errors += watch.errors
        page.context.close()
    share = [f"{live_url}/h/{slug}/" for slug in Item.objects.values_list("slug", flat=True)]
    report["anonymous"] = crawl(
        anonymous, anonymous_watch, live_url, [f"{live_url}/", *share], visits
    )
    rendered |= anonymous_watch.rendered
    errors += anonymous_watch.errors

    print("\nforms driven (url, fields filled, saved):", *driven, sep="\n  ")
    print("pages checked per role:", report, "URL patterns opened:", len(visits))
    print("URL patterns showing a probe as text:", len(rendered), sorted(rendered))
    assert errors == [], errors
    named = {url for urls in FORMS.values() for url in urls} | {"/join/"}
    assert [d for d in driven if d[0] in named and d[1] == 0] == [], "a form had nothing to fill"
    # Forms refused (a probe is no valid date or code) were checked as shown again with
    # their errors; enough were saved to check the probes on the new objects' pages too.
    assert sum(saved for _, _, saved in driven) >= 5, driven
    assert all(count >= 3 for count in report.values()), report
    # The probes reached the pages: shown as text in every module of the navigation.
    namespaces = {name.split(":")[0] for name in rendered}
    for module in MODULES:
        module_namespaces = {page.url_name.split(":")[0] for page in module.pages}
        assert module_namespaces & namespaces, f"no probe shown in module {module.key}"
    assert len(rendered) >= 30, sorted(rendered)
