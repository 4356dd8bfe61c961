#!/usr/bin/env python
"""Pages under load: each page next to a bare Django view, on gunicorn as ``make run`` serves it.

For every page (anonymous pages, public API operations, and the pages of a signed-in
individual, unit user and staff member) this runs ``--concurrency`` keep-alive clients for
``--seconds`` against a bare view (``/bench/bare/``: a small JSON through the same server,
flags and middleware, anonymous), then for the same time against the page, ``--rounds``
times taking turns, and prints both rates, the
page's p50 and p99 and its rate as a share of the bare view's. The ratio is what to read: the
absolute numbers move with whatever else the machine is doing.

Usage: ``python benchmarks/load.py [--seconds 2] [--rounds 3] [--concurrency 64] [--only home,me]``.
By default it (re)creates nothing: it migrates and loads the demo hall into the PostgreSQL
database ``shebao_load`` (``BENCH_DATABASE_URL`` to change it), serves it with
``scripts/serve.sh`` (the gunicorn command of ``make run``) on ``--port`` with
``SHEBAO_BENCHMARK=1``, signs the demo accounts in through the sign-in page and stops the
server at the end. ``--url`` measures a server that is already running instead (it must have
been started with ``SHEBAO_BENCHMARK=1``). Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import re
import signal
import statistics
import subprocess
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
PASSWORD = "Shebao@2026"
BARE = "/bench/bare/"

# Demo accounts (README): who signs in for the signed-in pages. "big-unit" is the unit of
# ``--big-unit`` staff that big_unit.py adds (the demo unit administrator administers it too).
BIG_UNIT = "91220202BENCH5000"  # + its check character, from big_unit.py
SIGN_INS = {
    "individual": {"as": "individual", "identifier": "220202198603140215"},
    "unit": {"as": "unit", "credit_code": "91220202000010001B", "id_number": "22020219840521026X"},
    "big-unit": {"as": "unit", "credit_code": "", "id_number": "22020219840521026X"},
    "staff": {"as": "staff", "staff_number": "jl-dj-01"},
}
# Who calls the API with a bearer token (POST /api/v1/auth/token), and as whom.
TOKENS = {
    "individual-api": {"context": "individual", "username": "220202198603140215"},
    "big-unit-api": {"context": "unit", "username": "22020219840521026X", "credit_code": ""},
}


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    who: str = "anonymous"  # or a key of SIGN_INS

    @property
    def kind(self) -> str:
        if self.who in TOKENS:
            return "signed-in API"
        if self.who != "anonymous":
            return "signed-in page"
        return "public API" if self.path.startswith("/api/") else "anonymous page"


TARGETS = [
    Target("home", "/"),
    Target("login", "/accounts/login/"),
    Target("register", "/accounts/register/"),
    Target("catalogue", "/matters/"),
    Target("catalogue-search", "/matters/?q=%E5%A4%B1%E4%B8%9A"),
    Target("matter", "/matters/unit.staff_enrol/"),
    Target("calculators", "/calculators/"),
    Target("calculator-flexible", "/calculators/flexible/"),
    Target("policy", "/policy/"),
    Target("policy-region", "/policy/220200/?month=2020-07"),
    Target("api-openapi", "/api/v1/openapi.json"),
    Target("api-catalogue", "/api/v1/catalogue/matters"),
    Target("api-matter", "/api/v1/catalogue/matters/unit.staff_enrol"),
    Target("api-policy", "/api/v1/policy/"),
    Target("api-policy-region", "/api/v1/policy/220200?month=2020-07"),
    Target(
        "api-calc-flexible", "/api/v1/calculators/flexible?region=220200&month=2020-03&grade=60"
    ),
    Target("api-calc-payday", "/api/v1/calculators/payday?region=320400&month=2024-10"),
    Target("me", "/me/", "individual"),
    Target("my-applications", "/applications/", "individual"),
    Target("my-messages", "/notifications/", "individual"),
    Target("unit-centre", "/unit/", "unit"),
    Target("unit-applications", "/applications/", "unit"),
    Target("staff-centre", "/staff/", "staff"),
    Target("staff-queue", "/applications/queue/", "staff"),
    Target("my-insurance", "/insurance/me/", "individual"),
    Target("api-me-insurance", "/api/v1/me/insurance", "individual-api"),
    Target("unit-roster", "/insurance/unit/staff/", "big-unit"),
    Target("unit-roster-search", "/insurance/unit/staff/?q=%E8%81%8C%E5%B7%A51234", "big-unit"),
    Target(
        "unit-roster-filter",
        "/insurance/unit/staff/?insurance=unemployment&status=stopped",
        "big-unit",
    ),
    Target("api-unit-staff", "/api/v1/units/{big}/staff", "big-unit-api"),
    Target(
        "api-unit-staff-q", "/api/v1/units/{big}/staff?q=%E8%81%8C%E5%B7%A51234", "big-unit-api"
    ),
]


# --- the load generator ---------------------------------------------------------------------


@dataclass
class Result:
    ok: int = 0
    errors: dict[int | str, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, of the answered requests
    elapsed: float = 0.0

    def add(self, other: Result) -> None:
        self.ok += other.ok
        for key, count in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + count
        self.latencies.extend(other.latencies)
        self.elapsed += other.elapsed

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one HTTP/1.1 response; return its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:  # delimited by the end of the connection
        await reader.read()
        return status, False
    return status, headers.get("connection", "").lower() != "close"


async def _client(host: str, port: int, request: bytes, until: float, result: Result) -> None:
    reader = writer = None
    while time.perf_counter() < until:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            started = time.perf_counter()
            writer.write(request)
            status, keep = await _read_response(reader)  # type: ignore[arg-type]
            finished = time.perf_counter()
        except (OSError, asyncio.IncompleteReadError, ValueError) as error:
            result.errors[type(error).__name__] = result.errors.get(type(error).__name__, 0) + 1
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        if finished <= until:
            if status == 200:
                result.ok += 1
                result.latencies.append(finished - started)
            else:
                result.errors[status] = result.errors.get(status, 0) + 1
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def _load(host: str, port: int, request: bytes, seconds: float, clients: int) -> Result:
    result = Result()
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(_client(host, port, request, until, result) for _ in range(clients)))
    result.elapsed = min(time.perf_counter(), until) - started
    return result


def run_load(
    base: urllib.parse.SplitResult, path: str, credential: str, seconds: float, clients: int
) -> Result:
    """``credential`` is a header line that signs the request in (a Cookie or an
    Authorization header), or ""."""
    host, port = base.hostname or "127.0.0.1", base.port or 80
    lines = [f"GET {path} HTTP/1.1", f"Host: {base.netloc}", "Accept: text/html,*/*"]
    if credential:
        lines.append(credential)
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    return asyncio.run(_load(host, port, request, seconds, clients))


# --- the server and the sessions ------------------------------------------------------------


def _env(database_url: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": database_url,
        "SHEBAO_DEMO": "1",
        "SHEBAO_BENCHMARK": "1",
        "SHEBAO_VAR_DIR": os.environ.get("SHEBAO_VAR_DIR", "/tmp/shebao-load-var"),
    }


def prepare_database(database_url: str, big_unit: int) -> None:
    """Create the database if need be, migrate it and load the demo hall (as ``make run``),
    and add the unit of ``big_unit`` staff (big_unit.py)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    env = _env(database_url)
    subprocess.run(
        [PY, "manage.py", "migrate", "--noinput"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    subprocess.run(
        [PY, "manage.py", "demo_load"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    subprocess.run(
        [PY, "benchmarks/big_unit.py", "--size", str(big_unit)],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_server(database_url: str, port: int) -> subprocess.Popen:
    env = _env(database_url) | {"HOST": "127.0.0.1", "PORT": str(port)}
    server = subprocess.Popen(
        ["scripts/serve.sh"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BARE)
            if conn.getresponse().status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    stop_server(server)
    raise SystemExit(f"the server did not answer {BARE} on port {port} within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def _cookies(response: http.client.HTTPResponse, jar: dict[str, str]) -> None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, value = header.split(";", 1)[0].split("=", 1)
        jar[name.strip()] = value.strip()


def sign_in(base: urllib.parse.SplitResult, fields: dict[str, str]) -> str:
    """Sign in through the sign-in page like a browser; return the Cookie header."""
    jar: dict[str, str] = {}
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
    conn.request("GET", f"/accounts/login/?as={fields['as']}")
    response = conn.getresponse()
    page = response.read().decode()
    _cookies(response, jar)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        fields | {"password": PASSWORD, "csrfmiddlewaretoken": token.group(1)}
    )
    conn.request(
        "POST",
        "/accounts/login/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
            "Referer": f"{base.scheme}://{base.netloc}/accounts/login/",
        },
    )
    response = conn.getresponse()
    response.read()
    _cookies(response, jar)
    if response.status != 302 or "sessionid" not in jar:
        raise SystemExit(f"sign-in as {fields} failed: {response.status}")
    return "Cookie: " + "; ".join(f"{k}={v}" for k, v in jar.items())


def token_for(base: urllib.parse.SplitResult, fields: dict[str, str]) -> str:
    """A bearer token from the API's password sign-in; return the Authorization header."""
    import json

    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=30)
    conn.request(
        "POST",
        "/api/v1/auth/token",
        body=json.dumps(fields | {"password": PASSWORD}),
        headers={"Content-Type": "application/json"},
    )
    response = conn.getresponse()
    body = json.loads(response.read() or b"{}")
    if response.status != 200:
        raise SystemExit(f"token for {fields} failed: {response.status} {body}")
    return f"Authorization: Bearer {body['token']}"


def _big_unit_code() -> str:
    import sys

    sys.path.insert(0, str(ROOT))
    from shebao.common.identifiers import credit_code_check_char

    return BIG_UNIT + credit_code_check_char(BIG_UNIT)


# --- the run ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--seconds", type=float, default=2.0, help="one run of a page or the bare view"
    )
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, taking turns")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--port", type=int, default=8161)
    parser.add_argument("--url", help="an already running server (started with SHEBAO_BENCHMARK=1)")
    parser.add_argument("--only", help="comma-separated target names (default: all)")
    parser.add_argument("--list", action="store_true", help="list the targets and stop")
    parser.add_argument(
        "--big-unit", type=int, default=5000, help="staff of the unit whose roster is measured"
    )
    args = parser.parse_args()
    big = _big_unit_code()
    SIGN_INS["big-unit"]["credit_code"] = big
    TOKENS["big-unit-api"]["credit_code"] = big

    targets = TARGETS
    if args.only:
        wanted = set(args.only.split(","))
        targets = [t for t in TARGETS if t.name in wanted]
        if unknown := wanted - {t.name for t in targets}:
            raise SystemExit(f"unknown targets: {', '.join(sorted(unknown))}")
    if args.list:
        for target in targets:
            print(f"{target.name:22} {target.who:11} {target.path}")
        return

    server = None
    if args.url:
        base = urllib.parse.urlsplit(args.url)
    else:
        database_url = os.environ.get(
            "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shebao_load"
        )
        print(f"database {database_url}: migrate and load the demo hall …", flush=True)
        prepare_database(database_url, args.big_unit)
        server = start_server(database_url, args.port)
        base = urllib.parse.urlsplit(f"http://127.0.0.1:{args.port}")
    try:
        cookies = {"anonymous": ""}
        for who in sorted({t.who for t in targets} - {"anonymous"}):
            if who in TOKENS:
                cookies[who] = token_for(base, TOKENS[who])
            else:
                cookies[who] = sign_in(base, SIGN_INS[who])
        run_load(base, BARE, "", 1.0, args.concurrency)  # warm the workers up
        print(
            f"{args.concurrency} clients, {args.rounds} × {args.seconds:g} s per page and as many "
            "of the bare view (anonymous), taking turns; "
            f"gunicorn of scripts/serve.sh at {base.netloc}; load average "
            f"{os.getloadavg()[0]:.1f} before the run\n"
        )
        header = (
            "| page | kind | req/s | p50 ms | p99 ms | bare req/s | bare p99 ms | share of bare |"
        )
        print(header)
        print("|" + "---|" * 2 + "---:|" * 6)
        shares = []
        for target in targets:
            # Bare view and page take turns, so that both see the same machine.
            bare, page = Result(), Result()
            for _ in range(args.rounds):
                bare.add(run_load(base, BARE, "", args.seconds, args.concurrency))
                path = target.path.format(big=big)
                page.add(run_load(base, path, cookies[target.who], args.seconds, args.concurrency))
            share = page.rate / bare.rate if bare.rate else 0.0
            shares.append((target, share, page))
            errors = f" (errors: {page.errors})" if page.errors else ""
            print(
                f"| `{target.path.format(big=big)}` ({target.name}) | {target.kind} | {page.rate:.0f} | "
                f"{page.percentile(0.5):.0f} | {page.percentile(0.99):.0f} | {bare.rate:.0f} | "
                f"{bare.percentile(0.99):.0f} | {share:.1%}{errors} |",
                flush=True,
            )
        print()
        for kind, floor in (
            ("anonymous page", 0.25),
            ("public API", 0.25),
            ("signed-in page", 0.10),
            ("signed-in API", 0.10),
        ):
            group = [s for t, s, _ in shares if t.kind == kind]
            if group:
                below = [t.name for t, s, _ in shares if t.kind == kind and s < floor]
                print(
                    f"{kind}: lowest share {min(group):.1%} (target {floor:.0%})"
                    + (f"; below target: {', '.join(below)}" if below else "")
                )
        print(
            f"median share {statistics.median(s for _, s, _ in shares):.1%}; "
            f"load average {os.getloadavg()[0]:.1f} after the run"
        )
    finally:
        if server is not None:
            stop_server(server)


if __name__ == "__main__":
    main()
