from django.urls import path

from . import history

# Mounted under /reports/ in the "reports" namespace by callbackproject/urls.py.
urlpatterns = [
    path("", history.history, name="history"),
    path("export.csv", history.history_csv, name="history-csv"),
]
