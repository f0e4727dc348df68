# Mounted by callbackproject/urls.py; see there for the prefix and namespace.
urlpatterns: list = []
