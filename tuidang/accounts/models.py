"""Staff accounts are Django users; roles are groups; every staff action leaves an AuditEvent."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tuidang.accounts.actions import LOGIN_REFUSAL_LABELS, action_label

# Roles are Django groups of these names (made by a data migration). Later issues add more.
VOLUNTEER = "volunteer"
MODERATOR = "moderator"
ADMIN = "admin"
ROLES = (VOLUNTEER, MODERATOR, ADMIN)


class AuditEvent(models.Model):
    """Who did what to which object, and when. Written in the same transaction as the action."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor} {self.action} {self.object_type}#{self.object_id}"

    @property
    def action_label(self) -> str:
        return action_label(self.action)

    @property
    def detail_display(self) -> list[tuple[str, str]]:
        """The detail as (key, value) pairs, with known login refusal reasons translated."""
        pairs = []
        for key, value in sorted(self.detail.items()):
            if self.action == "login.failed" and key == "reason":
                value = LOGIN_REFUSAL_LABELS.get(value, value)
            pairs.append((key, str(value)))
        return pairs

    @classmethod
    def record(cls, actor, action: str, obj=None, **detail) -> "AuditEvent":
        """Record one staff action. ``detail`` must never hold a client address or agent."""
        return cls.objects.create(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            detail=detail,
        )
