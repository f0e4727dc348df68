// The customer's open callback, remembered across reloads and tabs.

import { options } from "./options.js";

/*
 * The id and token of the customer's open callback, so a reload (or another tab) can still show,
 * cancel or move it. One per widget key and API base, in localStorage; forgotten when the callback
 * ends. Where storage is refused (some privacy modes, sandboxed frames) it lasts for the page.
 */
export const TERMINAL_STATES = ["completed", "failed", "canceled", "expired"];
const pageMemory = new Map();

export const storedCallback = {
  key() {
    return "callbackService:" + options.apiBase + ":" + options.widgetKey;
  },
  get() {
    try {
      const value = JSON.parse(localStorage.getItem(this.key()) || "null");
      return value && value.id && value.token ? value : null;
    } catch (e) {
      return pageMemory.get(this.key()) || null;
    }
  },
  set(id, token) {
    pageMemory.set(this.key(), { id, token });
    try {
      localStorage.setItem(this.key(), JSON.stringify({ id, token }));
    } catch (e) {
      // Storage refused: the page's memory holds it.
    }
  },
  forget(id) {
    const stored = this.get();
    if (id && stored && stored.id !== id) return;  // another callback, booked since
    pageMemory.delete(this.key());
    try {
      localStorage.removeItem(this.key());
    } catch (e) {
      // Storage refused: nothing was kept there.
    }
  },
};
