from django.urls import path

from alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.alerts_page, name="page"),
    path("check/", views.check_now, name="check"),
    path("channels/add/", views.channel_add, name="channel_add"),
    path("channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/test/", views.channel_test_view, name="channel_test"),
    path("channels/<int:pk>/delete/", views.channel_delete_view, name="channel_delete"),
]
