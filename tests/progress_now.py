"""A pytest plugin for one harness test: progress lines on every test instead of every 30 s."""
import conformance.pytest_plugin


def pytest_configure(config):
    conformance.pytest_plugin.PROGRESS_EVERY = 0.0
