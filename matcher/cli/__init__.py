"""The ``peermatch`` command line.

Each library command lives in its own module of this package and exposes
``register(subparsers)``; the service adds its commands (``users``, ``tokens``,
``serve``...) through the ``peermatch.commands`` entry-point group, so this library
never imports the service.

Start-up stays cheap (``peermatch --help`` in well under 0.1 s): building the parser imports
only these small modules, and each command imports what it needs (numpy, scikit-learn,
numba...) inside its function. ``mdgp``, whose time limit counts from process start, loads
only :mod:`matcher.cohorts.problem` and :mod:`matcher.cohorts.search`.
tests/matcher/cli/test_startup.py checks this.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from importlib.metadata import entry_points

__all__ = ["main", "build_parser"]

# Modules of this package that add a sub-command, in the order ``--help`` lists them.
COMMAND_MODULES = ("samples", "validate", "vectorize", "peers", "cohorts", "practice", "sessions", "mdgp")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, library and plug-in commands included."""
    parser = argparse.ArgumentParser(
        prog="peermatch",
        description="Peer to Peer Matcher: peer groups, suggested peers and practice examples for music teachers.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to standard error")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{name}").register(sub)
    for ep in entry_points(group="peermatch.commands"):
        ep.load()(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``peermatch``; returns the process exit code (0 ok, 1 bad input, 2 usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    return int(args.func(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
