import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.models import Q

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

roles_migration = importlib.import_module("callbacks.migrations.0004_roles")
# The migration's functions only read the editor's connection; a real one
# cannot be opened inside a test's transaction on SQLite.
schema_editor = SimpleNamespace(connection=connection)

VIEW_QUEUES = {f"queues.view_{model}" for model in
               ("skill", "virtualqueue", "queueskill", "officehours", "closeddate", "agent", "agentskill",
                "callingpolicy", "callingpolicyhours")}


def permissions_of(group_name):
    group = Group.objects.get(name=group_name)
    return {f"{app}.{codename}" for app, codename in
            group.permissions.values_list("content_type__app_label", "codename")}


def member_of(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def test_migrate_creates_the_five_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Administrator", "Developer", "Supervisor", "Manager", "Agent"}


def test_an_agent_may_only_work_callbacks():
    assert permissions_of("Agent") == {"callbacks.work_callback"}


def test_a_developer_views_queues_and_callbacks_manages_widgets_and_api_keys_and_troubleshoots():
    assert permissions_of("Developer") == VIEW_QUEUES | {
        "callbacks.view_callback", "callbacks.view_callbackevent", "callbacks.view_troubleshooting",
        "callbacks.add_widget", "callbacks.change_widget", "callbacks.view_widget", "reporting.view_widgetevent",
        "callbacks.add_apikey", "callbacks.change_apikey", "callbacks.view_apikey", "callbacks.view_consent"}


def test_a_supervisor_views_queues_changes_agents_manages_callbacks_and_sees_reports():
    assert permissions_of("Supervisor") == VIEW_QUEUES | {
        "queues.change_agent", "callbacks.view_callback", "callbacks.view_callbackevent", "callbacks.view_consent",
        "callbacks.manage_callback", "reporting.view_reports"}


def test_a_manager_views_queues_callbacks_and_reports():
    assert permissions_of("Manager") == VIEW_QUEUES | {
        "callbacks.view_callback", "callbacks.view_callbackevent", "callbacks.view_consent", "reporting.view_reports"}


def test_an_administrator_holds_every_permission_of_the_service_and_its_provisioning_apps():
    whole_apps = Q(content_type__app_label__in=[
        "queues", "callbacks", "rules", "reporting", "authtoken", "django_celery_beat", "axes"])
    users_and_groups = Q(content_type__app_label="auth", content_type__model__in=["user", "group"])
    expected = Permission.objects.filter(whole_apps | users_and_groups)

    assert permissions_of("Administrator") == {
        f"{app}.{codename}" for app, codename in expected.values_list("content_type__app_label", "codename")}


def test_permissions_of_a_model_a_later_migration_adds_wait_for_it_but_a_typo_stops_the_migration():
    before_api_keys = MigrationLoader(connection).project_state(("callbacks", "0008_roles_for_new_models")).apps

    assert roles_migration.not_yet_created(before_api_keys, "callbacks", ["add_apikey", "add_apikeyy",
                                                                          "view_widget"]) == {"add_apikey"}


def test_an_administrator_cannot_edit_permissions_themselves():
    assert not member_of("Administrator").has_perm("auth.change_permission")


def test_a_supervisor_may_manage_callbacks_but_not_add_queues():
    supervisor = member_of("Supervisor")

    assert supervisor.has_perm("callbacks.manage_callback")
    assert not supervisor.has_perm("queues.add_virtualqueue")


def test_running_the_migration_again_restores_the_matrix():
    Group.objects.get(name="Agent").permissions.add(Permission.objects.get(codename="add_virtualqueue"))
    Group.objects.get(name="Manager").delete()

    roles_migration.create_roles(apps, schema_editor)

    assert permissions_of("Agent") == {"callbacks.work_callback"}
    assert "reporting.view_reports" in permissions_of("Manager")


def test_unapplying_the_migration_deletes_the_roles():
    roles_migration.delete_roles(apps, schema_editor)

    assert not Group.objects.filter(name__in=roles_migration.ROLES).exists()
