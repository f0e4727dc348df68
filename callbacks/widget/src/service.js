// The CallbackService plugin: the commands on the bus, each one request to the API and its events.

import { CallbackServiceError, api } from "./api.js";
import { customerZone, randomId } from "./env.js";
import { EventSender, Lifecycle } from "./lifecycle.js";
import { options } from "./options.js";
import { defaultCountry } from "./phone.js";
import { TERMINAL_STATES, storedCallback } from "./storage.js";
import { STRINGS } from "./strings.js";

export class CallbackService {
  constructor(bus) {
    this.bus = bus;
    this.session = randomId();
    this.lifecycle = new Lifecycle(this.session);
    this.sender = new EventSender(this.session);
    this.config = null;
    this.configPromise = null;
    this.isOpen = false;
    this.ui = null;            // set by the UI when there is one
    this.plugin = bus.registerPlugin("CallbackService");
    for (const name of ["configure", "availability", "schedule", "cancel", "reschedule", "status", "open", "close"]) {
      this.plugin.registerCommand(name, (args) => this[name](args || {}));
    }
  }

  /** Publishes an event on the bus with its lifecycle metadata and queues it for the API. */
  emit(step, data, report) {
    const metadata = this.lifecycle.record(step, data);
    this.plugin.publish(step, Object.assign({}, data, { metadata }), { sticky: step === "ready" });
    // The API gets the metadata plus a few facts, never personal data.
    this.sender.add(step, Object.assign({}, metadata, report || {}));
    return metadata;
  }

  fail(error, context) {
    const err = error instanceof CallbackServiceError ? error
      : new CallbackServiceError({ status: 0, code: "error", detail: String((error && error.message) || error) });
    this.emit("error", {
      kind: err.kind, status: err.status, code: err.code, detail: err.detail, fields: err.fields, context,
    }, { kind: err.kind, status: err.status, code: err.code, fields: Object.keys(err.fields), context });
    return err;
  }

  /** Records a form the browser found invalid, so the funnel counts it like a 400. */
  reportInvalid(fields) {
    this.emit("error", {
      kind: "validation", status: -1, code: "invalid", detail: STRINGS.checkFields, fields, context: "form",
    }, { kind: "validation", status: -1, code: "invalid", fields: Object.keys(fields), context: "form" });
  }

  widgetPath(suffix) {
    if (!options.widgetKey) {
      throw new CallbackServiceError({ status: 0, code: "not_configured", detail: "No widget key: set data-widget-key." });
    }
    return "/api/v1/public/widgets/" + encodeURIComponent(options.widgetKey) + suffix;
  }

  // configure({widgetKey?, apiBase?, refresh?}) -> the widget's configuration
  configure(args) {
    let changed = false;
    if (args.widgetKey && args.widgetKey !== options.widgetKey) {
      options.widgetKey = args.widgetKey;
      changed = true;
    }
    if (args.apiBase) {
      options.apiBase = String(args.apiBase).replace(/\/+$/, "");
      changed = true;
    }
    if (this.configPromise && !changed && !args.refresh) return this.configPromise;
    const first = !this.config;
    this.configPromise = (async () => {
      try {
        // The customer's zone decides their calling window, so whether "now" is offered.
        const config = await api("GET", this.widgetPath("/config?" + new URLSearchParams({ timezone: customerZone() })));
        this.config = config;
        this.sender.enabled = true;
        if (first || changed) this.emit("ready", { config }, { open_now: config.open_now });
        return config;
      } catch (error) {
        this.configPromise = null;
        // An unknown key would only collect 404s for the events too.
        if (error.status === 404) this.sender.enabled = false;
        throw this.fail(error, "configure");
      }
    })();
    return this.configPromise;
  }

  ensureConfig() {
    return this.config ? Promise.resolve(this.config) : this.configure({});
  }

  // availability({start?: "YYYY-MM-DD", days?: 7, max_slots?: 300, phone_number?, country?})
  //   -> {time_zone, customer_time_zone, slot_minutes, immediate_available, immediate, slots}
  // With a number, the times also follow its own zone and calling policy; it goes in a POST body,
  // never in the URL.
  async availability(args) {
    await this.ensureConfig();
    const params = { timezone: customerZone(), days: args.days || 7, max_slots: args.max_slots || 300 };
    if (args.start) params.start = args.start;
    if (args.country) params.country = args.country;
    try {
      const result = args.phone_number
        ? await api("POST", this.widgetPath("/availability"), { body: { ...params, phone_number: args.phone_number } })
        : await api("GET", this.widgetPath("/availability?" + new URLSearchParams(params)));
      this.emit("availability", result, {
        slots: result.slots.length, immediate_available: result.immediate_available, days: args.days || 7,
      });
      return result;
    } catch (error) {
      throw this.fail(error, "availability");
    }
  }

  // schedule({phone_number, country?, first_name?, last_name?, email?, notes?, desired_time?, context?, captcha?,
  //           consent_text?, idempotency_key?}) -> {id, state, desired_time, ewt_seconds, position, token, scheduled_at_opening?, message?}
  async schedule(args) {
    await this.ensureConfig();
    const body = {
      phone_number: args.phone_number || "",
      country: args.country || defaultCountry(),
      desired_time: args.desired_time || null,
      timezone: customerZone(),
      // The journey, so the agent knows where the customer was; explicit context wins.
      context: Object.assign({
        page: location.href,
        referrer: document.referrer || "",
        title: document.title || "",
        language: navigator.language || "",
      }, args.context || {}),
    };
    for (const name of ["first_name", "last_name", "email", "notes", "captcha", "consent_text"]) {
      if (args[name]) body[name] = args[name];
    }
    const mode = body.desired_time ? "scheduled" : "asap";
    this.emit("submitted", { mode, desired_time: body.desired_time }, { mode });
    try {
      const callback = await api("POST", this.widgetPath("/callbacks"), {
        body, idempotencyKey: args.idempotency_key || randomId(),
      });
      // A replayed answer may come without its token: then there is nothing to remember.
      if (callback.token) storedCallback.set(callback.id, callback.token);
      this.emit("scheduled", { callback }, {
        mode, id: callback.id, state: callback.state, desired_time: callback.desired_time,
        ewt_seconds: callback.ewt_seconds, position: callback.position,
      });
      return callback;
    } catch (error) {
      throw this.fail(error, "schedule");
    }
  }

  // The callback a command means: the one it names, else the customer's remembered one.
  tokenFor(args) {
    const stored = storedCallback.get();
    const id = args.id || (stored && stored.id);
    const token = args.token || (stored && stored.id === id ? stored.token : null);
    if (!id || !token) {
      throw new CallbackServiceError({ status: 0, code: "no_callback", detail: "No callback booked with this widget." });
    }
    return { id, token };
  }

  // One request about a callback; an answer saying it has ended, or that the token opens nothing
  // (404, or 401 for a token the page never had), forgets the remembered token.
  async follow(method, id, suffix, { token, body }) {
    try {
      const callback = await api(method, "/api/v1/public/callbacks/" + encodeURIComponent(id) + suffix, { token, body });
      if (TERMINAL_STATES.includes(callback.state)) storedCallback.forget(id);
      return callback;
    } catch (error) {
      if (error.status === 404 || error.status === 401) storedCallback.forget(id);
      throw error;
    }
  }

  // cancel({id?, token?}) -> the callback; defaults to the customer's remembered one
  async cancel(args) {
    try {
      const { id, token } = this.tokenFor(args);
      const callback = await this.follow("POST", id, "/cancel", { token, body: {} });
      this.emit("canceled", { callback }, { id: callback.id, state: callback.state });
      return callback;
    } catch (error) {
      throw this.fail(error, "cancel");
    }
  }

  // reschedule({desired_time, id?, token?}) -> the callback
  async reschedule(args) {
    try {
      const { id, token } = this.tokenFor(args);
      const callback = await this.follow("POST", id, "/reschedule", {
        token, body: { desired_time: args.desired_time || null },
      });
      this.emit("rescheduled", { callback }, { id: callback.id, state: callback.state,
                                              desired_time: callback.desired_time });
      return callback;
    } catch (error) {
      throw this.fail(error, "reschedule");
    }
  }

  // status({id?, token?}) -> {id, state, status_text, reason, desired_time, ewt_seconds, position,
  //                          can_cancel, can_reschedule}
  async status(args) {
    const { id, token } = this.tokenFor(args);
    return this.follow("GET", id, "", { token });
  }

  // The remembered callback's id, if there is one (its token stays inside the service).
  remembered() {
    const stored = storedCallback.get();
    return stored ? stored.id : null;
  }

  // open() shows the dialog; without a UI it only marks the step, for a host page's own dialog.
  async open(args) {
    const config = await this.ensureConfig();
    if (this.isOpen) return { open: true };
    this.isOpen = true;
    if (this.ui) this.ui.show(args);
    this.emit("opened", { source: args.source || "command" }, { source: args.source || "command" });
    return { open: true, config };
  }

  async close(args) {
    if (!this.isOpen) return { open: false };
    this.isOpen = false;
    if (this.ui) this.ui.hide();
    this.emit("closed", { reason: args.reason || "command" }, { reason: args.reason || "command" });
    return { open: false };
  }
}
