"""Where teachers are: real school records for England and who can meet whom in person.

Public names load lazily (PEP 562, :func:`matcher._lazy.attach`): importing one module of
the package does not import the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._lazy import attach

__getattr__, __dir__, __all__ = attach(
    __name__,
    {
        ".schools": ("School", "load_schools", "haversine_km", "pairwise_km", "DATA_DIR", "default_schools_path", "FSM_HIGH", "FSM_LOW", "EAL_HIGH",),
        ".meeting": ("MeetingRange",),
    },
)

if TYPE_CHECKING:  # what IDEs and type checkers see; never executed
    from .schools import (
        DATA_DIR,
        EAL_HIGH,
        FSM_HIGH,
        FSM_LOW,
        School,
        default_schools_path,
        haversine_km,
        load_schools,
        pairwise_km,
    )
    from .meeting import MeetingRange
