from django.urls import path

from . import views

app_name = "healthedu"

urlpatterns = [
    path("health-education/", views.library, name="library"),
    path("health-education/review/", views.review, name="review"),
    path("health-education/mine/", views.mine, name="mine"),
    path("health-education/new/", views.item_form, name="new"),
    path("health-education/<uuid:public_id>/", views.item_detail, name="item"),
    path("health-education/<uuid:public_id>/edit/", views.item_form, name="edit"),
    path("health-education/<uuid:public_id>/action/", views.item_action, name="action"),
    path("health-education/<uuid:public_id>/qr.svg", views.qr_svg, name="qr"),
    path("health-education/plans/<uuid:public_id>/", views.plan_items, name="plan_items"),
    # The public share page: a short unguessable link, no login.
    path("h/<str:slug>/", views.share, name="share"),
]
