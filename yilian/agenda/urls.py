from django.urls import path

from . import views

app_name = "agenda"

urlpatterns = [
    path("", views.calendar_settings, name="settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
]
