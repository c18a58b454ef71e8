from django.urls import path

from . import views

app_name = "workflow"

urlpatterns = [
    path("workbench/", views.workbench, name="workbench"),
    path("requests/", views.request_list, name="list"),
    path("requests/<uuid:public_id>/", views.detail, name="detail"),
    path("requests/<uuid:public_id>/act/<slug:action>/", views.act, name="act"),
    path("requests/<uuid:public_id>/edit/", views.edit, name="edit"),
    path("requests/<uuid:public_id>/opinion.pdf", views.opinion_pdf, name="opinion_pdf"),
    path("apply/", views.apply, name="apply"),
    path("apply/<slug:kind>/", views.apply_kind, name="apply_kind"),
    path("apply/<slug:kind>/<slug:variant>/", views.apply_kind, name="apply_variant"),
]
