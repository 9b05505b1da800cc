"""Service commands for ``peermatch`` (registered through the ``peermatch.commands`` entry point)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the service's sub-commands to ``peermatch``."""
