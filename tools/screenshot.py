#!/usr/bin/env python
"""Screenshot pages of a running hall in headless Chromium, optionally signed in.

    python tools/screenshot.py http://127.0.0.1:8000/ out.png [--as USERNAME --context CTX]
        [--width 1280] [--height 900] [--full]

``--as`` creates a session for that user and context directly in the hall's database (use the
same DATABASE_URL / SHEBAO_VAR_DIR as the server), so any page can be looked at without typing
a password. Uses Debian's chromium at /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlparse

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def session_cookie(username: str, context: str) -> tuple[str, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from shebao.accounts.actors import CONTEXT_SESSION_KEY
    from shebao.accounts.models import User

    user = User.objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[CONTEXT_SESSION_KEY] = context
    session.save()
    return settings.SESSION_COOKIE_NAME, session.session_key or ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("output")
    parser.add_argument("--as", dest="username")
    parser.add_argument("--context", default="individual")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--full", action="store_true", help="capture the whole page")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    # The session is made before the browser starts: Django's ORM refuses to run inside
    # Playwright's event loop.
    cookie = session_cookie(args.username, args.context) if args.username else None
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": args.width, "height": args.height}, locale="zh-CN"
        )
        if cookie:
            name, value = cookie
            host = urlparse(args.url).hostname
            context.add_cookies([{"name": name, "value": value, "domain": host, "path": "/"}])
        page = context.new_page()
        page.goto(args.url, wait_until="networkidle")
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=args.output, full_page=args.full)
        browser.close()
    print(args.output)


if __name__ == "__main__":
    main()
