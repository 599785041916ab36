"""The planner app in a real browser: `apbd aplikasi` (marimo) on a free loopback port, Debian's headless
Chromium driven by Playwright. Change the year; the spending table and chart and the kelurahan
table and chart must all change. Every request that is not to the app's own server is blocked and
recorded: the app must need none.

Chromium comes from the Debian package, installed here when /usr/bin/chromium is missing
(the machine and CI run as root). If it cannot be installed the test fails and says why.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from tests import server_kit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium, installed quietly once if it is not there yet (idempotent)."""
    if not CHROMIUM.exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
            try:
                r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1200)
            except (OSError, subprocess.TimeoutExpired) as exc:
                pytest.fail(f"Chromium tidak bisa dipasang: {' '.join(cmd)}: {exc}")
            if r.returncode != 0:
                pytest.fail(
                    f"Chromium tidak bisa dipasang ({' '.join(cmd)} gagal, kode {r.returncode}). "
                    f"Pasang sebagai root: apt-get install -y chromium\n{r.stderr[-2000:]}"
                )
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} tidak ada setelah apt-get install chromium.")
    return CHROMIUM


@pytest.fixture(scope="module")
def planner_app(published_demo, tmp_path_factory):
    """`apbd aplikasi perencana` (what `make app` runs: the notebook behind the Origin/Host guard) on
    the shared demo, on a free 127.0.0.1 port, shared by this module's tests (each page load is a
    session of its own); stopped by its PID afterwards."""
    tmp = tmp_path_factory.mktemp("perencana")
    with server_kit.planner_app(published_demo.root, tmp, timeout=60) as port:
        yield f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def finance_app(published_demo, tmp_path_factory):
    """`apbd aplikasi keuangan` (the BPKAD app) on the shared demo, shared like `planner_app`."""
    tmp = tmp_path_factory.mktemp("keuangan")
    with server_kit.planner_app(published_demo.root, tmp, timeout=60, nama="keuangan") as port:
        yield f"http://127.0.0.1:{port}/"


SECTIONS = {
    # name: (table rows, chart)
    "belanja": (
        "[data-testid=tabel-belanja] table tbody tr",
        "[data-testid=grafik-belanja] marimo-vega",
    ),
    "kelurahan": (
        "[data-testid=tabel-kelurahan] table tbody tr",
        "[data-testid=grafik-kelurahan] marimo-vega",
    ),
}


def test_changing_the_year_updates_the_tables_and_the_charts(chromium, planner_app, artifacts_dir):
    from playwright.sync_api import sync_playwright

    blocked: list[str] = []

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1600})

            def only_loopback(route):
                if route.request.url.startswith(planner_app):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", only_loopback)
            page.goto(planner_app)
            for rows, chart in SECTIONS.values():
                page.wait_for_selector(rows, timeout=60_000)
                page.wait_for_selector(f"{chart} canvas, {chart} svg", timeout=60_000)

            def state() -> dict[str, tuple[str, str | None]]:
                """Per section: the visible table rows and the chart's spec (data included)."""
                return {
                    name: (
                        "\n".join(page.locator(rows).all_inner_texts()),
                        page.locator(chart).get_attribute("data-spec"),
                    )
                    for name, (rows, chart) in SECTIONS.items()
                }

            def unchanged(now) -> list[str]:
                return [
                    f"{name} {what}"
                    for name in SECTIONS
                    for i, what in enumerate(("tabel", "grafik"))
                    if now[name][i] == before[name][i]
                ]

            before = state()
            assert "Rp" in before["belanja"][0]  # rupiah in the tables
            assert "Rp" in before["kelurahan"][0]
            assert page.locator(SECTIONS["kelurahan"][0]).count() == 10  # first page of 59
            assert page.get_by_text("Pagu akhir 2025", exact=True).count() == 1
            year = page.locator("select").filter(has=page.locator("option", has_text="2024"))
            assert year.count() == 1
            assert year.input_value() in (
                "2025",
                year.locator("option").last.get_attribute("value"),
            )
            year.select_option(label="2024")

            deadline = time.monotonic() + 45
            after = state()
            while unchanged(after) and time.monotonic() < deadline:
                page.wait_for_timeout(300)
                after = state()
            page.wait_for_timeout(500)  # let the charts finish drawing for the screenshot
            stat_2024 = page.get_by_text("Pagu akhir 2024", exact=True).count()
            kelurahan_2024 = page.get_by_text("59 kelurahan pada 2024").count()
            page.screenshot(path=str(artifacts_dir / "planner_app_2024.png"), full_page=True)
        finally:
            browser.close()

    assert unchanged(after) == [], "tidak berubah setelah tahun diganti"
    assert stat_2024 == 1, "angka ringkasan tidak ikut berubah"
    assert kelurahan_2024 >= 1, "ringkasan kelurahan tidak ikut berubah"
    assert blocked == [], f"aplikasi meminta sumber di luar server lokal: {blocked[:5]}"
    assert (artifacts_dir / "planner_app_2024.png").stat().st_size > 10_000


PEMBANDING = "[data-testid=grafik-hasil-pembanding] marimo-vega"


def test_peer_section_shows_samarinda_among_its_peers(chromium, planner_app, artifacts_dir):
    """One page load: the peer section draws its charts and tables on the shared demo, and a
    screenshot of it lands in test-artifacts/ (docs/img/pembanding_aplikasi.png is one)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        try:
            # tall enough that the whole app is laid out without scrolling (for the screenshot)
            page = browser.new_page(viewport={"width": 1400, "height": 9000})
            page.goto(planner_app)
            heading = page.get_by_role("heading", name="Samarinda di antara pemda pembanding")
            heading.wait_for(timeout=60_000)
            page.wait_for_selector(f"{PEMBANDING} canvas, {PEMBANDING} svg", timeout=60_000)
            page.wait_for_selector("[data-testid=tabel-pembanding] table tbody tr")
            members = page.locator("[data-testid=tabel-pembanding] table tbody tr")
            posisi = page.locator("[data-testid=tabel-posisi-pembanding] table")
            heads = posisi.locator("thead").inner_text()
            rows = posisi.locator("tbody tr").all_inner_texts()
            marked = [t for t in members.all_inner_texts() if "◀" in t]
            shot = screenshot_section(page, heading, artifacts_dir / "pembanding_aplikasi.png")
            n_members = members.count()
        finally:
            browser.close()
    assert "Kota Samarinda" in heads and "Median kelompok" in heads
    assert len(rows) >= 5 and all("median" in r for r in rows)  # the mart's sentences
    assert "Rp" in rows[0] and "%" in rows[1]  # per capita in rupiah, shares in percent
    assert n_members > 1 and len(marked) == 1 and "Kota Samarinda" in marked[0]
    assert shot.stat().st_size > 10_000


def test_finance_app_shows_what_opds_report_against_the_sp2d(chromium, finance_app, artifacts_dir):
    """Issue 14 §2 in the finance app: the reconciliation section lists the sub kegiatan whose
    reported realisation does not agree with the SP2D paid; its screenshot lands in
    test-artifacts/keuangan_rekonsiliasi.png."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 9000})
            page.goto(finance_app)
            heading = page.get_by_role("heading", name="Laporan OPD terhadap SP2D (rekonsiliasi)")
            heading.wait_for(timeout=60_000)
            table = "[data-testid=tabel-rekonsiliasi]"
            page.wait_for_selector(f"{table} table tbody tr", timeout=60_000)
            rows = page.locator(f"{table} table tbody tr").all_inner_texts()
            shot = screenshot_section(
                page, heading, artifacts_dir / "keuangan_rekonsiliasi.png", table
            )
        finally:
            browser.close()
    assert rows and all("Rp" in r for r in rows)
    assert any("Selisih" in r or "SP2D tanpa laporan" in r for r in rows)
    assert shot.stat().st_size > 10_000


def screenshot_section(
    page, heading, path: Path, end_at: str = "[data-testid=tabel-pembanding]"
) -> Path:
    """A screenshot from the section's heading down to the end of its table (`end_at`)."""
    page.wait_for_timeout(800)  # let the charts finish drawing
    top = heading.bounding_box()
    end = page.locator(end_at).bounding_box()
    page.screenshot(
        path=str(path),
        clip={
            "x": 0,
            "y": top["y"] - 10,
            "width": page.viewport_size["width"],
            "height": end["y"] + end["height"] - top["y"] + 20,
        },
    )
    return path


def test_finance_app_shows_the_year_end_forecast(chromium, finance_app, artifacts_dir):
    """One page load of the finance app: the year-end forecast (issue 14 §3) draws its chart and
    its table with the mart's one-sentence explanation; a screenshot lands in test-artifacts/."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 9000})
            page.goto(finance_app)
            heading = page.get_by_role("heading", name="Proyeksi serapan akhir tahun")
            heading.wait_for(timeout=90_000)
            grafik = "[data-testid=grafik-proyeksi]"
            page.wait_for_selector(f"{grafik} canvas, {grafik} svg", timeout=60_000)
            page.wait_for_selector("[data-testid=tabel-proyeksi] table tbody tr")
            rows = page.locator("[data-testid=tabel-proyeksi] table tbody tr").all_inner_texts()
            shot = screenshot_section(
                page,
                heading,
                artifacts_dir / "keuangan_proyeksi_serapan.png",
                "[data-testid=tabel-proyeksi]",
            )
        finally:
            browser.close()
    assert rows and any("proyeksi akhir tahun" in r for r in rows)
    assert shot.stat().st_size > 10_000
