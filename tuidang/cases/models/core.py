"""The case, the unit of access: who may open it is decided here and in ``access.py`` only.

A case is reached by its owner, its backup, the members of its team and the people it was
granted to (``CaseGrant``, recorded with who granted it). Nothing else opens it: not a role,
not being an admin (see ``tuidang.cases.access``).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tuidang.cases.secrecy import IDENTITY, SealedTextField


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="case_teams", blank=True, verbose_name=_("members")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class CaseQuerySet(models.QuerySet):
    def documentation(self) -> "CaseQuerySet":
        return self.filter(kind__in=[Case.Kind.DOCUMENTATION, Case.Kind.BOTH])

    def at_risk(self) -> "CaseQuerySet":
        return self.filter(kind__in=[Case.Kind.AT_RISK, Case.Kind.BOTH])


class Case(models.Model):
    class Kind(models.TextChoices):
        DOCUMENTATION = "documentation", _("Documentation of persecution")
        AT_RISK = "at_risk", _("Person at risk")
        BOTH = "both", _("Documentation and person at risk")

    class Risk(models.TextChoices):
        NONE = "", _("not assessed")
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")
        CRITICAL = "critical", _("critical")

    codename = models.CharField(
        _("codename"),
        max_length=60,
        unique=True,
        help_text=_("The name the case goes by everywhere; never a real name."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        verbose_name=_("owner"),
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="backup_cases",
        verbose_name=_("backup"),
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cases",
        verbose_name=_("team"),
    )
    risk = models.CharField(
        _("risk level"), max_length=10, choices=Risk.choices, default=Risk.NONE, blank=True
    )
    # Where a person at risk is now locates them: sealed like a name (an ISO country code).
    current_country = SealedTextField(_("current country"), sensitivity=IDENTITY, null=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["codename"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")

    def __str__(self) -> str:
        return self.codename

    @property
    def alert_recipients(self) -> list:
        """Who is told when something about the case needs attention: owner and backup."""
        return [user for user in (self.owner, self.backup) if user is not None and user.is_active]


class CaseGrant(models.Model):
    """One person given access to one case by another; revoking deletes it (audited)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_grants"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when granted on the command line (the audit log names the operator).",
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="cases_one_grant_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.case} → {self.user}"
