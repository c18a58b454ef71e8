from django.urls import path

from . import views

app_name = "clinics"

urlpatterns = [
    path("e-clinic/today/", views.day_queue, name="queue"),
    path("e-clinic/schedules/", views.schedules, name="schedules"),
    path("e-clinic/exceptions/", views.exceptions, name="exceptions"),
    path(
        "e-clinic/exceptions/<uuid:public_id>/delete/",
        views.exception_delete,
        name="exception_delete",
    ),
    path("ward-rounds/rows/<uuid:public_id>/comment/", views.ward_comment, name="ward_comment"),
    path("ward-rounds/rows/<uuid:public_id>/action/", views.ward_action, name="ward_action"),
]
