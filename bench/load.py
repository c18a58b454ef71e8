"""The load generator: a separate process from the server (asyncio + aiohttp).

``python -m bench.load CONFIG.json OUT.json`` — CONFIG is written by bench/run.py (the
server's address, the fixtures, the accounts, the scenarios to run and for how long); OUT
gets one summary per scenario (bench/stats.py). Virtual users sign in once, through the
real sign-in form (and the second-factor form where the account has one), and keep their
cookies. Open-loop scenarios send at a fixed arrival rate and time each answer from the
moment it was due, so a slow server cannot slow the load down (no coordinated omission)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import random
import re
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench import scenarios as sc
from bench.stats import summarize

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = aiohttp.ClientTimeout(total=30)
SIGNED_OUT = ("/accounts/login/", "/security/two-factor/")


def log(message: str) -> None:
    print(f"[load] {message}", file=sys.stderr, flush=True)


def totp(key_hex: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """RFC 6238 (SHA-1, 30-second steps), as django-otp's TOTP device checks it."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(bytes.fromhex(key_hex), counter.to_bytes(8, "big"), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    code = (int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


class Client:
    """One browser's cookies (kept by hand: the production cookies are ``Secure`` and this
    client talks plain HTTP to the server behind a stand-in TLS proxy header)."""

    def __init__(self, http: Http) -> None:
        self.http = http
        self.cookies: dict[str, str] = {}

    def absorb(self, response: aiohttp.ClientResponse) -> None:
        for name, morsel in response.cookies.items():
            if morsel.value and morsel["max-age"] != "0":
                self.cookies[name] = morsel.value
            else:
                self.cookies.pop(name, None)

    def headers(self, *, phone: bool = False, post: bool = False) -> dict[str, str]:
        headers = {"User-Agent": sc.PHONE_UA if phone else sc.DESKTOP_UA}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if post:
            headers["Origin"] = self.http.origin
            headers["Referer"] = self.http.origin + "/"
            if "csrftoken" in self.cookies:
                headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return headers

    async def get(self, path: str) -> tuple[int, str, str]:
        async with self.http.session.get(
            self.http.base + path, headers=self.headers(), allow_redirects=False
        ) as response:
            self.absorb(response)
            return response.status, await response.text(), response.headers.get("Location", "")

    async def post(self, path: str, data: dict[str, str]) -> tuple[int, str]:
        async with self.http.session.post(
            self.http.base + path, data=data, headers=self.headers(post=True), allow_redirects=False
        ) as response:
            self.absorb(response)
            await response.read()
            return response.status, response.headers.get("Location", "")

    async def form_token(self, path: str) -> str:
        status, body, _ = await self.get(path)
        found = CSRF_INPUT.search(body)
        if status != 200 or not found:
            raise RuntimeError(f"GET {path}: {status}, no form")
        return found.group(1)

    async def sign_in(self, phone: str, password: str, second: Callable[[], str] | None) -> None:
        login = "/accounts/login/"
        token = await self.form_token(login)
        data = {"csrfmiddlewaretoken": token, "username": phone, "password": password}
        status, location = await self.post(login, data)
        if status != 302 or "login" in location:
            raise RuntimeError(f"sign-in of {phone} refused ({status})")
        # The sign-in form sends everyone on to the page asked for; the second factor is
        # asked for by the first page after it — give it straight away.
        if second is not None:
            verify = "/security/two-factor/verify/"
            token = await self.form_token(verify)
            status, location = await self.post(
                verify, {"csrfmiddlewaretoken": token, "code": second(), "next": "/"}
            )
            if status != 302 or "two-factor" in location:
                raise RuntimeError(f"second factor of {phone} refused ({status})")


class Http:
    def __init__(self, base: str, session: aiohttp.ClientSession) -> None:
        self.base = base
        self.session = session
        self.origin = "https://" + urlsplit(base).netloc


class Users:
    """The signed-in virtual users of each role, taken in turn."""

    def __init__(self) -> None:
        self.by_role: dict[str, list[Client]] = {}
        self.turn: dict[str, int] = {}

    def next(self, role: str) -> Client:
        pool = self.by_role[role]
        i = self.turn.get(role, 0)
        self.turn[role] = i + 1
        return pool[i % len(pool)]


def _authenticator(key: str) -> Callable[[], str]:
    return lambda: totp(key)


def _code(code: str) -> Callable[[], str]:
    return lambda: code


async def sign_in_everyone(http: Http, accounts: dict[str, Any], per_role: int) -> Users:
    users = Users()
    for role, account in accounts.items():
        recovery = list(account.get("recovery_codes") or [])
        clients = []
        for n in range(per_role):
            second: Callable[[], str] | None = None
            if account.get("totp_key"):
                # The first with the authenticator's code (once per 30-second step); the
                # others with one single-use recovery code each.
                second = _authenticator(account["totp_key"]) if n == 0 else _code(recovery.pop())
            client = Client(http)
            await client.sign_in(account["phone"], account["password"], second)
            clients.append(client)
        users.by_role[role] = clients
        log(f"{per_role} {role} users signed in")
    return users


# --- drivers ------------------------------------------------------------------------------

Fire = Callable[[int], Awaitable[bool]]


async def open_loop(rate: float, duration: float, count: int | None, fire: Fire) -> dict:
    """Start request ``i`` at ``start + i / rate`` whatever the server does; each latency
    counts from that moment."""
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    total = int(rate * duration) if count is None else min(count, int(rate * duration))

    async def one(i: int, due: float) -> None:
        nonlocal errors
        try:
            ok = await fire(i)
        except (aiohttp.ClientError, TimeoutError, RuntimeError):
            ok = False
        if ok:
            latencies.append(loop.time() - due)
        else:
            errors += 1

    start = loop.time() + 0.05
    tasks = []
    for i in range(total):
        due = start + i / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    return summarize(latencies, errors=errors, elapsed_s=loop.time() - start)


async def closed_loop(concurrency: int, duration: float, fire: Callable[[int], Awaitable[str]]):
    """``concurrency`` workers, each sending its next request as soon as the last is
    answered; ``fire`` returns the sub-scenario's name, or raises/returns "" on error."""
    loop = asyncio.get_running_loop()
    latencies: dict[str, list[float]] = {}
    errors = 0
    counter = 0
    end = loop.time() + duration

    async def worker() -> None:
        nonlocal errors, counter
        while loop.time() < end:
            i = counter
            counter += 1
            sent = loop.time()
            try:
                name = await fire(i)
            except (aiohttp.ClientError, TimeoutError, RuntimeError):
                name = ""
            if name:
                latencies.setdefault(name, []).append(loop.time() - sent)
            else:
                errors += 1

    start = loop.time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = loop.time() - start
    every = [x for values in latencies.values() for x in values]
    result = summarize(every, errors=errors, elapsed_s=elapsed)
    result["parts"] = {
        name: summarize(values, elapsed_s=elapsed) for name, values in sorted(latencies.items())
    }
    result["concurrency"] = concurrency
    return result


# --- scenarios ----------------------------------------------------------------------------


class Runner:
    def __init__(self, config: dict[str, Any], http: Http, users: Users) -> None:
        self.config = config
        self.http = http
        self.users = users
        self.fixtures = config["fixtures"]
        self.token = config["fixtures"]["api_token"]
        self.statuses: dict[str, int] = {}  # of the scenario running

    async def send(self, call: sc.Call) -> bool:
        if call.token:
            headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
            client = None
        else:
            client = self.users.next(call.role) if call.role else Client(self.http)
            headers = client.headers(phone=call.phone, post=call.method == "POST")
        try:
            async with self.http.session.request(
                call.method,
                self.http.base + call.path,
                data=call.data,
                headers=headers,
                allow_redirects=False,
            ) as response:
                await response.read()
                outcome = str(response.status)
                target = urlsplit(response.headers.get("Location", "")).path
                # A redirect to the sign-in or the second factor is never the answer sought.
                ok = response.status in call.expect and not target.startswith(SIGNED_OUT)
                if not ok and target:
                    outcome += " → " + target
                self._count(outcome)
                return ok
        except TimeoutError:
            self._count("timeout")
            raise
        except aiohttp.ClientError:
            self._count("connection error")
            raise

    def _count(self, outcome: str) -> None:
        self.statuses[outcome] = self.statuses.get(outcome, 0) + 1

    async def settle(self, limit_s: float = 120.0) -> float:
        """Wait until the server has worked off what the last scenario left queued (a
        page through Django, ``/healthz``, answers within 100 ms twice in a row), so that
        no scenario is measured behind the previous one's backlog; the seconds it took."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        quick = 0
        while quick < 2 and loop.time() - start < limit_s:
            sent = loop.time()
            try:
                async with self.http.session.get(self.http.base + "/healthz") as response:
                    await response.read()
                    ok = response.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            quick = quick + 1 if ok and loop.time() - sent < 0.1 else 0
            await asyncio.sleep(0.2)
        return loop.time() - start

    async def read(self, scenario: sc.Scenario) -> dict:
        return await open_loop(
            scenario.rate,
            self.config["duration"],
            None,
            lambda i: self.send(sc.call(scenario.name, i, self.fixtures)),
        )

    async def dispatch(self, scenario: sc.Scenario) -> dict:
        targets = self.config["dispatch_targets"]
        team = self.config["dispatch_team"]
        result = await open_loop(
            scenario.rate,
            self.config["duration"],
            len(targets),
            lambda i: self.send(sc.dispatch_call(targets[i], team)),
        )
        result["available"] = len(targets)
        return result

    async def login(self, scenario: sc.Scenario) -> dict:
        account = self.config["accounts"]["staff"]
        loop = asyncio.get_running_loop()
        latencies: list[float] = []
        errors = 0

        async def one(i: int) -> bool:
            nonlocal errors
            client = Client(self.http)
            try:
                token = await client.form_token("/accounts/login/")
                sent = loop.time()
                status, location = await client.post(
                    "/accounts/login/",
                    {
                        "csrfmiddlewaretoken": token,
                        "username": account["phone"],
                        "password": account["password"],
                    },
                )
            except (aiohttp.ClientError, TimeoutError, RuntimeError):
                errors += 1
                return True
            if status == 302 and "login" not in location:
                latencies.append(loop.time() - sent)
            else:
                errors += 1
            return True

        start = loop.time()
        await open_loop(scenario.rate, self.config["duration"], None, one)
        result = summarize(latencies, errors=errors, elapsed_s=loop.time() - start)
        result["timed"] = "the POST of the form (its GET, for the CSRF token, is not timed)"
        return result

    async def mixed(self, scenario: sc.Scenario) -> dict:
        names = list(scenario.weights)
        weights = [scenario.weights[n] for n in names]
        rng = random.Random(7)

        async def fire(i: int) -> str:
            name = rng.choices(names, weights)[0]
            return name if await self.send(sc.call(name, i, self.fixtures)) else ""

        return await closed_loop(scenario.concurrency, self.config["duration"], fire)

    async def chat(self, scenario: sc.Scenario) -> dict:
        return await chat_fanout(self.http, self.config["chat"], scenario, self.config["duration"])


# --- chat fan-out -------------------------------------------------------------------------


async def chat_fanout(
    http: Http, chat: dict[str, Any], scenario: sc.Scenario, duration: float
) -> dict[str, Any]:
    """``scenario.concurrency`` sockets join one room; the first sends ``rate × duration``
    messages at a fixed rate; every other socket's delivery latency is timed (send to
    receipt, both in this process) and what never arrives is counted lost."""
    loop = asyncio.get_running_loop()
    cookies = chat["session_keys"][: scenario.concurrency]
    url = http.base.replace("http", "ws", 1) + f"/ws/rooms/{chat['session_id']}/"
    sent_at: dict[str, float] = {}
    received: list[dict[str, float]] = [{} for _ in cookies]
    acked: set[str] = set()
    last_traffic = [loop.time()]
    sockets: list[aiohttp.ClientWebSocketResponse | None] = [None] * len(cookies)
    readers: dict[int, asyncio.Task] = {}
    refused = 0
    gate = asyncio.Semaphore(25)

    async def reader(n: int, ws: aiohttp.ClientWebSocketResponse) -> None:
        mine = received[n]
        async for msg in ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            now = loop.time()
            last_traffic[0] = now
            head = msg.data[:24]
            if '"message"' in head:
                item = json.loads(msg.data)["message"]
                mine.setdefault(item["id"], now)
            elif '"ack"' in head:
                acked.add(json.loads(msg.data)["id"])

    async def join(n: int, key: str) -> None:
        nonlocal refused
        headers = {
            "Cookie": f"sessionid={key}",
            "Origin": http.origin,
            "X-Forwarded-Proto": "https",
            "User-Agent": sc.DESKTOP_UA,
        }
        async with gate:
            try:
                ws = await http.session.ws_connect(url, headers=headers, heartbeat=None)
                first = await ws.receive(timeout=60)
            except (aiohttp.ClientError, TimeoutError):
                refused += 1
                return
            if first.type != aiohttp.WSMsgType.TEXT or '"welcome"' not in first.data[:24]:
                refused += 1
                await ws.close()
                return
            sockets[n] = ws
            # Read from the start: the server's pings are answered while reading.
            readers[n] = asyncio.create_task(reader(n, ws))

    started = loop.time()
    await asyncio.gather(*(join(n, key) for n, key in enumerate(cookies)))
    joined_s = loop.time() - started
    log(f"chat: {len(readers)} sockets joined in {joined_s:.1f} s ({refused} refused)")
    # Let the presence updates of the joins drain before timing anything.
    settle_until = loop.time() + 120
    while loop.time() - last_traffic[0] < 1.0 and loop.time() < settle_until:
        await asyncio.sleep(0.2)
    settled_s = loop.time() - started - joined_s

    # The sockets the server has closed meanwhile count as dropped, not as receivers.
    open_now = [n for n, task in readers.items() if not task.done()]
    dropped = len(readers) - len(open_now)
    sender = sockets[open_now[0]] if open_now else None
    count = int(scenario.rate * duration)
    if sender is not None:
        start = loop.time()
        for i in range(count):
            due = start + i / scenario.rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            client_id = str(uuid.uuid4())
            sent_at[client_id] = loop.time()
            try:
                await sender.send_json({"type": "chat", "id": client_id, "body": f"bench {i}"})
            except (aiohttp.ClientError, ConnectionError):
                sent_at.pop(client_id)
                break
        # Wait for the stragglers (10 s at most after the last message was sent).
        receivers = [received[n] for n in open_now[1:]]
        deadline = loop.time() + 10
        while loop.time() < deadline and any(len(r) < len(sent_at) for r in receivers):
            await asyncio.sleep(0.2)
    else:
        receivers = []
    for ws in sockets:
        if ws is not None:
            await ws.close()
    for task in readers.values():
        task.cancel()
    await asyncio.gather(*readers.values(), return_exceptions=True)

    latencies = [
        got[mid] - sent for got in receivers for mid, sent in sent_at.items() if mid in got
    ]
    expected = len(sent_at) * len(receivers)
    errors = refused + dropped + (len(sent_at) - len(acked))
    result = summarize(latencies, errors=errors)
    result.update(
        {
            "rps": round(len(latencies) / duration, 1) if duration else None,
            "lost": expected - len(latencies),
            "messages": len(sent_at),
            "acked": len(acked),
            "receivers": len(receivers),
            "sockets": len(readers),
            "refused": refused,
            "dropped_before_send": dropped,
            "join_s": round(joined_s, 1),
            "settle_s": round(settled_s, 1),
            "timed": "per receiver, from the send of the message to its receipt",
        }
    )
    return result


def save(results: dict[str, Any], path: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(results, f, ensure_ascii=False, indent=1)


async def main(config: dict[str, Any], out: str) -> dict[str, Any]:
    connector = aiohttp.TCPConnector(limit=512, force_close=False)
    headers = {"X-Forwarded-Proto": "https"}  # what the TLS proxy in front would add
    async with aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers=headers,
        timeout=TIMEOUT,
    ) as session:
        http = Http(config["base_url"], session)
        users = await sign_in_everyone(http, config["accounts"], config["users_per_role"])
        runner = Runner(config, http, users)
        # Warm up: every worker imports and compiles on its first requests of each page.
        reads = [n for n in sc.BY_NAME["mixed"].weights if n in config["scenarios"]]
        for i in range(4):
            for name in ["bare_asgi", *reads]:
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    await runner.send(sc.call(name, i, runner.fixtures))
        log("warmed up")
        results: dict[str, Any] = {}
        for name in config["scenarios"]:
            scenario = sc.BY_NAME[name]
            log(f"{name}: {scenario.description} …")
            runner.statuses = {}
            if scenario.mode == "open" and name == "dispatch_transition":
                result = await runner.dispatch(scenario)
            elif scenario.mode == "open":
                result = await runner.read(scenario)
            elif scenario.mode == "login":
                result = await runner.login(scenario)
            elif scenario.mode == "max":
                result = await runner.mixed(scenario)
            else:
                result = await runner.chat(scenario)
            if scenario.mode in ("open", "login", "chat"):
                result.setdefault("rate", scenario.rate)
            result["description"] = scenario.description
            if runner.statuses:
                result["statuses"] = runner.statuses
            results[name] = result
            log(
                f"{name}: p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
                f"{result['rps']} req/s, {result['errors']} errors"
            )
            save(results, out)  # what is done survives a failure further on
            waited = await runner.settle()
            if waited > 1:
                log(f"{name}: the server needed {waited:.1f} s to work off its backlog")
        return results


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        cfg = json.load(f)
    save(asyncio.run(main(cfg, sys.argv[2])), sys.argv[2])
