from django.urls import path

from . import views

app_name = "realtime"

urlpatterns = [
    path("", views.rooms, name="rooms"),
    path("request/<uuid:public_id>/", views.enter_request_room, name="enter_request"),
    path("<uuid:public_id>/", views.room, name="room"),
    path("<uuid:public_id>/messages/", views.messages, name="messages"),
    path("<uuid:public_id>/files/", views.upload, name="upload"),
]
