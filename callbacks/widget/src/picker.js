// The slot picker: day and time pills, in the customer's zone.

import { h } from "./dom.js";
import { times } from "./env.js";
import { STRINGS } from "./strings.js";

/** Day and time pills for an availability answer's slots, grouped and shown in the customer's own zone. */
export class SlotPicker {
  constructor(name, onPick) {
    this.name = name;          // of its radio groups, unique in the dialog
    this.onPick = onPick;
    this.byDay = new Map();
    this.day = null;
    this.slot = null;
    this.zone = h("p", { class: "sub zone", hidden: true });
    this.days = h("div", { class: "days", role: "radiogroup", "aria-label": STRINGS.day });
    this.slots = h("div", { class: "slots", role: "radiogroup", "aria-label": STRINGS.time });
    this.status = h("p", { class: "note", "aria-live": "polite" });
    this.el = h("div", { class: "picker" }, this.zone,
      h("p", { class: "sub", text: STRINGS.day, "aria-hidden": "true" }), this.days,
      h("p", { class: "sub", text: STRINGS.time, "aria-hidden": "true" }), this.slots, this.status);
  }

  say(text) {
    this.status.textContent = text;
  }

  clear() {
    this.slot = null;
  }

  // The radio to focus when the customer must pick: the chosen day, else the first.
  focusTarget() {
    return this.days.querySelector("input:checked") || this.days.querySelector("input");
  }

  render(availability) {
    // The customer's zone: the time they will pick up the phone.
    const byDay = times.slotsByDay(availability.slots);
    this.byDay = byDay;
    this.days.replaceChildren();
    this.zone.hidden = !byDay.size;
    if (!byDay.size) {
      this.slots.replaceChildren();
      this.say(STRINGS.noTimes);
      return;
    }
    this.zone.textContent = times.timesIn();
    this.say("");
    const dayLabel = times.dayLabeler(Date.now());
    if (!byDay.has(this.day)) this.day = byDay.keys().next().value;
    for (const [key, slots] of byDay) {
      this.days.append(h("label", { class: "pill" },
        h("input", { type: "radio", name: this.name + "-day", value: key, checked: key === this.day,
                     onchange: () => { this.day = key; this.renderSlots(); } }),
        h("span", { text: dayLabel(key, slots) })));
    }
    this.renderSlots();
  }

  renderSlots() {
    this.slots.replaceChildren();
    for (const slot of this.byDay.get(this.day) || []) {
      this.slots.append(h("label", { class: "pill" },
        h("input", { type: "radio", name: this.name + "-slot", value: slot.start,
                     checked: Boolean(this.slot && this.slot.start === slot.start),
                     "aria-label": times.yourTime(slot.start),
                     onchange: () => { this.slot = slot; this.onPick(slot); } }),
        h("span", { text: times.time(new Date(slot.start)) })));
    }
  }
}
