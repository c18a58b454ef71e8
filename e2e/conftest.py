"""Browser tests: the real ASGI app served by uvicorn in a thread, driven by Debian's
Chromium through Playwright, against a file-backed test database.

With ``YILIAN_E2E_FRONT=nginx`` (and ``REDIS_URL``) the app runs as in production instead:
nginx with deploy/nginx's site configuration before two uvicorn worker processes
(e2e/front.py); ``live_url`` is nginx.

Each test gets a clean database (``transactional_db``) and fresh browser contexts:
``desktop`` (1366×768) and ``phone`` (390×844, touch)."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from e2e import outbox
from e2e.front import SERVER_SETTINGS, NginxFront, free_port

# Playwright's sync API keeps an event loop in the test thread; the ORM calls the tests
# make to arrange data are safe there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The server's e-mails and text messages (e2e/outbox.py), shared with worker processes.
os.environ.setdefault("YILIAN_E2E_OUTBOX", tempfile.mkdtemp(prefix="yilian-outbox-"))
FRONT = os.environ.get("YILIAN_E2E_FRONT", "thread")

CHROMIUM = os.environ.get("YILIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def pytest_configure(config: pytest.Config) -> None:
    if not os.environ.get("YILIAN_TEST_DB_NAME"):
        raise pytest.UsageError(
            "Browser tests need a file database shared with the server thread: "
            "run them with `make e2e` (it sets YILIAN_TEST_DB_NAME)."
        )
    if FRONT not in ("thread", "nginx"):
        raise pytest.UsageError("YILIAN_E2E_FRONT is 'thread' (the default) or 'nginx'.")
    if FRONT == "nginx":
        _check_nginx_front()


def _check_nginx_front() -> None:
    """The production front needs nginx and a Redis server that answers: say so before
    any test runs rather than failing in the first one."""
    import redis

    from e2e.front import NGINX

    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        raise pytest.UsageError(
            "YILIAN_E2E_FRONT=nginx needs REDIS_URL: the worker processes and the tests "
            "share the channel layer and the cache."
        )
    if not os.access(NGINX, os.X_OK):
        raise pytest.UsageError(
            f"YILIAN_E2E_FRONT=nginx needs nginx, not found at {NGINX}: install it "
            "(Debian: nginx-light) or name its binary in YILIAN_NGINX."
        )
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise pytest.UsageError(
            f"YILIAN_E2E_FRONT=nginx needs the Redis server that REDIS_URL names, which does "
            f"not answer ({exc})."
        ) from exc


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        item.add_marker(pytest.mark.e2e)
        # Real commits (the server thread reads them); serialized_rollback puts back the
        # migrated rows (administrative divisions) that the flush after each test removes.
        item.add_marker(pytest.mark.django_db(transaction=True, serialized_rollback=True))


class AsgiServer:
    """uvicorn serving ``yilian.asgi.application`` on loopback in a background thread."""

    def __init__(self) -> None:
        import uvicorn

        from yilian.asgi import application

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the ASGI server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def front() -> AsgiServer | NginxFront:
    """The server of this run, not started yet: ``asgi_server`` starts it."""
    if FRONT == "nginx":
        from django.conf import settings

        return NginxFront(settings.DATABASES["default"]["TEST"]["NAME"], settings.REDIS_URL)
    return AsgiServer()


@pytest.fixture(scope="session")
def asgi_server(front, django_db_setup) -> Iterator[AsgiServer | NginxFront]:
    try:
        front.start()
    except Exception:
        if isinstance(front, NginxFront):
            print(front.logs())
        front.stop()
        raise
    yield front
    front.stop()


@pytest.fixture(autouse=True)
def _server_settings(settings, front) -> Iterator[None]:
    """The server runs with SERVER_SETTINGS, and starts each test with no messages sent and
    no counts in its cache. Behind nginx the workers' stored files live in the front's data
    folder: the test's own writes go there too. (The server itself is started by
    ``live_url``, after the test's database fixtures: started from here it would come up
    before them, and the rows restored after each flush would be missing.)"""
    for name, value in SERVER_SETTINGS.items():
        setattr(settings, name, value)
    outbox.clear()
    if isinstance(front, NginxFront):
        settings.MEDIA_ROOT = front.media_root
        _clear_server_cache(settings.REDIS_URL)
    yield


def _clear_server_cache(redis_url: str) -> None:
    """Delete the keys of this run (the prefix is this process's, see
    yilian/core/pytest_env.py): rate-limit counts start from zero in every test, as they
    do for the thread server (conftest.py ``_own_cache_keys``)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    prefix = os.environ["YILIAN_CACHE_PREFIX"]
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    home = tempfile.mkdtemp(prefix="yilian-chromium-")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            env={**os.environ, "HOME": home},
        )
        yield browser
        browser.close()


@pytest.fixture
def live_url(asgi_server, transactional_db) -> str:
    return asgi_server.url


@pytest.fixture
def new_context(browser, live_url, request) -> Iterator[Callable[..., object]]:
    """Open a browser context (one signed-in person) with a viewport; closed after the test.
    On failure a screenshot of every page is kept under test-results/."""
    contexts = []

    violations: list[str] = []

    def watch(message) -> None:
        # Chromium reports every refused script, style, font or connection on the console.
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def make(viewport: dict | None = None, locale: str = "zh-CN"):
        context = browser.new_context(base_url=live_url, locale=locale, **(viewport or DESKTOP))
        context.set_default_timeout(15_000)
        context.on("console", watch)
        contexts.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    for index, context in enumerate(contexts):
        if failed is not None and failed.failed:
            out = Path("test-results") / request.node.name
            out.mkdir(parents=True, exist_ok=True)
            for page_index, page in enumerate(context.pages):
                page.screenshot(path=str(out / f"context{index}-page{page_index}.png"))
        context.close()
    assert violations == [], "the Content-Security-Policy refused something a page needs"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def desktop(new_context):
    return new_context(DESKTOP).new_page()


@pytest.fixture
def phone(new_context):
    return new_context(PHONE).new_page()


def log_in(page, phone_number: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("手机号").fill(phone_number)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()


def open_action(page, action: str):
    """The action's form on a request page, unfolded (the next step is open already)."""
    from playwright.sync_api import expect

    form = page.locator(f'form[data-action-form="{action}"]')
    if not form.is_visible():
        page.locator(f"#act-{action} > summary").click()
    expect(form).to_be_visible()
    return form


def take_action(page, action: str) -> None:
    """Send an action that needs no data from the request page."""
    open_action(page, action).locator('button[name="go"]').click()


def one_tap(page, request, action: str) -> None:
    """Take ``action`` on ``request`` with its one-tap button on the workbench (desktop)."""
    from playwright.sync_api import expect

    row = page.locator(f'[data-workbench-table] tr[data-request="{request.public_id}"]')
    row.locator(f'form[data-one-tap="{action}"] button').click()
    expect(page.locator(".alert-success")).to_be_visible()
