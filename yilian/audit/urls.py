from django.urls import path

from . import views

app_name = "audit"

urlpatterns = [
    path("", views.entries, name="entries"),
    path("find-patient/", views.find_patient, name="find_patient"),
    path("export.csv", views.export, {"fmt": "csv"}, name="export"),
    path("export.xlsx", views.export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("archives/", views.archives, name="archives"),
    path("archives/<uuid:public_id>/", views.archive_download, name="archive_download"),
]
