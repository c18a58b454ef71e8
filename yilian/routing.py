from django.urls import path

from yilian.realtime.consumers import UserStreamConsumer

websocket_urlpatterns = [
    path("ws/me/", UserStreamConsumer.as_asgi()),
]
