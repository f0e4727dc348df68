// The interaction lifecycle: the funnel steps of one page view, and their delivery to the API.

import { options } from "./options.js";

/*
 * Where the customer is in the funnel. Flags and first-time timestamps are
 * cumulative for the page view (so "opened → submitted" keeps meaning the
 * first attempt); counters count every occurrence. validation_errors counts
 * invalid forms (in the browser or a 400), server_errors every other failure
 * (409, 422, 429, 5xx, network).
 */
const STEP_FLAG = {
  opened: "opened", submitted: "submitted", scheduled: "scheduled",
  error: "errored", canceled: "canceled", closed: "closed",
};
const ELAPSED_PAIRS = [
  ["ready", "opened"], ["opened", "submitted"], ["submitted", "scheduled"], ["opened", "scheduled"],
  ["scheduled", "canceled"], ["opened", "closed"], ["submitted", "error"],
];

export class Lifecycle {
  constructor(session) {
    this.session = session;
    this.startedAt = Date.now();
    this.previousAt = this.startedAt;
    this.sequence = 0;
    this.flags = { opened: false, submitted: false, scheduled: false, errored: false, canceled: false, closed: false };
    this.counters = { opens: 0, submits: 0, validation_errors: 0, server_errors: 0 };
    this.first = {};  // step -> ms since epoch of its first occurrence
  }

  /** Records one step and returns the metadata that goes with its event. */
  record(step, extra) {
    const now = Date.now();
    if (STEP_FLAG[step]) this.flags[STEP_FLAG[step]] = true;
    if (step === "opened") this.counters.opens += 1;
    if (step === "submitted") this.counters.submits += 1;
    if (step === "error") {
      this.counters[extra && extra.kind === "validation" ? "validation_errors" : "server_errors"] += 1;
    }
    if (!(step in this.first)) this.first[step] = now;

    const elapsed = { since_load: now - this.startedAt, since_previous: now - this.previousAt };
    for (const [from, to] of ELAPSED_PAIRS) {
      if (from in this.first && to in this.first && this.first[to] >= this.first[from]) {
        elapsed[from + "_to_" + to] = this.first[to] - this.first[from];
      }
    }
    this.previousAt = now;
    this.sequence += 1;
    return {
      session: this.session,
      widget_key: options.widgetKey,
      event: step,
      sequence: this.sequence,
      at: new Date(now).toISOString(),
      flags: Object.assign({}, this.flags),
      counters: Object.assign({}, this.counters),
      timestamps: Object.fromEntries(Object.entries(this.first).map(([k, v]) => [k, new Date(v).toISOString()])),
      elapsed_ms: elapsed,
    };
  }
}

/*
 * Sends lifecycle events to the API in batches. Reporting must never break
 * the page, so every failure is swallowed. Bodies go as text/plain (which
 * the API accepts as JSON): a "simple" request needs no CORS preflight,
 * which matters when the page is being closed.
 */
export class EventSender {
  constructor(session) {
    this.session = session;
    this.queue = [];
    this.timer = null;
    this.enabled = true;
    const flushNow = () => this.flush();
    addEventListener("pagehide", flushNow);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") flushNow();
    });
  }

  add(name, metadata) {
    if (!this.enabled) return;
    this.queue.push({ name, occurred_at: metadata.at, metadata });
    if (this.queue.length >= EventSender.BATCH) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), EventSender.DELAY_MS);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!options.widgetKey) return;
    const url = options.apiBase + "/api/v1/public/widgets/" + encodeURIComponent(options.widgetKey) + "/events";
    while (this.queue.length) {
      const body = JSON.stringify({ session: this.session, events: this.queue.splice(0, EventSender.BATCH) });
      try {
        fetch(url, {
          method: "POST", body, keepalive: true, mode: "cors", credentials: "omit",
          headers: { "Content-Type": "text/plain;charset=UTF-8" },
        }).catch(() => {});
      } catch (e) {
        // keepalive bodies are capped (64 kB in flight); losing a batch is acceptable.
      }
    }
  }
}
EventSender.BATCH = 50;
EventSender.DELAY_MS = 800;
