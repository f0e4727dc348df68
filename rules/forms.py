from django import forms

from .models import NUMBER_TYPES, QueueRules


class QueueRulesForm(forms.ModelForm):
    """A queue's rules, with the refused number types as checkboxes; used by the admin and the rules page."""

    refused_number_types = forms.MultipleChoiceField(
        label="refused number types",
        choices=NUMBER_TYPES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=QueueRules._meta.get_field("refused_number_types").help_text,
    )

    class Meta:
        model = QueueRules
        fields: str | list[str] = "__all__"


class QueueRulesPageForm(QueueRulesForm):
    """The same on the rules page, where the queue is given by the URL."""

    class Meta(QueueRulesForm.Meta):
        fields = [
            "slot_capacity",
            "daily_capacity",
            "country_policy",
            "countries",
            "refused_number_types",
            "max_open_across_queues",
            "max_requests_per_day",
            "immediate_cutoff_minutes",
            "offer_min_ewt_minutes",
            "offer_max_waiting",
        ]
