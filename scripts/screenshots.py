"""Save PNG screenshots of the web UI to docs/img/ (widget, call-center view, search; the widget on a phone, upright
and on its side).

Usage: ``.venv/bin/python scripts/screenshots.py [--base-url http://127.0.0.1:8000] [--out docs/img]``.
Without ``--base-url`` it starts ``python -m assistant serve`` on a free port (real model and index) and
stops it afterwards. The browser is Debian's ``/usr/bin/chromium``; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

from assistant.liveserver import CHROMIUM, CHROMIUM_ARGS, ROOT, LiveServer, ServerError

QUESTION = "コールセンターの担当課は？"


@contextmanager
def live_server(base_url: str | None):
    """Yield ``base_url``, or start a real server on a free port and yield its URL."""
    if base_url:
        yield base_url.rstrip("/")
        return
    with tempfile.TemporaryDirectory(prefix="assistant-shots-") as tmp:
        server = LiveServer(Path(tmp), {"ASSISTANT_FEEDBACK_DB": str(Path(tmp) / "feedback.sqlite3")})
        try:
            with server as url:
                yield url
        except ServerError as exc:
            sys.exit(str(exc))


def widget_with_answer(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="市の計画について質問する").click()
    field = page.get_by_label("質問を入力")
    field.fill(QUESTION)
    field.press("Enter")
    answer = page.locator(".npa-msg--bot[data-answer-type]").last
    expect(answer).to_be_visible(timeout=30_000)
    answer.locator("details.npa-cite summary").first.click()
    page.locator(".npa-log").evaluate("el => { el.scrollTop = el.querySelector('.npa-msg--user').offsetTop - 8; }")
    page.wait_for_timeout(300)


def callcenter_with_answer(page: Page) -> None:
    page.goto("/callcenter")
    for question in ("DX推進課の事業を一覧で", QUESTION):
        page.get_by_label("お問い合わせの内容").fill(question)
        page.get_by_label("お問い合わせの内容").press("Enter")
        expect(page.locator("#cc-status")).to_have_text("回答を表示しました。", timeout=30_000)
    page.get_by_role("button", name="コピー", exact=True).click()
    page.wait_for_timeout(300)


def search_with_filter(page: Page) -> None:
    """A keyword search with the total, sort links, the CSV link and highlighted titles in view."""
    page.goto("/search")
    page.get_by_label("キーワード").fill("デジタル")
    page.get_by_label("重点プロジェクト").select_option("新市役所創造")
    page.get_by_role("button", name="この条件で表示").click()
    page.wait_for_load_state()
    page.locator(".search-form").evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 16)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="use a running server instead of starting one")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    shots = [
        ("widget.png", (1280, 800), widget_with_answer),
        ("callcenter.png", (1280, 800), callcenter_with_answer),
        ("search.png", (1280, 800), search_with_filter),
        ("widget-mobile.png", (360, 740), widget_with_answer),
        ("widget-landscape.png", (844, 390), widget_with_answer),
    ]
    with live_server(args.base_url) as base_url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for name, (width, height), scene in shots:
                context = browser.new_context(
                    base_url=base_url,
                    viewport={"width": width, "height": height},
                    device_scale_factor=1,
                    locale="ja-JP",
                    reduced_motion="reduce",
                )
                context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
                page = context.new_page()
                scene(page)
                page.screenshot(path=str(args.out / name))
                print(f"saved {args.out / name}")
                context.close()
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
