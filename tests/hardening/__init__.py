"""Broken and hostile devices (issue 14): property-based and regression tests of the clients."""
