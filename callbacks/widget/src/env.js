// What the widget knows of the customer's browser: language, zone, a source of random ids.

import { timeFormat } from "./slots.js";

export const LOCALE = navigator.language || "en";

export function customerZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch (e) {
    return "UTC";
  }
}

export function randomId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// Every time the widget shows, in the customer's language and zone.
export const times = timeFormat(LOCALE, customerZone());
