from django.urls import path

from . import views

app_name = "rules"

urlpatterns = [
    path("", views.rules_list, name="list"),
    path("<slug:slug>/", views.rules_edit, name="edit"),
]
