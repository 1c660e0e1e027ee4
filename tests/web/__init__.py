"""Browser (Playwright + Debian chromium) and rendered-HTML tests against a live ``assistant serve``."""
