"""How the reports write their figures: seconds as "4 min 05 s", shares as percentages, "—" for nothing."""

from django import template

register = template.Library()

NOTHING = "—"


@register.filter
def seconds(value) -> str:
    """A wait to the second: "45 s", "4 min 05 s", "1 h 02 min 05 s"; "—" when there is none."""
    if value is None or value == "":
        return NOTHING
    hours, rest = divmod(int(value), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min {secs:02d} s"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


@register.filter
def share(value) -> str:
    """A share (0 to 1) as a whole percentage; "—" when there was nothing to measure."""
    if value is None or value == "":
        return NOTHING
    return f"{round(float(value) * 100)} %"


@register.simple_tag
def figure_value(panel, figure) -> str:
    """The panel's value of ``figure``, written for its kind."""
    value = panel.values.get(figure.key)
    if figure.kind == "seconds":
        return seconds(value)
    if figure.kind == "share":
        return share(value)
    return NOTHING if value is None else str(value)
