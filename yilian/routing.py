from django.urls import path

from yilian.realtime.consumers import RoomConsumer, UserStreamConsumer

websocket_urlpatterns = [
    path("ws/me/", UserStreamConsumer.as_asgi()),
    path("ws/rooms/<uuid:session_id>/", RoomConsumer.as_asgi()),
]
