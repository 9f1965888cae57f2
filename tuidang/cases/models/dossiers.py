"""Dossiers for governments and the UN: what goes out, to whom, with whose consent and approval.

A **RedactionProfile** says which identity fields a kind of recipient gets. **Consent** is
recorded per person and per kind of recipient; a person without consent for the dossier's
recipient kind goes out anonymised whatever the profile allows. A **Dossier** is one built
version: its filters, profile, recipient, the files made and their SHA-256. Handing it over is
recorded (who, when) and logged as an ``Intervention`` on every case in it; a dossier that
names anyone needs a second person's approval first.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tuidang.cases.models.core import Case
from tuidang.cases.models.documentation import Person, Term, Vocabulary


class RedactionProfile(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    recipient_kind = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.RECIPIENT_KIND},
        verbose_name=_("kind of recipient"),
    )
    real_names = models.BooleanField(_("real names"), default=False)
    birth_dates = models.BooleanField(_("dates of birth"), default=False)
    cities = models.BooleanField(_("cities"), default=False)
    sources = models.BooleanField(_("source citations"), default=True)
    narratives = models.BooleanField(_("narratives"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("redaction profile")
        verbose_name_plural = _("redaction profiles")

    def __str__(self) -> str:
        return self.name

    @property
    def names_identities(self) -> bool:
        return self.real_names or self.birth_dates


class Consent(models.Model):
    """A person's answer to "may we name you to this kind of recipient?" (the latest counts)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    recipient_kind = models.ForeignKey(
        Term,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"vocabulary": Vocabulary.RECIPIENT_KIND},
        verbose_name=_("kind of recipient"),
    )
    given = models.BooleanField(_("consent given"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.person} {self.recipient_kind.code} {self.given}"


class DossierQuerySet(models.QuerySet):
    def awaiting_approval(self) -> "DossierQuerySet":
        return self.filter(names_identities=True, approved_at__isnull=True)

    def handed_over(self) -> "DossierQuerySet":
        return self.filter(handed_over_at__isnull=False)


class Dossier(models.Model):
    title = models.CharField(_("title"), max_length=200)
    recipient = models.CharField(_("recipient"), max_length=200)
    profile = models.ForeignKey(
        RedactionProfile, on_delete=models.PROTECT, verbose_name=_("redaction profile")
    )
    filters = models.JSONField(default=dict, blank=True)
    cases = models.ManyToManyField(Case, related_name="dossiers")
    version = models.PositiveIntegerField(default=1)
    # True when any person in it goes out named (profile allows it and they consented).
    names_identities = models.BooleanField(default=False)
    summary = models.JSONField(default=dict, blank=True)
    # File name → SHA-256 of the files as built; the files themselves are not kept.
    files = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_over_at = models.DateTimeField(null=True, blank=True)
    # Where the dossier's anchor entry (``tuidang/dossier/v1``) sits in the transparency log,
    # once anchored: proof of what was handed over, and by when.
    log_index = models.PositiveBigIntegerField(null=True, blank=True)

    objects = DossierQuerySet.as_manager()

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"

    @property
    def may_be_handed_over(self) -> bool:
        return not self.names_identities or self.approved_at is not None


class DossierFile(models.Model):
    """One file of a built dossier, sealed like a case file (it may name people)."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="built_files")
    name = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    sealed_content = models.BinaryField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["dossier", "name"], name="cases_dossier_file_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def content(self) -> bytes:
        from tuidang.cases import secrecy

        return secrecy.unseal_bytes(bytes(self.sealed_content), f"cases.dossier.{self.sha256}")
