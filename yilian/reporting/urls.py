from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("periods/<uuid:public_id>/", views.fill, name="fill"),
    path("datasets/<uuid:public_id>/template.xlsx", views.template, name="template"),
    path("datasets/<uuid:public_id>/upload/", views.upload, name="upload"),
    path("review/", views.queue, name="queue"),
    path("reports/<uuid:public_id>/", views.report, name="report"),
    path("reports/<uuid:public_id>/return/", views.return_report, name="return"),
    path("reports/<uuid:public_id>/accept/", views.accept, name="accept"),
    path("rates/", views.rates, name="rates"),
    path("design/", views.datasets, name="datasets"),
    path("design/new/", views.dataset_edit, name="dataset_new"),
    path("design/<uuid:public_id>/", views.dataset_edit, name="dataset_edit"),
    path("design/<uuid:public_id>/periods/", views.dataset_periods, name="dataset_periods"),
]
