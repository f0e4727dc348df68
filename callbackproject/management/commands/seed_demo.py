"""Demo data to try the service with: a user for every role, two queues, three agents, a few callbacks.

Running it again puts the demo users, queues and agents back to their demo
settings and passwords; the demo callbacks are only added once.
"""

import datetime as dt
import random
import zoneinfo

import phonenumbers
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from callbacks import lifecycle
from callbacks.models import ApiKey, Callback, Channel, Outcome, Widget
from queues import calling, hours
from queues.models import Agent, AgentSkill, OfficeHours, QueueSkill, Skill, VirtualQueue
from reporting.models import WidgetEvent
from rules.models import DEFAULT_REFUSED_TYPES, GlobalRules, QueueRules

Actor = lifecycle.Actor
BASE_URL = "http://127.0.0.1:8000"
MIDNIGHT = dt.time(0)

SKILLS = {
    "General": "Questions about products, orders and accounts.",
    "Billing": "Invoices, payments and refunds.",
}

QUEUES = {
    "support": {
        "name": "Customer support",
        "time_zone": "Europe/London",
        "requires": {"General": 1},
        # Explicit rather than "no hours": the admin then shows what open around the clock means.
        "hours": [(day, MIDNIGHT, MIDNIGHT) for day in range(7)],
        "rules": {
            "slot_capacity": 5,
            "daily_capacity": 300,
            "max_open_across_queues": 2,
            "max_requests_per_day": 5,
            "offer_max_waiting": 25,
        },
    },
    "billing": {
        "name": "Billing",
        "time_zone": "America/New_York",
        "requires": {"Billing": 3},
        "hours": [(day, dt.time(9), dt.time(17)) for day in range(5)],
        "rules": {
            "slot_capacity": 3,
            "daily_capacity": 60,
            "max_open_across_queues": 2,
            "max_requests_per_day": 5,
            "immediate_cutoff_minutes": 15,
            "country_policy": "allow",
            "countries": "CA, US",
        },
        # Friday afternoons are short-staffed: one callback a slot.
        "capacity_overrides": [(4, dt.time(15), dt.time(17), 1)],
    },
}

# username: (role, first name, last name, staff: works in the Django admin)
USERS = {
    "admin": ("Administrator", "Ada", "Admin", True),
    "developer": ("Developer", "Dev", "Eloper", True),
    "supervisor": ("Supervisor", "Sam", "Super", False),
    "manager": ("Manager", "Mia", "Manning", False),
    "agent1": ("Agent", "Alice", "Archer", False),
    "agent2": ("Agent", "Bob", "Baker", False),
    "agent3": ("Agent", "Chloe", "Carter", False),
}

# username: (skill levels, queues served)
AGENTS = {
    "agent1": ({"General": 8, "Billing": 7}, ["support", "billing"]),
    "agent2": ({"General": 6, "Billing": 4}, ["support", "billing"]),
    "agent3": ({"General": 5}, ["support"]),
}


# Finished days of made-up traffic, so the reports have something to show.
HISTORY_DAYS = 14

DEMO_ORIGINS = ["http://localhost:8001", "http://127.0.0.1:8001"]
DEMO_GES_KEY = "demo-ges-key"


def example_number(region: str, kind=phonenumbers.PhoneNumberType.FIXED_LINE) -> str:
    """A valid number that reaches nobody: the numbering plan's own example."""
    number = phonenumbers.example_number_for_type(region, kind)
    assert number is not None  # the seeded regions all have one
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class Command(BaseCommand):
    help = "Create (or restore) demo users, queues, agents and callbacks. Never run it on a production server."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo1234", help="Password of every demo user (default: demo1234).")

    @transaction.atomic
    def handle(self, *args, password, **options):
        skills = {
            name: Skill.objects.update_or_create(name=name, defaults={"description": text})[0]
            for name, text in SKILLS.items()
        }
        queues = {slug: self.queue(slug, spec, skills) for slug, spec in QUEUES.items()}
        GlobalRules.objects.update_or_create(pk=1, defaults={"country_policy": "any", "countries": ""})
        users = {username: self.user(username, spec, password) for username, spec in USERS.items()}
        agents = {
            username: self.agent(users[username], levels, [queues[slug] for slug in served], skills)
            for username, (levels, served) in AGENTS.items()
        }

        support = queues["support"]
        Widget.objects.update_or_create(
            public_key="demo",
            defaults={
                "name": "Demo widget",
                "queue": support,
                "active": True,
                "offer_scheduling": True,
                "captcha_provider": Widget.Captcha.NONE,
                "accent_color": "#1b7a4b",
                "allowed_origins": "\n".join(DEMO_ORIGINS),
            },
        )
        self.ges_key(support)
        if Callback.objects.filter(queue=support, context__demo=True).exists():
            self.stdout.write("Demo callbacks already exist; left as they are.")
        else:
            self.callbacks(support, agents["agent1"])
            for slug, queue in queues.items():
                self.history(queue, [agents[name] for name, (_, served) in AGENTS.items() if slug in served])
            self.stdout.write(f"Created the demo callbacks and {HISTORY_DAYS} days of history for the reports.")
        self.summary(password)

    def queue(self, slug, spec, skills) -> VirtualQueue:
        queue, _ = VirtualQueue.objects.update_or_create(
            slug=slug, defaults={"name": spec["name"], "time_zone": spec["time_zone"], "active": True}
        )
        if sorted(queue.office_hours.values_list("weekday", "opens", "closes")) != sorted(spec["hours"]):
            queue.office_hours.all().delete()
            OfficeHours.objects.bulk_create(
                OfficeHours(queue=queue, weekday=day, opens=opens, closes=closes)
                for day, opens, closes in spec["hours"]
            )
            hours.calendar_changed(queue_id=queue.pk)  # bulk_create sends no signal
        for name, level in spec["requires"].items():
            QueueSkill.objects.update_or_create(queue=queue, skill=skills[name], defaults={"min_level": level})
        queue.required_skills.exclude(skill__name__in=spec["requires"]).delete()
        # Every rule back to its default, then the demo's own; premium rate and shared cost stay refused.
        defaults = {
            field.name: field.get_default()
            for field in QueueRules._meta.concrete_fields
            if not (field.primary_key or field.name in ("queue", "created_at", "updated_at"))
        }
        rules, _ = QueueRules.objects.update_or_create(
            queue=queue, defaults=defaults | {"refused_number_types": list(DEFAULT_REFUSED_TYPES), **spec["rules"]}
        )
        overrides = spec.get("capacity_overrides", [])
        current = rules.capacity_overrides.values_list("weekday", "starts", "ends", "slot_capacity")
        if sorted(current) != sorted(overrides):
            rules.capacity_overrides.all().delete()
            for weekday, starts, ends, capacity in overrides:
                rules.capacity_overrides.create(weekday=weekday, starts=starts, ends=ends, slot_capacity=capacity)
        return queue

    def ges_key(self, queue: VirtualQueue) -> None:
        """The key of the Genesys-compatible API, on the support queue, usable from the demo site."""
        key = ApiKey(name="Demo GES key")
        key.set_key(DEMO_GES_KEY)
        key, _ = ApiKey.objects.update_or_create(
            key_digest=key.key_digest,
            defaults={
                "name": key.name,
                "key_prefix": key.key_prefix,
                "active": True,
                "allowed_origins": "\n".join(DEMO_ORIGINS),
                "default_country": "GB",
            },
        )
        key.queues.set([queue])

    def user(self, username, spec, password):
        role, first_name, last_name, staff = spec
        user, _ = get_user_model().objects.update_or_create(
            username=username,
            defaults={
                "first_name": first_name,
                "last_name": last_name,
                "email": f"{username}@example.com",
                "is_staff": staff,
                "is_superuser": False,
                "is_active": True,
            },
        )
        user.set_password(password)
        user.save(update_fields=["password"])
        # get_or_create: works even where migrate has not applied the roles (callbackproject/setup.py), as on a
        # database migrated only part of the way.
        user.groups.set([Group.objects.get_or_create(name=role)[0]])
        return user

    def agent(self, user, levels, queues, skills) -> Agent:
        agent, _ = Agent.objects.get_or_create(user=user)
        for name, level in levels.items():
            AgentSkill.objects.update_or_create(agent=agent, skill=skills[name], defaults={"level": level})
        agent.skill_levels.exclude(skill__name__in=levels).delete()
        agent.queues.set(queues)
        return agent

    def callbacks(self, queue: VirtualQueue, agent: Agent) -> None:
        """One callback in each interesting state, moved only by the state machine so its events exist.

        Times are spread over the last minutes so waits and handling times show.
        """
        now = timezone.now()

        def ago(minutes):
            return now - dt.timedelta(minutes=minutes)

        def new(
            region,
            first_name,
            last_name,
            page,
            minutes_ago,
            kind=phonenumbers.PhoneNumberType.FIXED_LINE,
            waiting=False,
            **fields,
        ):
            callback = Callback(
                queue=queue,
                phone_number=example_number(region, kind),
                first_name=first_name,
                last_name=last_name,
                channel=Channel.WIDGET,
                context={"page": page, "demo": True},
                **fields,
            )
            # As the service books them: one left waiting that was asked for outside the customer's
            # calling hours waits for the opening, so a demo started at night promises nothing it cannot keep.
            asked = ago(minutes_ago)
            reach = calling.reach(
                queue,
                **calling.booking_fields(
                    queue, customer_timezone=callback.customer_timezone, phone_number=callback.phone_number
                ),
            )
            at_opening = waiting and callback.desired_time is None and not calling.is_callable(reach, asked)
            if at_opening:
                callback.desired_time = calling.next_callable(reach, asked)
            lifecycle.create(
                callback, actor=Actor.CUSTOMER, now=asked, reason=lifecycle.SCHEDULED_AT_OPENING if at_opening else ""
            )
            return callback

        def work(callback, assigned_ago, started_ago):
            lifecycle.assign(callback, agent=agent, user=agent.user, now=ago(assigned_ago))
            lifecycle.start(callback, user=agent.user, now=ago(started_ago))

        new("GB", "Oliver", "Smith", "/pricing", 6, waiting=True, customer_timezone="Europe/London")
        new(
            "FR",
            "Camille",
            "Martin",
            "/contact",
            2,
            kind=phonenumbers.PhoneNumberType.MOBILE,
            waiting=True,
            customer_timezone="Europe/Paris",
            notes="Question about a delivery.",
        )

        # Tomorrow 10:00 in New York: a time she may be called at, as a booking through the rules would be.
        new_york = zoneinfo.ZoneInfo("America/New_York")
        tomorrow = now.astimezone(new_york).date() + dt.timedelta(days=1)
        new(
            "US",
            "Emma",
            "Johnson",
            "/plans/business",
            1,
            customer_timezone="America/New_York",
            desired_time=dt.datetime.combine(tomorrow, dt.time(10), tzinfo=new_york),
        )

        completed = new("GB", "Harry", "Jones", "/pricing", 50, kind=phonenumbers.PhoneNumberType.MOBILE)
        work(completed, 20, 19)
        lifecycle.complete(completed, user=agent.user, now=ago(12))

        canceled = new("FR", "Louis", "Bernard", "/help/returns", 30)
        lifecycle.cancel(canceled, actor=Actor.CUSTOMER, reason="customer_request", now=ago(25))

        # Retried a few minutes ago, so it is still waiting when the demo opens.
        retrying = new("US", "Liam", "Brown", "/checkout", 10, kind=phonenumbers.PhoneNumberType.MOBILE)
        work(retrying, 6, 5)
        lifecycle.retry(
            retrying,
            outcome=Outcome.NO_ANSWER,
            user=agent.user,
            now=ago(3),
            due_at=ago(3) + dt.timedelta(minutes=queue.retry_delay_minutes),
        )

    def history(self, queue: VirtualQueue, agents: list[Agent]) -> None:
        """Past days of callbacks through the state machine, with the widget steps that led to them.

        Seeded, so every demo shows the same figures: most callbacks connected on the first attempt
        within minutes, some scheduled and dialled around their time, a few retried, failed, canceled
        or expired. Only within the queue's office hours, in its own zone.
        """
        rng = random.Random(queue.slug)
        widget = Widget.objects.filter(queue=queue).first()
        today = timezone.now().astimezone(queue.time_zone).date()
        for back in range(HISTORY_DAYS, 0, -1):
            day = today - dt.timedelta(days=back)
            ranges = hours.open_ranges(queue, day)
            if not ranges:
                continue
            opens, closes = ranges[0]
            for _ in range(rng.randint(12, 30)):
                asked = opens + (closes - opens - dt.timedelta(hours=1)) * rng.random()
                self.past_callback(queue, rng.choice(agents), asked, rng, widget)

    def past_callback(self, queue, agent, asked, rng, widget) -> None:
        minutes = dt.timedelta(minutes=1)
        scheduled = rng.random() < 0.3
        callback = Callback(
            queue=queue,
            phone_number=example_number(rng.choice(["GB", "FR", "US", "CA"])),
            first_name="Demo",
            last_name="Customer",
            channel=Channel.WIDGET if widget and rng.random() < 0.7 else Channel.API,
            widget=widget,
            context={"demo_history": True},
            desired_time=asked + rng.randint(30, 50) * minutes if scheduled else None,
        )
        if callback.channel == Channel.WIDGET:
            session = f"demo-{rng.getrandbits(48):x}"
            steps = ["opened", "submitted", "scheduled"]
            WidgetEvent.objects.bulk_create(
                WidgetEvent(widget=widget, session=session, name=name, occurred_at=asked - (3 - i) * minutes)
                for i, name in enumerate(steps)
            )
        else:
            callback.widget = None
        lifecycle.create(callback, actor=Actor.CUSTOMER, now=asked)
        at = callback.desired_time or asked
        if scheduled:
            lifecycle.release(callback, now=at)
        fate = rng.random()
        if fate < 0.04:
            lifecycle.cancel(callback, actor=Actor.CUSTOMER, reason="customer_request", now=at + 2 * minutes)
            return
        if fate < 0.06:
            lifecycle.cancel(callback, actor=Actor.STAFF, reason="Duplicate request", now=at + 3 * minutes)
            return
        if fate < 0.08:
            lifecycle.expire(callback, reason="max_wait_exceeded", now=callback.expires_at)
            return
        # Dialled within a few minutes of being due; a scheduled one sometimes a little early.
        dialled = at + rng.uniform(-2 if scheduled else 0.5, 9) * minutes
        lifecycle.assign(callback, agent=agent, user=agent.user, now=dialled - 0.5 * minutes)
        lifecycle.start(callback, user=agent.user, now=dialled)
        if fate < 0.2:
            retry_at = dialled + queue.retry_delay_minutes * minutes
            lifecycle.retry(
                callback, outcome=Outcome.NO_ANSWER, user=agent.user, now=dialled + minutes, due_at=retry_at
            )
            lifecycle.release(callback, now=retry_at)
            if fate < 0.11:
                lifecycle.expire(callback, reason="max_wait_exceeded", now=max(retry_at, callback.expires_at))
                return
            lifecycle.assign(callback, agent=agent, user=agent.user, now=retry_at + minutes)
            dialled = retry_at + 1.5 * minutes
            lifecycle.start(callback, user=agent.user, now=dialled)
            if fate < 0.14:
                lifecycle.fail(
                    callback,
                    reason="wrong_number",
                    outcome=Outcome.WRONG_NUMBER,
                    user=agent.user,
                    now=dialled + minutes,
                )
                return
        lifecycle.complete(callback, user=agent.user, now=dialled + rng.uniform(2, 9) * minutes)

    def summary(self, password) -> None:
        rows = [("Username", "Role", "Password")] + [(name, role, password) for name, (role, *_) in USERS.items()]
        width = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            "",
            "Demo ready:",
            f"  Service   {BASE_URL}/",
            f"  Worklist  {BASE_URL}/agent/   (agent1, agent2, agent3)",
            f"  Manage    {BASE_URL}/manage/   (supervisor, manager, developer, admin)",
            f"  Reports   {BASE_URL}/reports/live/ and /reports/   (supervisor, manager, admin)",
            f"  Admin     {BASE_URL}/admin/   (admin, developer)",
            f"  API docs  {BASE_URL}/api/docs/",
            f"  Widget    {DEMO_ORIGINS[0]}/   (a demo site embedding the widget with key 'demo')",
            f"  GES API   {BASE_URL}/engagement/v3/   (x-api-key: {DEMO_GES_KEY}, serviceName: support)",
            "",
        ]
        for i, row in enumerate(rows):
            lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, width, strict=False)).rstrip())
            if i == 0:
                lines.append("  " + "  ".join("-" * w for w in width))
        lines.append("")
        self.stdout.write("\n".join(lines))
