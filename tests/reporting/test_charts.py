"""The report's SVG charts (reporting.charts) with plain numbers: accessible, escaped, sane at the edges."""

import re
from xml.etree import ElementTree

from reporting import charts
from reporting.charts import Bar, Series

SVG = "{http://www.w3.org/2000/svg}"
DAYS = ["1 Dec", "2 Dec", "3 Dec"]


def parsed(markup) -> ElementTree.Element:
    """The chart as XML: it must be well-formed for the browser to draw it."""
    return ElementTree.fromstring(str(markup))


def bars(**overrides):
    options = {
        "title": "How callbacks ended",
        "periods": DAYS,
        "series": [Series("Completed", [3, 0, 5]), Series("Failed", [1, None, 2])],
        "x_caption": "Day (Europe/Paris)",
        "y_title": "Callbacks",
    }
    return charts.bar_chart(**options | overrides)


def lines(**overrides):
    options = {
        "title": "True wait",
        "periods": DAYS,
        "series": [Series("Average", [60, None, 90]), Series("90th percentile", [120, None, 300])],
        "x_caption": "Day (Europe/Paris)",
        "scale": charts.seconds_scale("True wait", 300),
    }
    return charts.line_chart(**options | overrides)


def texts(svg: ElementTree.Element) -> list[str]:
    return [element.text for element in svg.iter(f"{SVG}text")]


def test_a_chart_is_an_image_with_a_title_and_a_description():
    svg = parsed(bars())

    assert svg.get("role") == "img"
    assert svg.find(f"{SVG}title").text == "How callbacks ended"
    assert "Completed: 8 in all; Failed: 3 in all" in svg.find(f"{SVG}desc").text
    title_id, desc_id = svg.get("aria-labelledby").split()
    assert svg.find(f"{SVG}title").get("id") == title_id
    assert svg.find(f"{SVG}desc").get("id") == desc_id


def test_a_chart_scales_to_the_width_it_is_given():
    svg = parsed(bars())

    assert svg.get("width") == "100%"
    assert svg.get("viewBox") == f"0 0 {charts.WIDTH} {charts.HEIGHT}"


def test_the_axes_say_their_units_and_the_zone():
    words = texts(parsed(bars()))

    assert "Day (Europe/Paris)" in words
    assert "Callbacks" in words


def test_bars_stack_the_series_of_a_period():
    svg = parsed(bars())
    rects = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    first_day = [r for r in rects if r.find(f"{SVG}title").text.startswith("1 Dec")]

    completed, failed = first_day
    assert float(failed.get("y")) + float(failed.get("height")) == float(completed.get("y"))
    assert float(completed.get("height")) == 3 * float(failed.get("height"))


def test_a_zero_draws_no_bar():
    svg = parsed(bars())
    titles = [r.find(f"{SVG}title").text for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]

    assert not [title for title in titles if title.startswith("2 Dec")]


def test_the_count_axis_ends_on_a_round_number_above_the_largest_stack():
    scale = charts.count_scale("Callbacks", 7)

    assert scale.top == 8
    assert list(scale.ticks) == [0, 2, 4, 6, 8]


def test_no_data_says_so_instead_of_an_empty_axis():
    svg = parsed(bars(series=[Series("Completed", [0, 0, 0])]))

    assert texts(svg) == ["No callbacks in this period"]
    assert svg.get("role") == "img"


def test_a_line_chart_without_any_value_says_so():
    svg = parsed(lines(series=[Series("Average", [None, None, None])]))

    assert texts(svg) == ["No callbacks in this period"]


def test_a_missing_value_breaks_the_line_instead_of_dropping_to_zero():
    svg = parsed(lines(periods=DAYS + ["4 Dec"], series=[Series("Average", [60, 70, None, 90])]))

    polylines = list(svg.iter(f"{SVG}polyline"))
    assert len(polylines) == 1
    assert len(polylines[0].get("points").split()) == 2


def test_one_period_shows_as_a_dot():
    svg = parsed(lines(periods=["1 Dec"], series=[Series("Average", [75])]))

    assert [c.find(f"{SVG}title").text for c in svg.iter(f"{SVG}circle")] == ["1 Dec: average 1 min 15 s"]
    assert not list(svg.iter(f"{SVG}polyline"))


def test_one_period_draws_one_bar_in_the_middle():
    svg = parsed(bars(periods=["1 Dec"], series=[Series("Completed", [4])]))
    (bar,) = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]

    middle = float(bar.get("x")) + float(bar.get("width")) / 2
    assert middle == charts.LEFT + (charts.WIDTH - charts.LEFT - charts.RIGHT) / 2


def test_the_seconds_axis_counts_in_the_unit_its_title_names():
    scale = charts.seconds_scale("True wait", 300)

    assert scale.title == "True wait (minutes)"
    assert [scale.write(t) for t in scale.ticks] == ["0", "1", "2", "3", "4", "5"]


def test_long_waits_are_counted_in_hours():
    scale = charts.seconds_scale("True wait", 4 * 3600 + 900)

    assert scale.title == "True wait (hours)"
    assert [scale.write(t) for t in scale.ticks] == ["0", "1", "2", "3", "4", "5"]


def test_a_wait_is_said_in_minutes_and_seconds():
    assert [charts.write_seconds(s) for s in (45, 60, 75, 5400)] == ["45 s", "1 min", "1 min 15 s", "1 h 30 min"]


def test_the_share_axis_reads_in_percent():
    scale = charts.share_scale("Scheduled callbacks")

    assert scale.title == "Scheduled callbacks (%)"
    assert [scale.write(t) for t in scale.ticks] == ["0 %", "25 %", "50 %", "75 %", "100 %"]


def test_lines_after_the_first_are_dashed_so_coinciding_lines_stay_apart():
    svg = parsed(lines(series=[Series("Average", [60, 70, 90]), Series("90th percentile", [60, 70, 90])]))

    assert [p.get("stroke-dasharray") for p in svg.iter(f"{SVG}polyline")] == ["none", "7 4"]


def test_a_month_by_hour_draws_thin_bars_and_sparse_ticks():
    hours = [f"{day} Dec {hour:02d}:00" for day in range(1, 32) for hour in range(24)]
    svg = parsed(bars(periods=hours, series=[Series("Completed", [1 + n % 5 for n in range(744)])]))

    drawn = [r for r in svg.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(drawn) == 744
    assert all(0 < float(r.get("width")) < 1.2 for r in drawn)
    ticks = [t for t in texts(svg) if re.fullmatch(r"\d+ Dec \d\d:00", t or "")]
    assert 3 <= len(ticks) <= 12
    assert {t[-5:] for t in ticks} == {"00:00"}


def test_every_label_is_escaped():
    markup = str(
        bars(
            title="<script>alert(1)</script>",
            periods=["<b>1</b>"],
            series=[Series("A & B", [1])],
            x_caption='Day "x"',
        )
    )

    assert "<script>" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup and "A &amp; B" in markup
    parsed(markup)


def test_horizontal_bars_are_as_long_as_their_values():
    svg = parsed(
        charts.horizontal_bar_chart(
            title="Widget funnel",
            bars=[Bar("Opened", 10), Bar("Submitted", 5, "50 % of the previous step")],
            unit="page views",
        )
    )
    opened, submitted = [r for r in svg.iter(f"{SVG}rect")]

    assert float(opened.get("width")) == 2 * float(submitted.get("width"))
    assert "5 page views (50 % of the previous step)" in texts(svg)


def test_horizontal_bars_without_values_say_so():
    svg = parsed(charts.horizontal_bar_chart(title="Dials per agent", bars=[], unit="dials", empty="No dials"))

    assert texts(svg) == ["No dials"]


def test_a_value_alone_between_gaps_keeps_its_dot_among_many_periods():
    hours = [f"{hour:02d}:00" for hour in range(200)]
    values = [None] * 200
    values[50], values[120], values[121] = 60, 90, 95
    svg = parsed(lines(periods=hours, series=[Series("Average", values)]))

    assert [c.find(f"{SVG}title").text for c in svg.iter(f"{SVG}circle")] == ["50:00: average 1 min"]
    assert len(list(svg.iter(f"{SVG}polyline"))) == 1


def test_a_long_label_is_shortened_on_the_bar_and_kept_whole_in_the_description():
    name = "Maria-Fernanda de los Santos Rodríguez-Villanueva"
    svg = parsed(charts.horizontal_bar_chart(title="Dials per agent", bars=[Bar(name, 3)], unit="dials"))

    label = texts(svg)[0]
    assert label.endswith("…") and len(label) <= (charts.LABEL_ROOM - 16) / charts.CHAR
    assert name in svg.find(f"{SVG}desc").text
