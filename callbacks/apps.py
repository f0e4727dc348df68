from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "callbacks"
    verbose_name = "Callbacks"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from rules.ledger import ledger_use

        from . import signals
        from .api.public.cors import widget_origin_allowed
        from .ledger import CallbackLedger

        # The rules count bookings through this app's answers, without importing it (rules.ledger).
        ledger_use(CallbackLedger())

        check_request_enabled.connect(widget_origin_allowed, dispatch_uid="callbacks.api.public.cors")
        signals.connect()
