"""Small formatting filters for the service's pages."""

import json

from django import template

register = template.Library()


@register.filter
def duration(seconds) -> str:
    """A wait as people say it: "under a minute", "7 min", "1 h 05 min"; "—" when unknown."""
    if seconds is None or seconds == "":
        return "—"
    minutes = int(seconds) // 60
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@register.filter
def journey_value(value) -> str:
    """A value of a callback's journey context: text as it is, anything nested as the JSON the widget sent."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
