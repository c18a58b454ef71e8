from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("", views.board, name="board"),
    path("requests/", views.board_requests, name="board_requests"),
    path("feedback/", views.tickets, name="tickets"),
    path("feedback/new/", views.ticket_new, name="ticket_new"),
    path("feedback/<uuid:public_id>/", views.ticket, name="ticket"),
    path("feedback/<uuid:public_id>/<slug:step>/", views.ticket_act, name="ticket_act"),
    path("rooms/admins/", views.room_admins, name="room_admins"),
    path("rooms/admins/<uuid:public_id>/", views.room_admin_edit, name="room_admin_edit"),
]
