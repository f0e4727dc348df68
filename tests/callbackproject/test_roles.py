import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db.models import Q

from callbackproject import setup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
VIEW_QUEUES = {
    f"queues.view_{model}"
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
}


def permissions_of(group_name):
    group = Group.objects.get(name=group_name)
    return {
        f"{app}.{codename}" for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def member_of(group_name):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def roles_and_permissions():
    return {name: permissions_of(name) for name in setup.ROLES}


def test_migrate_creates_the_five_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {
        "Administrator",
        "Developer",
        "Supervisor",
        "Manager",
        "Agent",
    }


def test_an_agent_may_only_work_callbacks():
    assert permissions_of("Agent") == {"callbacks.work_callback"}


def test_a_developer_views_queues_and_callbacks_manages_widgets_and_api_keys_and_troubleshoots():
    assert permissions_of("Developer") == VIEW_QUEUES | {
        "callbacks.view_callback",
        "callbacks.view_callbackevent",
        "callbacks.view_troubleshooting",
        "callbacks.add_widget",
        "callbacks.change_widget",
        "callbacks.view_widget",
        "reporting.view_widgetevent",
        "callbacks.add_apikey",
        "callbacks.change_apikey",
        "callbacks.view_apikey",
        "callbacks.view_consent",
    }


def test_a_supervisor_views_queues_changes_agents_manages_callbacks_and_sees_reports():
    assert permissions_of("Supervisor") == VIEW_QUEUES | {
        "queues.change_agent",
        "callbacks.view_callback",
        "callbacks.view_callbackevent",
        "callbacks.view_consent",
        "callbacks.manage_callback",
        "reporting.view_reports",
    }


def test_a_manager_views_queues_callbacks_and_reports():
    assert permissions_of("Manager") == VIEW_QUEUES | {
        "callbacks.view_callback",
        "callbacks.view_callbackevent",
        "callbacks.view_consent",
        "reporting.view_reports",
    }


def test_an_administrator_holds_every_permission_of_the_service_and_its_provisioning_apps():
    whole_apps = Q(
        content_type__app_label__in=[
            "queues",
            "callbacks",
            "rules",
            "reporting",
            "authtoken",
            "django_celery_beat",
            "axes",
        ]
    )
    users_and_groups = Q(content_type__app_label="auth", content_type__model__in=["user", "group"])
    expected = Permission.objects.filter(whole_apps | users_and_groups)

    assert permissions_of("Administrator") == {
        f"{app}.{codename}" for app, codename in expected.values_list("content_type__app_label", "codename")
    }


def test_an_administrator_cannot_edit_permissions_themselves():
    assert not member_of("Administrator").has_perm("auth.change_permission")


def test_a_supervisor_may_manage_callbacks_but_not_add_queues():
    supervisor = member_of("Supervisor")

    assert supervisor.has_perm("callbacks.manage_callback")
    assert not supervisor.has_perm("queues.add_virtualqueue")


def test_applying_the_roles_again_restores_the_matrix():
    Group.objects.get(name="Agent").permissions.add(Permission.objects.get(codename="add_virtualqueue"))
    Group.objects.get(name="Manager").delete()

    setup.roles_apply()

    assert permissions_of("Agent") == {"callbacks.work_callback"}
    assert "reporting.view_reports" in permissions_of("Manager")


def test_a_group_of_the_administrators_own_is_left_alone():
    own = Group.objects.create(name="Night shift")
    own.permissions.add(Permission.objects.get(codename="add_virtualqueue"))

    setup.roles_apply()

    assert permissions_of("Night shift") == {"queues.add_virtualqueue"}


def test_a_typo_in_the_matrix_stops_the_apply_rather_than_grant_less(monkeypatch):
    monkeypatch.setitem(setup.ROLES, "Agent", {"callbacks": ["work_callback", "wrok_callback"]})

    with pytest.raises(LookupError, match="wrok_callback"):
        setup.roles_apply()


def test_migrating_twice_changes_nothing():
    before = roles_and_permissions()

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)

    assert roles_and_permissions() == before
    assert Group.objects.filter(name__in=setup.ROLES).count() == len(setup.ROLES)


def test_the_readmes_table_of_roles_names_the_groups_and_the_permissions_it_quotes():
    section = README.read_text().split("## Roles and permissions", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| \*\*(\w+)\*\* \| (?:yes|no) \| (.*) \|$", section, re.MULTILINE))

    assert set(rows) == set(setup.ROLES)
    for group, can in rows.items():
        quoted = set(re.findall(r"`(\w+_\w+)`", can))
        codenames = {codename.split(".", 1)[1] for codename in permissions_of(group)}
        assert quoted <= codenames, group
