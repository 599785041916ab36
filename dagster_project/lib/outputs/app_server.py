"""Serve a notebook app (marimo) so only its own page can talk to it.

`marimo run` on 127.0.0.1 accepts a WebSocket from any web page the planner has open
(`Origin: http://evil.example`) and any `Host` (DNS rebinding), and streams the whole app output
to it; its `--allow-origins` is CORS for HTTP responses only and never applies to the WebSocket.
So the apps are served through marimo's public ASGI API (`marimo.create_asgi_app`) behind
`OriginGuard`, which refuses, before marimo sees them:

- a request whose `Host` is not one of the names the server answers to (loopback names, plus the
  names given with `--nama-host` / `APBD_APP_HOSTS` when it listens for other machines);
- a request (WebSocket or HTTP) with an `Origin` that is not the page's own origin
  (`http(s)://<Host>`). Browsers always send `Origin` on a WebSocket; a client without one (curl)
  is not a browser page and must still pass the `Host` check.

Listening on anything other than loopback requires a token (marimo's session authentication:
the first visit opens `http://<host>:<port>/?access_token=<token>`, then a cookie), read from a
file so it never shows in `ps`; or put a reverse proxy with login in front and keep the app on
127.0.0.1 (the proxy must pass the original `Host`: nginx `proxy_set_header Host $host`).
"""

from __future__ import annotations

import builtins
import functools
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

HOSTS_ENV = "APBD_APP_HOSTS"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})
ANY_ADDRESS = frozenset({"0.0.0.0", "::", ""})


class AppServerError(ValueError):
    """A setting the app cannot be served with (message in Indonesian)."""


def _hostname(authority: str) -> str:
    """`Host` header or URL authority -> lower-case host name without port (`[::1]:80` -> ::1)."""
    host = urlsplit(f"//{authority.strip()}").hostname
    return (host or "").lower()


def refusal(scope: dict, allowed_hosts: frozenset[str]) -> str | None:
    """Why this request is refused, or None when it may pass."""
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
    host = headers.get("host", "")
    if _hostname(host) not in allowed_hosts:
        return f"Host '{host}' tidak dilayani server ini."
    origin = headers.get("origin")
    if origin is None:
        return None
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != host.lower():
        return f"Origin '{origin}' bukan halaman aplikasi ini; koneksi ditolak."
    return None


class OriginGuard:
    """ASGI middleware: refuses foreign `Host` and cross-origin requests before the app."""

    def __init__(self, app, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket") and (why := refusal(scope, self.allowed_hosts)):
            if scope["type"] == "websocket":
                # Closing before accepting: the server answers the handshake with HTTP 403.
                await send({"type": "websocket.close", "code": 1008, "reason": why})
                return
            body = why.encode("utf-8")
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def allowed_hosts(host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Loopback names, the address listened on (unless it is 0.0.0.0) and the given names."""
    names = set(LOOPBACK) | {h.strip().lower() for h in extra if h.strip()}
    names |= {h.strip().lower() for h in os.environ.get(HOSTS_ENV, "").split(",") if h.strip()}
    if host.strip("[]").lower() not in ANY_ADDRESS:
        names.add(host.strip("[]").lower())
    return frozenset(names)


def read_token(token_file: Path | None) -> str | None:
    if token_file is None:
        return None
    if not token_file.is_file():
        raise AppServerError(f"Berkas token {token_file} tidak ada.")
    token = token_file.read_text(encoding="utf-8").strip()
    if len(token) < 16:
        raise AppServerError(
            f"Token di {token_file} terlalu pendek (kurang dari 16 karakter); pakai token acak "
            "yang panjang, mis. `python -c 'import secrets; print(secrets.token_urlsafe(24))'`."
        )
    return token


# One Python compile at a time in the app server. CPython 3.11 keeps the AST constructor's
# recursion depth in per-interpreter state, so two threads turning source into `ast` objects at
# once (marimo parses the notebook file on every page request in the server's thread while a
# kernel thread compiles the cells of an open session) can fail with `SystemError: AST
# constructor recursion depth mismatch` (CPython gh-106905; seen here as a 500 on `GET /` in
# test_app_server, Dec 2026). Serialising `compile` (which `ast.parse` calls) costs nothing that
# shows: a notebook's compiles take milliseconds.
COMPILE_LOCK = threading.RLock()


def serialise_compile() -> None:
    """Make `builtins.compile` take `COMPILE_LOCK` (idempotent); for the app server process."""
    if getattr(builtins.compile, "_apbd_serialised", False):
        return
    original = builtins.compile

    @functools.wraps(original)
    def compile_serialised(*args, **kwargs):
        with COMPILE_LOCK:
            return original(*args, **kwargs)

    compile_serialised._apbd_serialised = True  # type: ignore[attr-defined]
    builtins.compile = compile_serialised


def build_app(notebook: Path, *, hosts: Iterable[str], token: str | None = None):
    """The notebook as an ASGI app (read-only run mode, code not sent) behind `OriginGuard`."""
    import marimo

    inner = marimo.create_asgi_app(quiet=True, token=token).with_app(path="", root=str(notebook))
    return OriginGuard(inner.build(), hosts)


def serve(
    notebook: Path,
    *,
    host: str = "127.0.0.1",
    port: int = 2718,
    token_file: Path | None = None,
    extra_hosts: Iterable[str] = (),
) -> None:
    """Serve until interrupted. Refuses a non-loopback address without a token."""
    import uvicorn

    if not notebook.is_file():
        raise AppServerError(f"Notebook {notebook} tidak ada.")
    token = read_token(token_file)
    if host.strip("[]").lower() not in LOOPBACK and token is None:
        raise AppServerError(
            f"Melayani aplikasi di {host} (terbuka untuk komputer lain) wajib memakai token: "
            "--berkas-token <berkas>, atau tetap di 127.0.0.1 di belakang reverse proxy dengan "
            "login."
        )
    serialise_compile()
    app = build_app(notebook, hosts=allowed_hosts(host, extra_hosts), token=token)
    uvicorn.run(app, host=host, port=port, log_level="warning")
