"""Remote medical (ARCHITECTURE §4): the detail row of a remote consultation.

``Consultation`` — what the applicant asks the experts about one patient: the kind of
consultation (general, MDT, difficult case, imaging, pathology), the case summary and the
clinical question, the specialty and expert title wanted, and whether the experts meet the
applicant in a video session or answer asynchronously. An MDT consultation also names the
specialties to involve. The experts' parts of an MDT opinion and its combined conclusion
are the engine's ``workflow.Opinion`` rows of the request.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.orgs.models import Specialty


class Subtype(models.TextChoices):
    GENERAL = "general", _("general consultation")
    MDT = "mdt", _("multidisciplinary (MDT) consultation")
    DIFFICULT_CASE = "difficult_case", _("difficult-case consultation")
    IMAGING = "imaging", _("imaging consultation")
    PATHOLOGY = "pathology", _("pathology consultation")


class Mode(models.TextChoices):
    VIDEO = "video", _("synchronous video session")
    ASYNC = "async", _("asynchronous")


class Consultation(models.Model):
    Subtype = Subtype
    Mode = Mode

    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="consultation",
        verbose_name=_("request"),
    )
    subtype = models.CharField(_("consultation type"), max_length=20, choices=Subtype.choices)
    case_summary = models.TextField(_("case summary"))
    clinical_question = models.TextField(_("clinical question"))
    specialty = models.CharField(_("specialty wanted"), max_length=30, choices=Specialty.choices)
    expert_title = models.CharField(
        _("expert title wanted"), max_length=30, choices=User.Title.choices, blank=True
    )
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.VIDEO)
    # MDT only: the specialties to involve (codes of orgs.Specialty, two or more).
    mdt_specialties = models.JSONField(_("specialties to involve"), default=list, blank=True)

    class Meta:
        verbose_name = _("remote consultation")
        verbose_name_plural = _("remote consultations")

    def __str__(self) -> str:
        return str(self.request)

    @property
    def is_mdt(self) -> bool:
        return self.subtype == Subtype.MDT

    @property
    def mdt_specialty_labels(self) -> list[str]:
        labels = dict(Specialty.choices)
        return [str(labels.get(code, code)) for code in self.mdt_specialties]
