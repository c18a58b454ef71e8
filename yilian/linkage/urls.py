from django.urls import path

from . import views

app_name = "linkage"

urlpatterns = [
    path("quotas/", views.quotas, name="quotas"),
    path("quotas/new/", views.quota_create, name="quota_create"),
    path("quotas/<uuid:public_id>/", views.quota_edit, name="quota_edit"),
    path("quotas/<uuid:public_id>/delete/", views.quota_delete, name="quota_delete"),
    path("special-types/", views.special_types, name="special_types"),
    path("special-types/new/", views.special_type_create, name="special_type_create"),
    path("special-types/<uuid:public_id>/", views.special_type_edit, name="special_type_edit"),
    path(
        "special-types/<uuid:public_id>/deactivate/",
        views.special_type_deactivate,
        name="special_type_deactivate",
    ),
    path(
        "requests/<uuid:public_id>/admission-letter.pdf",
        views.admission_letter,
        name="admission_letter",
    ),
]
