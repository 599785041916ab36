"""The web apps answer only their own page (issue 16 point 7): a real `apbd aplikasi` server on a free
loopback port refuses a WebSocket from a foreign Origin or with a foreign Host and accepts the
app's own; listening for other machines without a token is refused."""

from __future__ import annotations

import ast
import asyncio
import builtins
import threading
import time
import urllib.error
import urllib.request

import pytest
import websockets

from dagster_project.lib.core.paths import PROJECT_ROOT
from dagster_project.lib.outputs.app_server import (
    COMPILE_LOCK,
    AppServerError,
    allowed_hosts,
    read_token,
    refusal,
    serialise_compile,
    serve,
)
from tests.server_kit import free_port, planner_app


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """`apbd aplikasi perencana` on a free 127.0.0.1 port (an empty data folder is enough: the app
    answers with its 'no published mart yet' page); stopped by its own PID afterwards."""
    tmp = tmp_path_factory.mktemp("app")
    with planner_app(tmp / "data", tmp) as port:
        yield f"127.0.0.1:{port}"


def _websocket(url: str, *, origin: str, host: str | None = None) -> str:
    """'accepted: <first message>' or 'refused: <HTTP status>' for one WebSocket handshake."""

    async def go() -> str:
        headers = {"Host": host} if host else None
        try:
            async with websockets.connect(
                f"ws://{url}/ws?session_id=s-uji-{time.monotonic_ns()}",
                origin=origin,
                additional_headers=headers,
                open_timeout=30,
            ) as ws:
                return "accepted: " + str(await asyncio.wait_for(ws.recv(), 30))
        except websockets.InvalidStatus as exc:
            return f"refused: {exc.response.status_code}"

    return asyncio.run(go())


def test_a_cross_origin_websocket_is_refused_and_the_apps_own_is_accepted(app_url):
    assert _websocket(app_url, origin="http://evil.example") == "refused: 403"
    own = _websocket(app_url, origin=f"http://{app_url}")
    assert own.startswith("accepted: ") and "kernel-ready" in own


def test_a_foreign_host_is_refused_even_with_a_matching_origin(app_url):
    """DNS rebinding: the attacker's page and Host are both evil.example."""
    port = app_url.rsplit(":", 1)[1]
    got = _websocket(app_url, origin=f"http://evil.example:{port}", host=f"evil.example:{port}")
    assert got == "refused: 403"
    request = urllib.request.Request(f"http://{app_url}/", headers={"Host": "evil.example"})
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=30)
    assert exc.value.code == 403
    assert "tidak dilayani" in exc.value.read().decode()


def test_a_cross_origin_http_request_is_refused(app_url):
    request = urllib.request.Request(
        f"http://{app_url}/", headers={"Origin": "http://evil.example"}
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(request, timeout=30)
    assert exc.value.code == 403
    with urllib.request.urlopen(f"http://{app_url}/", timeout=30) as ok:
        assert ok.status == 200


def test_the_server_parses_python_one_thread_at_a_time(monkeypatch):
    """While one thread compiles (here: holds the lock), another thread's `ast.parse` waits."""
    monkeypatch.setattr(builtins, "compile", builtins.compile)  # restored after the test
    serialise_compile()
    serialise_compile()  # idempotent: one lock, not a wrapper around a wrapper
    assert not hasattr(builtins.compile.__wrapped__, "__wrapped__")
    parsed = threading.Event()
    worker = threading.Thread(target=lambda: (ast.parse("x = 1"), parsed.set()))
    with COMPILE_LOCK:
        worker.start()
        assert not parsed.wait(0.3)
    assert parsed.wait(10)
    worker.join()


def _scope(host: str, origin: str | None = None) -> dict:
    headers = [(b"host", host.encode())]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return {"type": "websocket", "headers": headers}


def test_the_rule_host_allow_list_and_same_origin(monkeypatch):
    monkeypatch.delenv("APBD_APP_HOSTS", raising=False)
    local = allowed_hosts("127.0.0.1")
    assert refusal(_scope("127.0.0.1:2718", "http://127.0.0.1:2718"), local) is None
    assert refusal(_scope("localhost:2718", "http://localhost:2718"), local) is None
    assert refusal(_scope("[::1]:2718", "http://[::1]:2718"), local) is None
    assert refusal(_scope("127.0.0.1:2718"), local) is None  # not a browser page: no Origin
    assert refusal(_scope("127.0.0.1:2718", "http://localhost:2718"), local)  # another origin
    assert refusal(_scope("127.0.0.1:2718", "http://127.0.0.1:9999"), local)  # another port
    assert refusal(_scope("127.0.0.1:2718", "null"), local)  # sandboxed iframe, file://
    assert refusal(_scope("bappeda.local:2718", "http://bappeda.local:2718"), local)
    lan = allowed_hosts("0.0.0.0", ["bappeda.local"])
    assert "0.0.0.0" not in lan
    assert refusal(_scope("bappeda.local:2718", "http://bappeda.local:2718"), lan) is None
    monkeypatch.setenv("APBD_APP_HOSTS", "perencanaan.samarindakota.go.id")
    proxied = allowed_hosts("127.0.0.1")
    page = "https://perencanaan.samarindakota.go.id"
    assert refusal(_scope("perencanaan.samarindakota.go.id", page), proxied) is None


def test_other_machines_only_with_a_token(tmp_path):
    notebook = PROJECT_ROOT / "notebooks" / "01_perencana_alokasi.py"
    with pytest.raises(AppServerError, match="wajib memakai token"):
        serve(notebook, host="0.0.0.0", port=free_port())
    short = tmp_path / "pendek.token"
    short.write_text("rahasia\n")
    with pytest.raises(AppServerError, match="terlalu pendek"):
        read_token(short)
    with pytest.raises(AppServerError, match="tidak ada"):
        read_token(tmp_path / "tidak-ada.token")
    good = tmp_path / "app.token"
    good.write_text("f3Jq8xPz2LmV9sKw4RtY6uHb\n")
    assert read_token(good) == "f3Jq8xPz2LmV9sKw4RtY6uHb"
