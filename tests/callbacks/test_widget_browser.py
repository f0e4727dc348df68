"""The embeddable widget and CallbackService in a real Chromium, against the live API on another origin.

Screenshots land in test-artifacts/ (gitignored) for a human look at the widget.
"""

import datetime as dt
import json
import re
import time
import zoneinfo
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from callbacks.models import Callback, Channel, State
from queues.models import Agent
from reporting.models import WidgetEvent
from tests.browser import ARTIFACTS
from tests.factories import AgentFactory, CallbackFactory

pytestmark = pytest.mark.django_db(transaction=True)

DEMO_HOST = Path(__file__).resolve().parents[2] / "callbacks" / "demo_host"
CONSENT = "By confirming, you agree to be called back at this number about your request."


def open_dialog(page):
    page.get_by_role("button", name="Receive a Call").click()
    dialog = page.get_by_role("dialog", name="Receive a Call")
    expect(dialog).to_be_visible()
    return dialog


def settled(locator):
    """The locator once its opening animation has finished, so boxes and colours are final."""
    locator.evaluate("el => Promise.all(el.getAnimations().map((a) => a.finished))")
    return locator


def fill_contact(dialog, phone, first_name="Ada", last_name="Lovelace"):
    dialog.get_by_label("First name").fill(first_name)
    dialog.get_by_label("Last name").fill(last_name)
    dialog.get_by_label("Phone", exact=True).fill(phone)


def parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def wait_until(check, timeout=10.0):
    """Polls ``check`` (a function) until it returns something truthy; returns that."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.2)


# -- booking through the widget's UI ---------------------------------------------------------------


def test_books_an_immediate_callback(embedded_widget, host_page, new_page):
    # One agent and one customer ahead: the wait is estimated and shown.
    AgentFactory(status=Agent.Status.AVAILABLE).queues.add(embedded_widget.queue)
    CallbackFactory(queue=embedded_widget.queue, phone_number="+442079460100")
    url = host_page(embedded_widget, path="/pricing?plan=pro")
    page = new_page()
    page.goto(url)

    dialog = open_dialog(page)
    fill_contact(dialog, "020 7946 0958")
    dialog.get_by_label("Notes").fill("About my invoice")
    asap = dialog.get_by_role("radio", name=re.compile(r"^As soon as possible \d+ min wait$"))
    expect(asap).to_be_checked()
    expect(dialog).to_contain_text(CONSENT)
    page.screenshot(path=ARTIFACTS / "widget-desktop-form.png")
    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()
    expect(dialog).to_contain_text("We'll call you on 020 7946 0958 as soon as an agent is free.")
    expect(dialog).to_contain_text(re.compile(r"Estimated wait: \d+ min\."))
    expect(dialog).to_contain_text("You are number 2 in line.")
    page.screenshot(path=ARTIFACTS / "widget-desktop-confirmation.png")
    callback = Callback.objects.get(widget=embedded_widget)
    assert callback.state == State.QUEUED
    assert callback.desired_time is None
    assert callback.channel == Channel.WIDGET
    # The country picker defaulted to the browser's region (en-GB), so the national number parsed.
    assert str(callback.phone_number) == "+442079460958"
    assert (callback.first_name, callback.last_name, callback.notes) == ("Ada", "Lovelace", "About my invoice")
    assert callback.customer_timezone == "Europe/London"
    assert callback.context["page"] == url
    assert callback.context["title"] == "Acme Supplies"
    # What the customer was shown is what is recorded as their consent.
    assert callback.consent.text == CONSENT


def test_books_a_scheduled_callback_from_the_slot_picker(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    fill_contact(dialog, "020 7946 0959")
    dialog.get_by_role("radio", name="Pick a time").check()
    dialog.get_by_role("radiogroup", name="Day").get_by_role("radio", name="Tomorrow").check()
    slot = dialog.get_by_role("radiogroup", name="Time").get_by_role("radio").nth(38)
    start = slot.input_value()
    slot.check()
    page.screenshot(path=ARTIFACTS / "widget-desktop-slots.png")
    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()
    # The time is confirmed in the customer's own zone (GMT in London in winter, BST in summer).
    expect(dialog).to_contain_text("We'll call you on 020 7946 0959 at:")
    expect(dialog.locator(".when")).to_contain_text(":")
    page.screenshot(path=ARTIFACTS / "widget-desktop-scheduled.png")
    callback = Callback.objects.get(widget=embedded_widget)
    assert callback.state == State.SCHEDULED
    assert callback.desired_time == parse(start)
    london = zoneinfo.ZoneInfo("Europe/London")
    assert callback.desired_time.astimezone(london).date() == dt.datetime.now(london).date() + dt.timedelta(days=1)


def test_a_bad_phone_number_is_explained_for_the_picked_country_next_to_the_phone_field(
    embedded_widget, host_page, new_page
):
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    fill_contact(dialog, "12345")
    dialog.get_by_role("button", name="Confirm").click()

    phone = dialog.get_by_label("Phone", exact=True)
    error = dialog.locator("#cbw-e-phone_number")
    # The server asks for a country code; the customer has picked one (en-GB's), so the widget names it.
    expect(error).to_have_text("Enter a valid UK number, e.g. 07400 123456.")
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", "cbw-e-phone_number")
    expect(phone).to_be_focused()
    expect(dialog.get_by_role("alert")).to_be_hidden()  # a field error, not a banner
    page.screenshot(path=ARTIFACTS / "widget-phone-error.png")
    assert not Callback.objects.exists()

    # Typing again clears the message; a valid number then books.
    phone.fill("020 7946 0960")
    expect(error).to_be_empty()
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()


def test_a_required_field_left_empty_is_flagged_before_anything_is_sent(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.locator("#cbw-e-phone_number")).to_have_text("Enter your phone number.")
    assert page.evaluate("window.recorded.filter(e => e.name === 'CallbackService.submitted').length") == 0
    counters = page.evaluate("window.recorded.at(-1).data.metadata.counters")
    assert counters["validation_errors"] == 1


def test_a_duplicate_shows_the_servers_message_in_the_banner(embedded_widget, host_page, new_page):
    CallbackFactory(queue=embedded_widget.queue, phone_number="+442079460961")
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    fill_contact(dialog, "+44 20 7946 0961")
    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.get_by_role("alert")).to_have_text("You already have a callback booked with us.")
    assert Callback.objects.count() == 1


def test_a_rules_refusal_shows_the_servers_message_in_the_banner(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    fill_contact(dialog, "+44 909 879 0000")  # premium rate, refused on every new queue
    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.get_by_role("alert")).to_have_text(
        "We cannot call premium rate numbers; please give a landline or mobile number."
    )
    assert not Callback.objects.exists()


def test_the_image_captcha_is_answered_in_the_dialog_and_renewed_after_a_wrong_answer(
    embedded_widget, host_page, new_page
):
    from captcha.models import CaptchaStore

    embedded_widget.captcha_provider = "image"
    embedded_widget.save()
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    fill_contact(dialog, "020 7946 0965")
    image = dialog.locator(".captcha-image img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    first = CaptchaStore.objects.get()
    answer = dialog.get_by_label("Type the characters you see")
    answer.fill("wrong")
    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.locator("#cbw-e-captcha")).to_have_text("Please complete the CAPTCHA again.")
    page.screenshot(path=ARTIFACTS / "widget-captcha.png")
    assert not Callback.objects.exists()
    # The used challenge is gone and a new one is shown, with an empty answer box.
    second = wait_until(lambda: CaptchaStore.objects.exclude(pk=first.pk).first())
    expect(answer).to_have_value("")
    answer.fill(second.response)
    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()
    assert Callback.objects.get(widget=embedded_widget).state == State.QUEUED


def test_cancels_from_the_confirmation_screen(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    fill_contact(dialog, "020 7946 0962")
    dialog.get_by_role("button", name="Confirm").click()
    dialog.get_by_role("button", name="Cancel this callback").click()
    dialog.get_by_role("button", name="Yes, cancel it").click()

    expect(dialog.get_by_role("heading", name="Callback canceled")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "widget-canceled.png")
    callback = Callback.objects.get(widget=embedded_widget)
    assert callback.state == State.CANCELED
    assert callback.events.last().actor == "customer"


def test_books_on_a_phone_sized_screen_in_a_full_screen_sheet(embedded_widget, host_page, new_page):
    page = new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True)
    page.goto(host_page(embedded_widget))
    page.screenshot(path=ARTIFACTS / "widget-mobile-launcher.png")

    page.get_by_role("button", name="Receive a Call").tap()
    dialog = page.get_by_role("dialog", name="Receive a Call")
    expect(dialog).to_be_visible()
    box = settled(dialog).bounding_box()
    assert (box["x"], box["y"], box["width"], box["height"]) == (0, 0, 390, 844)
    # Half-width fields stack on a phone.
    first, last = dialog.get_by_label("First name").bounding_box(), dialog.get_by_label("Last name").bounding_box()
    assert last["y"] > first["y"]
    fill_contact(dialog, "07400 123456")
    page.screenshot(path=ARTIFACTS / "widget-mobile-form.png")
    dialog.get_by_role("button", name="Confirm").tap()

    expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "widget-mobile-confirmation.png")
    assert Callback.objects.get(widget=embedded_widget).state == State.QUEUED


def test_the_dialog_is_keyboard_accessible(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))
    launcher = page.get_by_role("button", name="Receive a Call")
    launcher.focus()
    page.keyboard.press("Enter")

    dialog = page.get_by_role("dialog", name="Receive a Call")
    expect(dialog).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    expect(dialog.get_by_label("First name")).to_be_focused()
    # Focus is trapped: backwards past the close button wraps to Confirm, and forwards again.
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Confirm")).to_be_focused()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Close")).to_be_focused()

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(launcher).to_be_focused()
    closed = page.evaluate("window.recorded.filter(e => e.name === 'CallbackService.closed').at(-1).data")
    assert closed["reason"] == "escape"
    assert closed["metadata"]["flags"]["closed"] is True


def test_the_dark_theme_and_accent_colour_come_from_the_widget(embedded_widget, host_page, new_page):
    embedded_widget.theme, embedded_widget.accent_color = "dark", "#f59e0b"
    embedded_widget.save()
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    confirm = dialog.get_by_role("button", name="Confirm")
    assert confirm.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(245, 158, 11)"
    # A light accent gets dark text, so the button stays readable.
    assert confirm.evaluate("el => getComputedStyle(el).color") == "rgb(17, 24, 39)"
    assert dialog.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(22, 27, 38)"
    # The host page's CSS (magenta, upper case, Comic Sans) does not reach into the widget.
    label = dialog.locator("label[for=cbw-f-first_name]")
    assert label.evaluate("el => getComputedStyle(el).textTransform") == "none"
    assert label.evaluate("el => getComputedStyle(el).color") != "rgb(255, 0, 255)"
    page.screenshot(path=ARTIFACTS / "widget-dark.png")


def test_the_phone_placeholder_is_an_example_number_of_the_picked_country(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))

    dialog = open_dialog(page)
    phone = dialog.get_by_label("Phone", exact=True)
    expect(phone).to_have_attribute("placeholder", "07400 123456")
    dialog.get_by_label("Country code").select_option("FR")

    expect(phone).to_have_attribute("placeholder", "06 12 34 56 78")
    expect(dialog.locator(".cc .code")).to_have_text("FR +33")
    page.screenshot(path=ARTIFACTS / "widget-phone-france.png")


# -- the customer's calling window -----------------------------------------------------------------

# The acme queue is open around the clock in UTC; its customer here is in Sydney (UTC+11 in December),
# whose default calling window is 09:00–21:00.
SYDNEY = {"timezone_id": "Australia/Sydney"}


def test_before_the_customers_calling_window_opens_times_are_offered_instead_of_now(
    embedded_widget, host_page, new_page
):
    with time_machine.travel(dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC), tick=True):  # 06:00 there
        page = new_page(**SYDNEY)
        page.goto(host_page(embedded_widget))
        dialog = open_dialog(page)

        expect(dialog.get_by_text("We can call you from 09:00 your time.")).to_be_visible()
        expect(dialog.get_by_role("radio", name=re.compile("As soon as possible"))).to_have_count(0)
        expect(dialog.get_by_text("Times shown in your time (Australia/Sydney)")).to_be_visible()
        first = dialog.get_by_role("radiogroup", name="Time").get_by_role("radio").first
        expect(first).to_have_attribute("aria-label", re.compile(r"^Wednesday 2 December at 09:00 .+ \(your time\)$"))
        page.screenshot(path=ARTIFACTS / "widget-outside-calling-window.png")


def test_asking_now_as_the_window_closes_confirms_the_servers_words_for_when_we_call(
    embedded_widget, host_page, new_page
):
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 55, tzinfo=dt.UTC), tick=True):  # 20:55 there
        page = new_page(**SYDNEY)
        page.goto(host_page(embedded_widget))
        dialog = open_dialog(page)
        dialog.get_by_label("Country code").select_option("AU")
        fill_contact(dialog, "0412 345 678")
        expect(dialog.get_by_role("radio", name=re.compile("^As soon as possible"))).to_be_checked()
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC), tick=True):  # 21:30 there
        with page.expect_response(re.compile(r"/callbacks$")) as created:
            dialog.get_by_role("button", name="Confirm").click()

        answer = created.value.json()
        assert answer["scheduled_at_opening"] is True
        expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()
        expect(dialog.locator(".done")).to_contain_text(answer["message"])
        callback = Callback.objects.get(widget=embedded_widget)
        assert callback.state == State.SCHEDULED
        # 09:00 the next morning in Sydney.
        assert callback.desired_time == dt.datetime(2026, 12, 1, 22, 0, tzinfo=dt.UTC)
        page.screenshot(path=ARTIFACTS / "widget-scheduled-at-opening.png")


def test_a_traveller_is_offered_only_the_times_callable_in_both_their_zones(embedded_widget, host_page, new_page):
    # A London number typed in a browser in Tokyo, nine hours ahead: 09:00–12:00 UTC suits both.
    with time_machine.travel(dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC), tick=True):
        page = new_page(timezone_id="Asia/Tokyo")
        page.goto(host_page(embedded_widget))
        dialog = open_dialog(page)
        dialog.get_by_role("radio", name="Pick a time").check()
        expect(dialog.get_by_role("radiogroup", name="Time").get_by_role("radio").first).to_be_visible()
        dialog.get_by_label("Country code").select_option("GB")

        with page.expect_response(lambda r: r.url.endswith("/availability") and r.request.method == "POST") as asked:
            dialog.get_by_label("Phone", exact=True).fill("020 7946 0958")
            dialog.get_by_label("Phone", exact=True).blur()

        # The number goes in the body, never the URL; every time offered is callable in London and Tokyo.
        assert "0958" not in asked.value.url and asked.value.request.post_data_json["phone_number"] == "020 7946 0958"
        starts = [parse(slot["start"]) for slot in asked.value.json()["slots"]]
        assert starts and all(dt.time(9) <= start.time() < dt.time(12) for start in starts)
        # Tomorrow starts at 18:00 in Tokyo (09:00 in London), not at Tokyo's own 09:00.
        dialog.get_by_role("radio", name=re.compile("^Tomorrow")).check()
        first = dialog.get_by_role("radiogroup", name="Time").get_by_role("radio").first
        expect(first).to_have_attribute("aria-label", re.compile(r"^Wednesday 2 December at 18:00 .+ \(your time\)$"))
        page.screenshot(path=ARTIFACTS / "widget-traveller.png")


def test_a_widget_without_scheduling_still_books_for_the_opening_when_its_queue_does(
    embedded_widget, host_page, new_page
):
    embedded_widget.offer_scheduling = False
    embedded_widget.save()
    with time_machine.travel(dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC), tick=True):  # 06:00 there
        page = new_page(**SYDNEY)
        page.goto(host_page(embedded_widget))
        dialog = open_dialog(page)
        dialog.get_by_label("Country code").select_option("AU")
        fill_contact(dialog, "0412 345 678")

        expect(dialog.get_by_text("We can call you from 09:00 your time.")).to_be_visible()
        dialog.get_by_role("button", name="Confirm").click()

        expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()
        callback = Callback.objects.get(widget=embedded_widget)
        assert callback.desired_time == dt.datetime(2026, 12, 1, 22, 0, tzinfo=dt.UTC)  # 09:00 there


# -- the customer's own callback -------------------------------------------------------------------


def storage(page):
    return page.evaluate("Object.fromEntries(Object.entries(localStorage))")


def book_now(page, widget, phone):
    """Books an immediate callback through the dialog and closes it, as a customer who is done would."""
    dialog = open_dialog(page)
    fill_contact(dialog, phone)
    dialog.get_by_role("button", name="Confirm").click()
    expect(dialog.get_by_role("heading", name="We'll call you back")).to_be_visible()
    dialog.get_by_role("button", name="Done").click()
    return Callback.objects.get(widget=widget)


def test_after_a_reload_your_callback_is_shown_and_a_confirmed_cancel_forgets_it(
    embedded_widget, host_page, live_server, new_page
):
    page = new_page()
    page.goto(host_page(embedded_widget))
    callback = book_now(page, embedded_widget, "020 7946 0966")
    # Only the id and token are kept, per widget and API base; never the number.
    stored = storage(page)
    assert list(stored) == [f"callbackService:{live_server.url}:acme-web"]
    remembered = json.loads(stored[f"callbackService:{live_server.url}:acme-web"])
    assert set(remembered) == {"id", "token"} and remembered["id"] == str(callback.public_id)

    page.reload()
    dialog = open_dialog(page)

    expect(dialog.get_by_role("heading", name="Your callback")).to_be_visible()
    expect(dialog.get_by_role("heading", name="Your callback")).to_be_focused()
    expect(dialog.locator(".facts")).to_contain_text("As soon as an agent is free")
    expect(dialog).to_contain_text("You are number 1 in line.")
    page.screenshot(path=ARTIFACTS / "widget-your-callback.png")
    dialog.get_by_role("button", name="Cancel this callback").click()
    # The confirm step, by keyboard: focus starts on the safe answer.
    expect(dialog.get_by_role("group", name="Cancel your callback? We won't call you.")).to_be_visible()
    expect(dialog.get_by_role("button", name="Keep it")).to_be_focused()
    page.screenshot(path=ARTIFACTS / "widget-your-callback-cancel.png")
    page.keyboard.press("Shift+Tab")
    expect(dialog.get_by_role("button", name="Yes, cancel it")).to_be_focused()
    page.keyboard.press("Enter")

    expect(dialog.get_by_role("heading", name="Callback canceled")).to_be_visible()
    callback.refresh_from_db()
    assert callback.state == State.CANCELED
    assert storage(page) == {}
    page.reload()
    expect(open_dialog(page).get_by_label("First name")).to_be_focused()


def test_keep_it_leaves_the_callback_booked(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))
    callback = book_now(page, embedded_widget, "020 7946 0967")

    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Cancel this callback").click()
    dialog.get_by_role("button", name="Keep it").click()

    expect(dialog.get_by_role("button", name="Cancel this callback")).to_be_focused()
    callback.refresh_from_db()
    assert callback.state == State.QUEUED


def test_your_callback_is_moved_to_another_time(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))
    callback = book_now(page, embedded_widget, "020 7946 0968")
    page.reload()

    dialog = open_dialog(page)
    dialog.get_by_role("button", name="Reschedule").click()
    expect(dialog.get_by_role("heading", name="Choose a new time")).to_be_focused()
    expect(dialog).to_contain_text("Times shown in your time (Europe/London)")
    dialog.get_by_role("radiogroup", name="Day").get_by_role("radio", name="Tomorrow").check()
    slot = dialog.get_by_role("radiogroup", name="Time").get_by_role("radio").nth(20)
    start, label = slot.input_value(), slot.get_attribute("aria-label")
    slot.check()
    page.screenshot(path=ARTIFACTS / "widget-reschedule.png")
    dialog.get_by_role("button", name="Move my callback").click()

    expect(dialog.get_by_role("heading", name="Your callback")).to_be_visible()
    expect(dialog).to_contain_text("Your callback has been moved.")
    # Said in the customer's zone, and said to be theirs.
    assert label.endswith("(your time)")
    expect(dialog.locator(".facts dd").first).to_have_text(label)
    page.screenshot(path=ARTIFACTS / "widget-rescheduled.png")
    callback.refresh_from_db()
    assert callback.state == State.SCHEDULED
    assert callback.desired_time == parse(start)


def test_a_duplicate_of_the_remembered_callback_shows_your_callback(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget))
    dialog = open_dialog(page)
    fill_contact(dialog, "020 7946 0969")
    # Meanwhile the customer books the same number in another tab of the same site.
    other = page.context.new_page()
    other.goto(page.url)
    book_now(other, embedded_widget, "020 7946 0969")

    dialog.get_by_role("button", name="Confirm").click()

    expect(dialog.get_by_role("heading", name="Your callback")).to_be_visible()
    expect(dialog.get_by_role("button", name="Cancel this callback")).to_be_visible()
    assert Callback.objects.count() == 1


# -- CallbackService alone -------------------------------------------------------------------------

DRIVE_WITH_COMMANDS = """async () => {
  const bus = window.CallbackBus;
  await bus.command("CallbackService.open", {source: "own_button"});
  const availability = await bus.command("CallbackService.availability", {days: 2, max_slots: 20});
  let refused = null;
  try {
    await bus.command("CallbackService.schedule", {phone_number: "12345", country: "GB"});
  } catch (error) {
    refused = {status: error.status, code: error.code, fields: error.fields};
  }
  const slot = availability.slots[3];
  const booked = await bus.command("CallbackService.schedule", {
    phone_number: "+44 20 7946 0963", first_name: "Grace", desired_time: slot.start, context: {plan: "pro"}});
  const status = await bus.command("CallbackService.status");
  const canceled = await bus.command("CallbackService.cancel");
  await bus.command("CallbackService.close", {reason: "done"});
  return {availability, refused, slot, booked, status, canceled};
}"""


def test_callback_service_alone_is_driven_by_bus_commands_and_publishes_its_lifecycle(
    embedded_widget, host_page, new_page
):
    page = new_page()
    page.goto(host_page(embedded_widget, ui=False))
    page.wait_for_function("window.recorded.some(e => e.name === 'CallbackService.ready')")
    assert page.locator("[data-callback-widget]").count() == 0  # no launcher, no dialog

    result = page.evaluate(DRIVE_WITH_COMMANDS)

    assert result["availability"]["immediate_available"] is True
    assert len(result["availability"]["slots"]) == 20
    assert result["refused"] == {
        "status": 400,
        "code": "invalid",
        "fields": {"phone_number": ["Enter a valid phone number with its country code, e.g. +44 20 7946 0958."]},
    }
    assert result["booked"]["state"] == "scheduled" and result["booked"]["token"]
    assert result["status"]["can_cancel"] is True
    assert result["canceled"]["state"] == "canceled"
    callback = Callback.objects.get(public_id=result["booked"]["id"])
    assert callback.state == State.CANCELED
    assert callback.desired_time == parse(result["slot"]["start"])
    assert callback.context["plan"] == "pro" and callback.context["page"].startswith("http://127.0.0.1:")

    recorded = page.evaluate("window.recorded")
    names = [event["name"].removeprefix("CallbackService.") for event in recorded]
    assert names == [
        "ready",
        "opened",
        "availability",
        "submitted",
        "error",
        "submitted",
        "scheduled",
        "canceled",
        "closed",
    ]
    metadata = [event["data"]["metadata"] for event in recorded]
    assert len({m["session"] for m in metadata}) == 1
    assert [m["sequence"] for m in metadata] == list(range(1, 10))
    ready, opened, scheduled, last = metadata[0], metadata[1], metadata[6], metadata[-1]
    assert ready["flags"] == dict.fromkeys(["opened", "submitted", "scheduled", "errored", "canceled", "closed"], False)
    assert opened["flags"]["opened"] and not opened["flags"]["submitted"]
    assert scheduled["flags"] == {
        "opened": True,
        "submitted": True,
        "scheduled": True,
        "errored": True,
        "canceled": False,
        "closed": False,
    }
    assert last["flags"] == dict.fromkeys(["opened", "submitted", "scheduled", "errored", "canceled", "closed"], True)
    assert last["counters"] == {"opens": 1, "submits": 2, "validation_errors": 1, "server_errors": 0}
    assert set(last["timestamps"]) == {
        "ready",
        "opened",
        "availability",
        "submitted",
        "error",
        "scheduled",
        "canceled",
        "closed",
    }
    stamps = {name: parse(value) for name, value in last["timestamps"].items()}
    assert stamps["ready"] <= stamps["opened"] <= stamps["submitted"] <= stamps["scheduled"] <= stamps["canceled"]
    elapsed = last["elapsed_ms"]
    assert elapsed["opened_to_submitted"] == (stamps["submitted"] - stamps["opened"]) / dt.timedelta(milliseconds=1)
    assert elapsed["submitted_to_scheduled"] >= 0 and elapsed["scheduled_to_canceled"] >= 0
    assert elapsed["since_load"] >= elapsed["since_previous"] >= 0

    # The same events reached the API in batches, with their metadata and no personal data.
    rows = wait_until(
        lambda: (
            list(WidgetEvent.objects.filter(widget=embedded_widget).order_by("metadata__sequence"))
            if WidgetEvent.objects.filter(widget=embedded_widget).count() == 9
            else None
        )
    )
    assert rows, f"events stored: {list(WidgetEvent.objects.values_list('name', flat=True))}"
    assert [row.name for row in rows] == names
    assert {row.session for row in rows} == {ready["session"]}
    stored = next(row for row in rows if row.name == "scheduled")
    assert stored.metadata["flags"] == scheduled["flags"]
    assert stored.metadata["counters"] == scheduled["counters"]
    assert stored.metadata["id"] == result["booked"]["id"]
    assert stored.occurred_at == parse(scheduled["at"])
    assert "7946" not in str([row.metadata for row in rows])


def test_other_plugins_share_the_bus(embedded_widget, host_page, new_page):
    page = new_page()
    page.goto(host_page(embedded_widget, ui=False))
    page.wait_for_function("window.CallbackBus && window.CallbackBus.hasCommand('CallbackService.open')")

    result = page.evaluate("""async () => {
      const bus = window.CallbackBus;
      const seen = [];
      // A command sent before its plugin exists waits for it.
      const early = bus.command("Chat.ping", {n: 1});
      const chat = bus.registerPlugin("Chat");
      chat.registerCommand("ping", (args) => ({pong: args.n}));
      // A subscriber that throws does not stop the next one.
      bus.subscribe("CallbackService.opened", () => { throw new Error("a buggy plugin"); });
      bus.subscribe("CallbackService.opened", (data) => seen.push(data.source));
      await chat.command("CallbackService.open", {source: "chat"});
      let unknown = null;
      try { await bus.command("CallbackService.nope"); } catch (e) { unknown = e.message; }
      return {early: await early, seen, plugins: bus.plugins(), unknown};
    }""")

    assert result["early"] == {"pong": 1}
    assert result["seen"] == ["chat"]
    assert result["plugins"] == ["CallbackService", "Chat"]
    assert result["unknown"] == "[CallbackBus] unknown command: CallbackService.nope"


# -- the demo site ---------------------------------------------------------------------------------


def demo_page(name, widget, live_server):
    html = (DEMO_HOST / name).read_text()
    assert 'src="http://127.0.0.1:8000/static/callback/v1/widget.js" data-widget-key="demo"' in html
    return html.replace("http://127.0.0.1:8000", live_server.url).replace(
        'data-widget-key="demo"', f'data-widget-key="{widget.public_key}"'
    )


def test_the_demo_site_opens_the_widget_from_its_own_button(embedded_widget, host_pages, live_server, new_page):
    page = new_page()
    page.goto(host_pages.serve("/demo.html", demo_page("index.html", embedded_widget, live_server)))
    expect(page.get_by_role("button", name="Receive a Call")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "demo-site.png")

    page.get_by_role("button", name="Request a callback").click()

    expect(page.get_by_role("dialog", name="Receive a Call")).to_be_visible()
    page.screenshot(path=ARTIFACTS / "demo-site-dialog.png")


def test_the_service_only_demo_books_and_lists_the_events(embedded_widget, host_pages, live_server, new_page):
    page = new_page()
    page.goto(host_pages.serve("/own-form.html", demo_page("service-only.html", embedded_widget, live_server)))

    page.get_by_role("button", name="Show the form").click()
    page.get_by_role("button", name="Load times").click()
    expect(page.get_by_role("status")).to_have_text("40 times available, in your time (Europe/London).")
    expect(page.get_by_role("combobox", name="Time").locator("option").nth(1)).to_have_text(
        re.compile(r"^\w{3} \d+ \w{3}, \d\d:\d\d \(your time\)$")
    )
    page.get_by_label("Phone number").fill("020 7946 0964")
    page.get_by_role("combobox", name="Time").select_option(index=2)
    page.get_by_role("button", name="Book the call").click()
    expect(page.get_by_role("status")).to_contain_text("Booked: we'll call at")
    page.get_by_role("button", name="Cancel my callback").click()
    expect(page.get_by_role("status")).to_have_text("Canceled (state canceled).")

    expect(page.locator("#log li b")).to_have_text(
        [
            "CallbackService.canceled",
            "CallbackService.scheduled",
            "CallbackService.submitted",
            "CallbackService.availability",
            "CallbackService.opened",
            "CallbackService.ready",
        ]
    )
    page.screenshot(path=ARTIFACTS / "demo-service-only.png", full_page=True)
    assert Callback.objects.get(widget=embedded_widget).state == State.CANCELED
