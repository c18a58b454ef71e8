from django.urls import path

from . import views

app_name = "registries"

urlpatterns = [
    path("", views.case_list, name="cases"),
    path("new/", views.case_new, name="case_new"),
    path("cases/<uuid:public_id>/", views.case_detail, name="case_detail"),
    path("cases/<uuid:public_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<uuid:public_id>/delete/", views.case_delete, name="case_delete"),
    path("designer/", views.designer, name="designer"),
    path("designer/new/", views.registry_edit, name="registry_new"),
    path("designer/<uuid:public_id>/", views.registry_edit, name="registry_edit"),
    path("indicators/", views.indicators, name="indicators"),
    path("indicators/export.<str:fmt>", views.indicators_export, name="indicators_export"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/export.<str:fmt>", views.coverage_export, name="coverage_export"),
]
