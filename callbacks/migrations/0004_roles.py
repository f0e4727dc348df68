"""The roles: one group per kind of user, with the permissions that role needs.

Administrators and developers are staff users and work in the Django admin;
supervisors, managers and agents never reach it and use the service's own pages.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ALL = "*"
VIEW_QUEUES = [f"view_{model}" for model in
               ("skill", "virtualqueue", "queueskill", "officehours", "closeddate", "agent", "agentskill",
                "callingpolicy", "callingpolicyhours")]

# group -> app label -> permission codenames, or ALL for every permission of the app.
ROLES = {
    "Administrator": {
        "queues": ALL,
        "callbacks": ALL,
        "rules": ALL,
        "reporting": ALL,
        "auth": [f"{action}_{model}" for model in ("user", "group")
                 for action in ("add", "change", "delete", "view")],
        "authtoken": ALL,
        "django_celery_beat": ALL,
        # Sign-in lockouts (django-axes): deleting an attempt unlocks (0016).
        "axes": ALL,
    },
    "Developer": {
        "queues": VIEW_QUEUES,
        "callbacks": ["view_callback", "view_callbackevent", "view_troubleshooting",
                      "add_widget", "change_widget", "view_widget", "view_widgetevent",
                      "add_apikey", "change_apikey", "view_apikey", "view_consent"],
    },
    "Supervisor": {
        "queues": [*VIEW_QUEUES, "change_agent"],
        "callbacks": ["view_callback", "view_callbackevent", "view_consent", "manage_callback"],
        "reporting": ["view_reports"],
    },
    "Manager": {
        "queues": VIEW_QUEUES,
        "callbacks": ["view_callback", "view_callbackevent", "view_consent"],
        "reporting": ["view_reports"],
    },
    "Agent": {
        "callbacks": ["work_callback"],
    },
}


def ensure_permissions(apps, schema_editor):
    """Permissions are normally created after migrate; the groups need them now."""
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions
        # takes to mean "no models"; restore it so a real registry stays intact.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        try:
            create_permissions(app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias)
        finally:
            app_config.models_module = models_module


def not_yet_created(apps, app_label: str, codenames) -> set[str]:
    """Default permissions of models the code has but a later migration adds; that migration runs this again.

    A model in neither the code nor the migrated state is a typo, and stays one.
    """
    def model_names(registry):
        return {model._meta.model_name for model in registry.get_app_config(app_label).get_models()}

    later = model_names(global_apps) - model_names(apps)
    return {codename for codename in codenames
            if codename.split("_", 1)[0] in ("add", "change", "delete", "view") and codename.split("_", 1)[1] in later}


def create_roles(apps, schema_editor):
    ensure_permissions(apps, schema_editor)
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        permissions = []
        for app_label, codenames in grants.items():
            of_app = Permission.objects.using(db).filter(content_type__app_label=app_label)
            if codenames != ALL:
                of_app = of_app.filter(codename__in=codenames)
                # A typo in the matrix must stop the migration, not silently grant less.
                missing = (set(codenames) - set(of_app.values_list("codename", flat=True))
                           - not_yet_created(apps, app_label, codenames))
                if missing:
                    raise LookupError(f"{name}: no permissions {sorted(missing)} in {app_label}")
            permissions.extend(of_app)
        group, _ = Group.objects.using(db).get_or_create(name=name)
        # set(), not add(): running again brings a group back to exactly this matrix.
        group.permissions.set(permissions)


def delete_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0003_widgets"),
        ("queues", "0002_virtualqueue_max_open_per_number"),
        ("reporting", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
