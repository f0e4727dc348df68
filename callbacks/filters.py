"""The callbacks list's filters and pages, shared by the management page and the staff API."""

import datetime as dt
import re

import django_filters
import phonenumbers
from django import forms
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.utils.urls import remove_query_param

from queues.models import VirtualQueue
from queues.selectors import queues_visible_to

from .models import Callback, Channel, State


def visible_queues(request):
    return queues_visible_to(request.user) if request else VirtualQueue.objects.none()


class CallbackFilter(django_filters.FilterSet):
    # distinct=False: a callback has one queue and one state, so no row is met twice, and a DISTINCT would
    # sort every match before the first page could be read from the list's index.
    queue = django_filters.ModelChoiceFilter(
        queryset=visible_queues, to_field_name="slug", empty_label="All queues", label="Queue", distinct=False
    )
    state = django_filters.MultipleChoiceFilter(
        choices=State.choices, label="State", widget=forms.CheckboxSelectMultiple, distinct=False
    )
    channel = django_filters.ChoiceFilter(choices=Channel.choices, empty_label="All channels", label="Channel")
    created_from = django_filters.DateFilter(
        method="filter_created_from", label="Requested from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = django_filters.DateFilter(
        method="filter_created_to", label="Requested until", widget=forms.DateInput(attrs={"type": "date"})
    )
    flagged = django_filters.BooleanFilter(
        label="Flagged for supervisors",
        widget=forms.Select(choices=[("", "Any"), ("true", "Flagged only"), ("false", "Not flagged")]),
    )

    class Meta:
        model = Callback
        fields = ["queue", "state", "channel", "created_from", "created_to", "flagged"]

    # Days as ranges of created_at, so the list's index reads only them: created_at__date casts every row it
    # meets, and a list reaching back to an old day would read the whole newer history to get there.
    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=day_start(value))

    def filter_created_to(self, queryset, name, value):
        return queryset.filter(created_at__lt=day_start(value + dt.timedelta(days=1)))


def day_start(day: dt.date) -> dt.datetime:
    """Midnight starting ``day`` in the current time zone, the one created_at__date compares in."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


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


OLDEST_FIRST = ("created_at", "id")


class CallbackCursorPagination(CursorPagination):
    """Pages of a callbacks list, newest first, by cursor: the staff API's, and the management page's through it.

    No page counts the list, and a page is one range of an index ordered like the list (callback_newest, or
    callback_queue_newest and callback_open_newest under a queue or open states) however deep it is. DRF's
    own cursor holds the first ordering field alone and steps over rows sharing it with an offset, capped at
    offset_cutoff and skipping rows when a walk turns back; this one holds the whole key, created_at and id,
    which is unique: no offset, and every row is on exactly one page whichever way it is walked.
    """

    ordering = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        key = self.key(self.cursor.position) if self.cursor and self.cursor.position else None
        back = bool(self.cursor and self.cursor.reverse)  # toward the newer callbacks
        if key:
            queryset = queryset.filter(beyond(*key, newer=back))
        queryset = queryset.order_by(*(OLDEST_FIRST if back else self.ordering))
        rows = list(queryset[: self.page_size + 1])  # one more tells whether a page follows
        self.page = rows[: self.page_size][::-1] if back else rows[: self.page_size]
        more = len(rows) > self.page_size
        self.has_next = bool(self.page) and (more or back)
        # A cursor past every row (the rest went meanwhile) still leads back, to the newest.
        self.has_previous = (more if back else key is not None) or (key is not None and not self.page)
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def get_next_link(self):
        return self.link(self.page[-1], back=False) if self.has_next else None

    def get_previous_link(self):
        if not self.has_previous:
            return None
        return (
            self.link(self.page[0], back=True)
            if self.page
            else remove_query_param(self.base_url, self.cursor_query_param)
        )

    def link(self, callback, *, back: bool) -> str:
        position = f"{callback.created_at.isoformat()}|{callback.pk}"
        # The stubs type a position as an int; DRF carries any text (its own stringified field values).
        return self.encode_cursor(Cursor(offset=0, reverse=back, position=position))  # type: ignore[arg-type]

    def key(self, position: str) -> tuple[dt.datetime, int]:
        created_at, _, pk = position.rpartition("|")
        try:
            key = dt.datetime.fromisoformat(created_at), int(pk)
        except ValueError:
            raise NotFound(self.invalid_cursor_message) from None
        if key[0].tzinfo is None:
            raise NotFound(self.invalid_cursor_message)
        return key


def beyond(created_at: dt.datetime, pk: int, *, newer: bool) -> Q:
    """The callbacks after (created_at, pk) in the newest-first order, or before it when ``newer``.

    The bound on created_at alone is where the index scan starts; the rest sorts out equal times by id.
    """
    op = "gt" if newer else "lt"
    return Q(**{f"created_at__{op}e": created_at}) & (
        Q(**{f"created_at__{op}": created_at}) | Q(created_at=created_at, **{f"pk__{op}": pk})
    )
