from django.urls import path

from . import views

app_name = "sentinel"

urlpatterns = [
    path("", views.home, name="home"),
    path("programmes/new/", views.programme_new, name="programme_new"),
    path("programmes/<uuid:public_id>/", views.programme_detail, name="programme"),
    path("programmes/<uuid:public_id>/setup/", views.programme_setup, name="setup"),
    path("sites/<uuid:public_id>/", views.site_detail, name="site"),
    path("sites/<uuid:public_id>/report/", views.report_form, name="report_new"),
    path("reports/<uuid:public_id>/", views.report_detail, name="report"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<uuid:public_id>/", views.alert_detail, name="alert"),
    path("alerts/<uuid:public_id>/handle/", views.alert_handle, name="alert_handle"),
]
