"""Lazy public names for a package (PEP 562): one home for the trick every ``__init__`` uses.

A package lists which submodule defines each public name; the name is imported on first
access and then cached in the package, so ``import matcher`` (or ``matcher.profiles``)
stays cheap and a command that needs one corner of the library loads only that corner.

Examples
--------
>>> getattr_, dir_, all_ = attach("matcher", {".errors": ("MatcherError",)})
>>> all_
['MatcherError']
>>> getattr_("MatcherError").__name__
'MatcherError'
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(
    package: str,
    sources: Mapping[str, Iterable[str]],
    renamed: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    sources : mapping
        Relative submodule name -> the public names it defines, in the order of ``__all__``.
    renamed : mapping, optional
        Public name -> (submodule, attribute), for names exported under another name.

    Returns
    -------
    (__getattr__, __dir__, __all__)
    """
    lazy: dict[str, tuple[str, str]] = {name: (module, name) for module, names in sources.items() for name in names}
    lazy |= dict(renamed or {})
    public = list(lazy)

    def __getattr__(name: str) -> Any:
        if name not in lazy:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, attribute = lazy[name]
        value = getattr(importlib.import_module(module, package), attribute)
        vars(sys.modules[package])[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__, public
