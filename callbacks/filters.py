"""The callbacks list's filters, shared by the management page and the staff API."""

import re

import django_filters
import phonenumbers
from django import forms

from queues.models import VirtualQueue
from queues.selectors import queues_visible_to

from .models import Callback, Channel, State


def visible_queues(request):
    return queues_visible_to(request.user) if request else VirtualQueue.objects.none()


class CallbackFilter(django_filters.FilterSet):
    queue = django_filters.ModelChoiceFilter(
        queryset=visible_queues, to_field_name="slug", empty_label="All queues", label="Queue"
    )
    state = django_filters.MultipleChoiceFilter(
        choices=State.choices, label="State", widget=forms.CheckboxSelectMultiple
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, empty_label="All channels", label="Channel")
    created_from = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__gte",
        label="Requested from",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    created_to = django_filters.DateFilter(
        field_name="created_at",
        lookup_expr="date__lte",
        label="Requested until",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    flagged = django_filters.BooleanFilter(
        label="Flagged for supervisors",
        widget=forms.Select(choices=[("", "Any"), ("true", "Flagged only"), ("false", "Not flagged")]),
    )

    class Meta:
        model = Callback
        fields = ["queue", "state", "channel", "created_from", "created_to", "flagged"]


class CallbackSearch(CallbackFilter):
    """The same filters and a phone number, read from a POST body only: a number in a URL ends up in
    access logs and referrers."""

    phone = django_filters.CharFilter(
        method="filter_phone", label="Phone number", max_length=32, help_text="All of it, or some of its digits."
    )

    class Meta(CallbackFilter.Meta):
        fields = [*CallbackFilter.Meta.fields, "phone"]

    def filter_phone(self, queryset, name, value):
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_possible_number(number):
            return queryset.filter(phone_number=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        # Numbers are stored in E.164, without the national trunk prefix: a
        # search for "020 7946 0958" must look for "2079460958".
        digits = re.sub(r"\D", "", value).lstrip("0")
        if not digits:
            return queryset.none()
        return queryset.filter(phone_number__contains=digits)
