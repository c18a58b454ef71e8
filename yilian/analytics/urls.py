from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export.<str:fmt>", views.export, name="export"),
    path("resources/", views.resources, name="resources"),
    path("resources/export.<str:fmt>", views.resources_export, name="resources_export"),
    path("resources/<uuid:public_id>/", views.resource_detail, name="resource_detail"),
]
