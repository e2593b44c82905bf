"""Loaded by pytest before Django's settings (see pyproject addopts): tests speak plain HTTP, also to
servers started once per session, whose middleware was built before any per-test override."""

import os

os.environ.setdefault("PEIXUN_HTTPS", "0")
os.environ.setdefault("PEIXUN_FAST_PASSWORD_HASHER", "1")
