from django.apps import AppConfig


class CallbackProjectConfig(AppConfig):
    name = "callbackproject"
    verbose_name = "Callback service"
