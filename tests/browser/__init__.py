"""End-to-end test: the real Home Assistant frontend in headless Chromium."""
