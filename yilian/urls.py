from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import set_language

from yilian.api import views as api_views
from yilian.api.api import api
from yilian.web.views import healthz

urlpatterns = [
    path("", include("yilian.web.urls")),
    path("", include("yilian.workflow.urls")),
    path("accounts/api-tokens/", include("yilian.api.urls")),
    path("accounts/", include("yilian.accounts.urls")),
    path("api/v1/", api.urls),
    path("security/", include("yilian.security.urls")),
    path("notifications/", include("yilian.notify.urls")),
    path("linkage/", include("yilian.linkage.urls")),
    path("medical/", include("yilian.medical.urls")),
    path("imaging/", include("yilian.imaging.urls")),
    path("referrals/", include("yilian.referrals.urls")),
    path("clinics/", include("yilian.clinics.urls")),
    path("follow-up/", include("yilian.followups.urls")),
    path("classroom/", include("yilian.teaching.urls")),
    path("sentinel/", include("yilian.sentinel.urls")),
    path("standards/", include("yilian.standards.urls")),
    path("", include("yilian.healthedu.urls")),
    path("live/", include("yilian.live.urls")),
    path("files/", include("yilian.files.urls")),
    path("calendar/", include("yilian.agenda.urls")),
    path("rooms/", include("yilian.realtime.urls")),
    path("patients/", include("yilian.patients.urls")),
    path("audit/", include("yilian.audit.urls")),
    path("analytics/", include("yilian.analytics.urls")),
    path("cases/", include("yilian.casebank.urls")),
    path("quality/registries/", include("yilian.registries.urls")),
    path("", include("yilian.accession.urls")),
    path("supervision/", include("yilian.supervision.urls")),
    path("reporting/", include("yilian.reporting.urls")),
    path("fhir/r4/", include("yilian.fhir.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("healthz", healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    # Last: any other /api/ path answers in the API's error body.
    re_path(r"^api/(?P<rest>.*)$", api_views.not_found),
]

# Pages get static templates; /api/ and /fhir/ get their JSON error bodies (yilian/web/errors.py).
handler400 = "yilian.web.errors.bad_request"
handler500 = "yilian.web.errors.server_error"
