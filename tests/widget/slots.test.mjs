// Slots and waits as the customer reads them, in their own zone, across zones and daylight-saving changes.

import assert from "node:assert/strict";
import { test } from "node:test";

import { asapWaitText, timeFormat, waitText } from "../../callbacks/widget/src/slots.js";

const london = timeFormat("en-GB", "Europe/London");
const slot = (start, capacity = 1) => ({ start, end: start, capacity });

test("a day key is the customer's calendar day, whatever the locale's order", () => {
  const instant = new Date("2026-12-02T23:30:00Z");
  assert.equal(london.dayKey(instant), "2026-12-02");
  assert.equal(timeFormat("en-US", "America/New_York").dayKey(instant), "2026-12-02");
  assert.equal(timeFormat("de-DE", "Asia/Tokyo").dayKey(instant), "2026-12-03");
  assert.equal(timeFormat("en-IN", "Asia/Kolkata").dayKey(new Date("2026-12-02T18:29:00Z")), "2026-12-02");
  assert.equal(timeFormat("en-IN", "Asia/Kolkata").dayKey(new Date("2026-12-02T18:30:00Z")), "2026-12-03");
});

test("slots are grouped by the customer's day, across the spring change, full ones left out", () => {
  // Europe/London moves to BST at 01:00 UTC on 29 March 2026: 23:30 UTC that day is 00:30 on the 30th.
  const byDay = london.slotsByDay([
    slot("2026-03-28T23:30:00Z"), slot("2026-03-29T00:30:00Z"), slot("2026-03-29T09:00:00Z", 0),
    slot("2026-03-29T22:30:00Z"), slot("2026-03-29T23:30:00Z"),
  ]);

  assert.deepEqual(Array.from(byDay.keys()), ["2026-03-28", "2026-03-29", "2026-03-30"]);
  assert.deepEqual(byDay.get("2026-03-29").map((s) => s.start), ["2026-03-29T00:30:00Z", "2026-03-29T22:30:00Z"]);
  assert.deepEqual(byDay.get("2026-03-30").map((s) => s.start), ["2026-03-29T23:30:00Z"]);
});

test("the same slots fall on other days in another zone", () => {
  const byDay = timeFormat("en-US", "America/Los_Angeles").slotsByDay([
    slot("2026-03-28T23:30:00Z"), slot("2026-03-29T09:00:00Z"),
  ]);
  assert.deepEqual(Array.from(byDay.keys()), ["2026-03-28", "2026-03-29"]);
  assert.equal(byDay.get("2026-03-28")[0].start, "2026-03-28T23:30:00Z");
});

test("a pill shows the time in the customer's zone, before and after the change", () => {
  assert.equal(london.time(new Date("2026-03-28T09:00:00Z")), "09:00");
  assert.equal(london.time(new Date("2026-03-30T09:00:00Z")), "10:00");
  assert.equal(timeFormat("en-GB", "Asia/Kolkata").time(new Date("2026-03-30T09:00:00Z")), "14:30");
});

test("a confirmed time names the customer's zone, GMT or BST, and says it is theirs", () => {
  assert.equal(london.yourTime("2026-10-24T09:00:00Z"), "Saturday 24 October at 10:00 BST (your time)");
  // The autumn change (25 October 2026, 01:00 UTC): the next morning is GMT again.
  assert.equal(london.yourTime("2026-10-26T09:00:00Z"), "Monday 26 October at 09:00 GMT (your time)");
  assert.match(timeFormat("en-US", "America/New_York").yourTime("2026-10-26T09:00:00Z"),
               /^Monday, October 26 at 05:00 AM EDT \(your time\)$/);
});

test("days are labelled Today and Tomorrow from now, the others by their first slot", () => {
  const label = london.dayLabeler(Date.parse("2026-03-28T12:00:00Z"));
  assert.equal(label("2026-03-28", [slot("2026-03-28T15:00:00Z")]), "Today");
  assert.equal(label("2026-03-29", [slot("2026-03-29T15:00:00Z")]), "Tomorrow");
  assert.equal(label("2026-03-30", [slot("2026-03-30T08:00:00Z")]), "Mon 30 Mar");
});

test("late in the evening, tomorrow is the customer's tomorrow, not the contact center's", () => {
  // 23:30 in London on 2 December is already the 3rd in Tokyo.
  const now = Date.parse("2026-12-02T23:30:00Z");
  assert.equal(london.dayLabeler(now)("2026-12-03", [slot("2026-12-03T09:00:00Z")]), "Tomorrow");
  assert.equal(timeFormat("en-GB", "Asia/Tokyo").dayLabeler(now)("2026-12-03", [slot("2026-12-03T09:00:00Z")]),
               "Today");
});

test("the zone is named for people, with spaces", () => {
  assert.equal(timeFormat("en-US", "America/Los_Angeles").timesIn(), "Times shown in your time (America/Los Angeles)");
});

test("a wait reads in minutes, or hours and minutes, and nothing when there is none to tell", () => {
  assert.equal(waitText(null), "");
  assert.equal(waitText(undefined), "");
  assert.equal(waitText(0), "");
  assert.equal(waitText(45), "less than 1 min");
  assert.equal(waitText(89), "1 min");
  assert.equal(waitText(600), "10 min");
  assert.equal(waitText(3900), "1 h 5 min");
});

test("the ASAP hint says no wait, the wait, or that it depends on the next free agent", () => {
  assert.equal(asapWaitText(0), "No wait");
  assert.equal(asapWaitText(null), "When the next agent is free");
  assert.equal(asapWaitText(600), "10 min wait");
  assert.equal(asapWaitText(30), "Less than 1 min wait");
});
