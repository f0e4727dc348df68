import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from callbacks import lifecycle
from callbacks.models import HELD_STATES, TERMINAL_STATES, Callback, Channel, State, Widget
from queues.models import Agent, AgentSkill, OfficeHours, QueueSkill, Skill, VirtualQueue


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("pw-for-tests")


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Skill {n}")


class QueueFactory(factory.django.DjangoModelFactory):
    """A queue open around the clock (no office hours) unless a test adds hours."""

    class Meta:
        model = VirtualQueue
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"queue-{n}")
    name = factory.LazyAttribute(lambda q: q.slug.replace("-", " ").title())
    time_zone = "UTC"

    class Params:
        # No quiet hours: its customers may be called whatever the clock says when the test runs.
        any_hour = factory.Trait(calling_window_start=dt.time(0), calling_window_end=dt.time(0))


class QueueSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = QueueSkill

    queue = factory.SubFactory(QueueFactory)
    skill = factory.SubFactory(SkillFactory)
    min_level = 1


class OfficeHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficeHours

    queue = factory.SubFactory(QueueFactory)
    weekday = 0
    opens = dt.time(9)
    closes = dt.time(17)


class AgentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agent

    user = factory.SubFactory(UserFactory)
    status = Agent.Status.AVAILABLE


class AgentSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgentSkill

    agent = factory.SubFactory(AgentFactory)
    skill = factory.SubFactory(SkillFactory)
    level = 5


def working_agent(*queues, **user_fields) -> Agent:
    """An available agent in the Agent role, serving ``queues``: someone who can use the worklist."""
    from django.contrib.auth.models import Group

    user = UserFactory(**user_fields)
    user.groups.add(Group.objects.get(name="Agent"))
    agent = AgentFactory(user=user, status=Agent.Status.AVAILABLE)
    agent.queues.add(*queues)
    return agent


def signed_in(agent: Agent):
    """A test client signed in as the agent's user."""
    from django.test import Client

    client = Client()
    client.force_login(agent.user)
    return client


class CallbackFactory(factory.django.DjangoModelFactory):
    """A callback created the way the service creates one: through the lifecycle."""

    class Meta:
        model = Callback

    queue = factory.SubFactory(QueueFactory)
    phone_number = factory.Sequence(lambda n: f"+4420794{n % 100000:05d}")
    first_name = "Ada"
    last_name = "Lovelace"
    channel = Channel.API
    desired_time = None

    @classmethod
    def _create(cls, model_class, *args, now=None, **kwargs):
        callback = model_class(*args, **kwargs)
        lifecycle.create(callback, actor=lifecycle.Actor.CUSTOMER, now=now or timezone.now())
        return callback


def forced_into(callback: Callback, state: str, *, agent: Agent | None = None) -> Callback:
    """``callback`` put in ``state`` by an UPDATE, not a move, with the fields the database requires of that state.

    For tests of one move from any state, or of what counts a finished callback; real moves go through the
    lifecycle. A held callback gets ``agent`` (a new one by default).
    """
    now = timezone.now()
    fields = {
        "state": state,
        "ended_at": now if state in TERMINAL_STATES else None,
        "reservation_expires_at": now + dt.timedelta(minutes=1) if state == State.ASSIGNED else None,
    }
    if state in HELD_STATES:
        fields |= {"agent": agent or AgentFactory(), "due_at": None}
    elif state in (State.SCHEDULED, State.RETRY_WAIT):
        fields |= {"agent": None, "due_at": callback.due_at or now + dt.timedelta(minutes=15)}
    elif state == State.QUEUED:
        fields |= {"agent": None, "due_at": None}
    # A final state keeps its agent and due time, as the lifecycle leaves them.
    Callback.objects.filter(pk=callback.pk).update(**fields)
    callback.refresh_from_db()
    return callback


class WidgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Widget
        django_get_or_create = ("public_key",)

    public_key = factory.Sequence(lambda n: f"widget-{n}")
    name = factory.LazyAttribute(lambda w: w.public_key.title())
    queue = factory.SubFactory(QueueFactory)
    allowed_origins = "https://shop.example.com"


# -- rules ----------------------------------------------------------------------------------------


class QueueRulesFactory(factory.django.DjangoModelFactory):
    """A queue's rules. Every queue already has a row (made with the queue): this sets its fields."""

    class Meta:
        model = "rules.QueueRules"

    queue = factory.SubFactory(QueueFactory)

    @classmethod
    def _create(cls, model_class, *args, queue, **fields):
        return model_class.objects.update_or_create(queue=queue, defaults=fields)[0]


class CapacityOverrideFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rules.CapacityOverride"

    rules = factory.SubFactory(QueueRulesFactory)
    weekday = None
    starts = dt.time(9)
    ends = dt.time(12)
    slot_capacity = 1


class NumberEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "rules.NumberEntry"

    rules = factory.SubFactory(QueueRulesFactory)
    kind = "deny"
    match = "prefix"
    value = "+449"


def every_api_world(*, ges_key: str) -> dict:
    """What each API's paths name: queue ``support`` with widget ``shop``, a GES key for it, and a customer's callback."""
    from callbacks import services
    from callbacks.models import ApiKey

    queue = QueueFactory(slug="support", time_zone="Europe/London")
    WidgetFactory(public_key="shop", queue=queue)
    key = ApiKey(name="Shop")
    key.set_key(ges_key)
    key.save()
    key.queues.add(queue)
    callback, token = services.callback_create(queue=queue, phone_number="+442079460958")
    return {"queue": queue, "callback": callback, "token": token}
