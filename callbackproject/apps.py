from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CallbackProjectConfig(AppConfig):
    name = "callbackproject"
    verbose_name = "Callback service"

    def ready(self):
        from . import setup

        setup.var_prepare()
        # migrate sends post_migrate once per app with models, in INSTALLED_APPS order, and Django's own handler
        # (connected earlier, by auth) creates each app's permissions: by the last app's, every permission exists.
        last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(setup.after_migrate, sender=last, dispatch_uid="callbackproject.setup.after_migrate")
