from django.urls import path

from . import views

app_name = "live"

urlpatterns = [
    path("", views.event_list, name="events"),
    path("new/", views.event_new, name="event_new"),
    path("<uuid:public_id>/", views.event_detail, name="event"),
    path("<uuid:public_id>/edit/", views.event_edit, name="event_edit"),
    path("<uuid:public_id>/manage/", views.manage, name="manage"),
    path("<uuid:public_id>/key/", views.regenerate, name="regenerate"),
    path("<uuid:public_id>/consent/", views.consent, name="consent"),
    path("<uuid:public_id>/heartbeat/", views.heartbeat, name="heartbeat"),
    path("hls/<str:playback_id>/<str:name>", views.hls, name="hls"),
    path("rtmp/<str:secret>/", views.rtmp_callback, name="rtmp_callback"),
]
