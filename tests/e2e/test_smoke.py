"""The browser harness itself: Chromium starts, the live server answers, errors are caught."""

from __future__ import annotations

from tests.e2e.conftest import Live, OpenPage


def test_home_page_renders_the_imported_store(live: Live, open_page: OpenPage) -> None:
    page, _ = open_page()
    page.goto(live.url + "/")
    assert "Harbor & Pine Trading" in page.inner_text("body")


def test_page_errors_are_collected(open_page: OpenPage) -> None:
    page, errors = open_page()
    page.set_content("<script>console.error('boom')</script>")
    assert any("boom" in line for line in errors.lines)
    errors.allowed.append("boom")
