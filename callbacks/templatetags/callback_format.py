"""Small formatting filters and tags for the service's pages."""

import datetime as dt
import json
import zoneinfo

from django import template
from django.utils import timezone
from django.utils.formats import date_format

from ..reasons import reason_label

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


@register.simple_tag
def zoned(
    instant: dt.datetime | None, zone: zoneinfo.ZoneInfo | str | None = None, fmt: str = "H:i", short: bool = False
) -> str:
    """``instant`` as clocks in ``zone`` read it, saying which zone: "16:34 EST (America/New_York)".

    The one way pages show a time. Formatted here from the zoned value itself:
    Django's ``date`` filter would first turn it back into the page's current
    zone. ``short`` leaves the zone's name out ("16:34 EST"), for table cells
    under a heading that names it. Without a zone, the current one (a
    ``{% timezone %}`` block's, else the server's). "—" without an instant.
    """
    if not instant:
        return "—"
    if isinstance(zone, str):
        zone = zoneinfo.ZoneInfo(zone)
    zone = zone or timezone.get_current_timezone()
    local = instant.astimezone(zone)
    abbreviation, name = local.tzname(), str(zone)
    text = f"{date_format(local, fmt)} {abbreviation}"
    return text if short or name == abbreviation else f"{text} ({name})"


register.filter("reason", reason_label)
