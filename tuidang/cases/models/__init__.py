"""The cases app's models, one module per part (imported here so Django finds them all).

``core``: the case (the unit of access), teams and grants. ``documentation``: the HURIDOCS
events model (issue 10, points 1-2). ``dossiers``: what goes out (point 3). ``casework``:
people at risk (point 4).
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
from tuidang.cases.models.documentation import (
    Act,
    CustodyEntry,
    DuplicateDecision,
    Event,
    Evidence,
    Information,
    Intervention,
    Involvement,
    Merge,
    Person,
    PersonNameKey,
    Precision,
    Term,
    Vocabulary,
)
from tuidang.cases.models.dossiers import Consent, Dossier, DossierFile, RedactionProfile

__all__ = [
    "Act",
    "AlertLanguage",
    "Case",
    "CaseAlert",
    "CaseGrant",
    "CaseQuerySet",
    "CaseTask",
    "CheckIn",
    "CheckInPlan",
    "Consent",
    "Contact",
    "CustodyEntry",
    "Dossier",
    "DossierFile",
    "DuplicateDecision",
    "Event",
    "Evidence",
    "Information",
    "Intervention",
    "Involvement",
    "LegalStay",
    "Merge",
    "MovementLeg",
    "Person",
    "PersonNameKey",
    "Precision",
    "ProtectionApplication",
    "RedactionProfile",
    "Team",
    "Term",
    "Vocabulary",
]
