"""Vendor HTTP clients for Energy Hub.

Nothing in this package imports Home Assistant: each client takes an aiohttp session
and could be published as a library of its own. The errors every client raises are in
``errors``.
"""
