"""Compilation options shared by every kernel: cached on disk, GIL released."""

from __future__ import annotations

_OPTS = dict(cache=True, nogil=True)
