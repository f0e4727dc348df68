from django.urls import path

from . import views

# Mounted in the "manage" namespace beside the callback pages (callbackproject/urls.py).
urlpatterns = [
    path("", views.overview, name="overview"),
    path("troubleshooting/", views.troubleshooting_page, name="troubleshooting"),
]
