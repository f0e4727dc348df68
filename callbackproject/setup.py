"""What an installation gets from code rather than from an administrator: the roles, the beat's ticks, and the
folders and development key of the embedded defaults.

The roles and ticks are applied after every ``migrate`` (``after_migrate``, connected in apps.py), once every app's
tables and permissions exist; running them again changes nothing. The folders are made when Django starts
(``var_prepare``), never when the settings are imported.
"""

import os
from functools import partial
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import IntervalSchedule, PeriodicTask

# Administrators and developers are staff users and work in the Django admin; supervisors, managers and agents never
# reach it and use the service's own pages. The README's "Roles and permissions" table describes this matrix.
ALL = "*"
VIEW_QUEUES = [
    f"view_{model}"
    for model in (
        "skill",
        "virtualqueue",
        "queueskill",
        "officehours",
        "closeddate",
        "agent",
        "agentskill",
        "callingpolicy",
        "callingpolicyhours",
    )
]

# group -> app label -> permission codenames, or ALL for every permission of the app.
ROLES: dict[str, dict[str, str | list[str]]] = {
    "Administrator": {
        "queues": ALL,
        "callbacks": ALL,
        "rules": ALL,
        "reporting": ALL,
        "auth": [f"{action}_{model}" for model in ("user", "group") for action in ("add", "change", "delete", "view")],
        "authtoken": ALL,
        "django_celery_beat": ALL,
        # Sign-in lockouts (django-axes): deleting an attempt unlocks.
        "axes": ALL,
    },
    "Developer": {
        "queues": VIEW_QUEUES,
        "callbacks": [
            "view_callback",
            "view_callbackevent",
            "view_troubleshooting",
            "add_widget",
            "change_widget",
            "view_widget",
            "add_apikey",
            "change_apikey",
            "view_apikey",
            "view_consent",
        ],
        "reporting": ["view_widgetevent"],
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


class Tick(NamedTuple):
    name: str
    task: str
    every_seconds: int


# The lifecycle's fixed beat ticks. Due times live in callback rows, never as one periodic task per callback.
PERIODIC_TASKS = [
    Tick("callbacks: release due callbacks", "callbacks.tasks.release_due", 15),
    Tick("callbacks: requeue timed-out reservations", "callbacks.tasks.requeue_timed_out", 10),
    Tick("callbacks: expire overdue callbacks", "callbacks.tasks.expire_overdue", 30),
    Tick("callbacks: purge personal data", "callbacks.tasks.purge_personal_data", 3600),
    Tick("reporting: purge widget events", "reporting.tasks.purge_widget_events", 3600),
    Tick("reporting: roll up finished days", "reporting.tasks.roll_up_finished_days", 900),
]


def roles_apply(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Every role group with exactly the permissions of ``ROLES``: a permission added to one by hand is taken away.

    An administrator who wants another mix makes a group of their own, which this leaves alone.
    """
    with transaction.atomic(using=using):
        for name, grants in ROLES.items():
            permissions: list[Permission] = []
            for app_label, codenames in grants.items():
                of_app = Permission.objects.using(using).filter(content_type__app_label=app_label)
                if codenames != ALL:
                    of_app = of_app.filter(codename__in=codenames)
                    # A typo in the matrix must stop the migrate, not silently grant less.
                    missing = set(codenames) - set(of_app.values_list("codename", flat=True))
                    if missing:
                        raise LookupError(f"{name}: no permissions {sorted(missing)} in {app_label}")
                permissions.extend(of_app)
            group, _ = Group.objects.using(using).get_or_create(name=name)
            group.permissions.set(permissions)


def periodic_tasks_apply(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Create the ticks that are missing; of one that exists, only follow the code's task path.

    Its schedule, enabled flag and expiry are the administrator's once it exists (the admin is where they tune or
    pause a tick), so a migrate never undoes them; a deleted tick comes back, so pause one rather than delete it.
    A tick is known by its name: one renamed here is made anew, and the old one stays until an administrator
    deletes it. Saving a PeriodicTask tells a running beat its schedule changed (django-celery-beat's signals).
    """
    with transaction.atomic(using=using):
        for tick in PERIODIC_TASKS:
            task, created = PeriodicTask.objects.using(using).get_or_create(
                name=tick.name,
                defaults={
                    "task": tick.task,
                    "interval": partial(_interval, tick.every_seconds, using=using),  # only made for a new tick
                    "enabled": True,
                    # A tick that waited longer than its interval is useless: the next one does the same work, so let it
                    # expire instead of piling up.
                    "expire_seconds": tick.every_seconds,
                },
            )
            if not created and task.task != tick.task:
                task.task = tick.task
                task.save(update_fields=["task"])


def _interval(every: int, *, using: str) -> IntervalSchedule:
    # filter().first(), not get(): an administrator may have made a second schedule of the same length.
    schedules = IntervalSchedule.objects.using(using).filter(every=every, period=IntervalSchedule.SECONDS)
    return schedules.order_by("pk").first() or schedules.create(every=every, period=IntervalSchedule.SECONDS)


def after_migrate(sender, *, using: str, **kwargs) -> None:
    """The post_migrate handler of the last app (apps.py): every app's permissions have been created by then.

    A migrate to an earlier migration (or back to zero) leaves the roles and ticks alone: the code's
    models, and so its permissions, need not exist in that state.
    """
    if not _fully_migrated(using):
        return
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            # Two migrates at once (two web machines starting, each running it first) apply one after the other:
            # interleaved, both would create what is missing, a second schedule of each length and the same ticks.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(hashtext('callbackproject.setup.after_migrate'))")
        roles_apply(using=using)
        periodic_tasks_apply(using=using)


def _fully_migrated(using: str) -> bool:
    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def var_prepare() -> None:
    """The folders the embedded defaults keep their files in, and the development key; none in production.

    Run at start-up (apps.py), before any connection: the SQLite file needs its folder, Celery's filesystem
    transport its queue folders, and every later development process (web, worker, beat) the key this one signs with.
    """
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] not in ("", ":memory:"):
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        for folder in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
            Path(str(options[folder])).mkdir(parents=True, exist_ok=True)
    if settings.DEV_SECRET_KEY_FILE and not settings.DEV_SECRET_KEY_FILE.exists():
        _dev_secret_key_write(settings.DEV_SECRET_KEY_FILE)


def _dev_secret_key_write(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL guards two processes starting at once on an empty var/: one writes, and the other keeps its own key
        # until it restarts (`make run` and `serve` start one process first, so theirs never race).
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "w") as file:
        file.write(settings.SECRET_KEY)
