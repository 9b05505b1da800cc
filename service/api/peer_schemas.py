"""Pydantic models of the peer API: suggested and declined peers with their contact
details, and a teacher's decision on a suggestion (shared types: :mod:`.schemas`).

>>> DecisionIn(decision="accepted").decision
'accepted'
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from .schemas import PeerKind, SchoolBrief, Strict


class Contact(BaseModel):
    name: str
    email: str


class PeerOut(BaseModel):
    """One suggested peer, with the reasons, the consent state and (when allowed) contact details."""

    peer_id: str
    name: str
    school: SchoolBrief
    score: float
    kind: PeerKind | None = Field(
        description="'similar' (a school context like yours: reassurance) or 'new ideas' (a different context), as matcher.peers.KINDS; "
        "null for a peer outside your list (they asked to connect, or you accepted them earlier) whom the service holds no score for"
    )
    terms: dict[str, float]
    reasons: list[str]
    my_decision: Literal["accepted", "declined"] | None
    requested_by_peer: bool = Field(description="the peer has accepted you")
    incoming: bool = Field(description="not in your list, but the peer asked to connect with you")
    status: Literal["pending", "waiting_for_peer", "declined", "connected"] = Field(
        description="'declined' appears only in the answer to a decision: declined peers are listed under 'declined', not among the suggestions"
    )
    contact: Contact | None = Field(description="only when you are connected (both accepted) and the peer agreed to share contact details")
    contact_withheld: bool = Field(False, description="connected, but the peer has not agreed to share contact details")


class DeclinedPeerOut(BaseModel):
    """A peer the teacher declined: no longer suggested; DELETE the decision to undo."""

    peer_id: str
    name: str
    school: SchoolBrief
    decided_at: datetime


class PeersOut(BaseModel):
    teacher_id: str
    share_my_contact: bool = Field(description="whether this teacher agreed to share contact details with peers they connect with (profile field consent_share_contact)")
    suggestions: list[PeerOut]
    declined: list[DeclinedPeerOut] = Field(description="peers this teacher declined, newest first; they are left out of the suggestions")


class DecisionIn(Strict):
    decision: Literal["accepted", "declined"]
