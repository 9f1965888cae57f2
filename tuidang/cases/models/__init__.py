"""The cases app's models, one module per part (imported here so Django finds them all).

``core``: the case (the unit of access), teams and grants. ``documentation``: the HURIDOCS
events model (issue 10, points 1-3). ``casework``: people at risk (point 4).
"""

from tuidang.cases.models.casework import (
    AlertLanguage,
    CaseAlert,
    CaseTask,
    CheckIn,
    CheckInPlan,
    Contact,
    LegalStay,
    MovementLeg,
    ProtectionApplication,
)
from tuidang.cases.models.core import Case, CaseGrant, CaseQuerySet, Team

__all__ = [
    "AlertLanguage",
    "Case",
    "CaseAlert",
    "CaseGrant",
    "CaseQuerySet",
    "CaseTask",
    "CheckIn",
    "CheckInPlan",
    "Contact",
    "LegalStay",
    "MovementLeg",
    "ProtectionApplication",
    "Team",
]
