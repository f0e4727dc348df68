from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "callbacks"
    verbose_name = "Callbacks"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from .cors import widget_origin_allowed

        check_request_enabled.connect(widget_origin_allowed, dispatch_uid="callbacks.cors")
