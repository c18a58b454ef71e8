from django.urls import path

from . import views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:public_id>/", views.patient_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="edit"),
    path("consent/<uuid:public_id>/", views.consent_page, name="consent"),
    path("consent/<uuid:public_id>/upload/", views.consent_upload, name="consent_upload"),
    path("consent/<uuid:public_id>/link/", views.consent_link, name="consent_link"),
    # Public: opened on the patient's phone without an account.
    path("consent/sign/<str:token>/", views.consent_sign, name="consent_sign"),
]
