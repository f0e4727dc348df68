/*!
 * Callback widget and the CallbackService JavaScript API.
 *
 * Embed with one tag; the API is served by the same host as this file:
 *
 *   <script src="https://callbacks.example.com/static/callback/widget.js" data-widget-key="KEY" async></script>
 *
 * Options (data-* attributes of the tag, or window.CallbackServiceConfig set before it):
 *   data-widget-key / widgetKey   the widget's public key (required)
 *   data-api-base   / apiBase     where the API lives; default: this script's own origin
 *   data-ui="none"  / ui: false   no UI: only the CallbackService plugin, for a host page's own UI
 *   data-launcher="none" / launcher: false   the dialog without the floating button (open it with a command)
 *   strings: {...}                replaces any of the texts in STRINGS below
 *
 * Everything goes through a small plugin bus on window.CallbackBus:
 *
 *   CallbackBus.subscribe("CallbackService.scheduled", (data) => ...)   // returns an unsubscribe function
 *   CallbackBus.command("CallbackService.schedule", {phone_number, ...}) // returns a Promise
 *
 * Commands: configure, availability, schedule, cancel, reschedule, status, open, close.
 * status, cancel and reschedule act on {id, token}, or without them on the customer's stored callback
 * (localStorage, one per widget key and API base, forgotten when the callback ends).
 * Events:   ready, opened, availability, submitted, scheduled, rescheduled, error, canceled, closed.
 * A page can queue work before this file has loaded:
 *   window.CallbackBus = window.CallbackBus || []; CallbackBus.push((bus) => ...);
 *
 * Plain modern JavaScript without a build step or dependencies, so integrators can read what they embed.
 */
(function () {
  "use strict";

  // The tag may be pasted twice (a CMS block plus a template); one copy must win.
  const LOADED = "__callbackServiceLoaded";
  if (window[LOADED]) return;
  window[LOADED] = true;

  // ---------------------------------------------------------------- options

  // document.currentScript is only set while this file first runs, so read it now.
  const script = document.currentScript
    || document.querySelector("script[data-widget-key][src*='widget.js']")
    || document.querySelector("script[src*='/callback/widget.js']");
  const dataset = (script && script.dataset) || {};
  const pageConfig = window.CallbackServiceConfig || {};

  function flag(value, fallback) {
    if (value === undefined || value === null || value === "") return fallback;
    if (typeof value === "boolean") return value;
    return !/^(none|false|off|0|no)$/i.test(String(value));
  }

  function defaultApiBase() {
    try {
      return new URL(script.src, location.href).origin;
    } catch (e) {
      return location.origin;
    }
  }

  const options = {
    widgetKey: pageConfig.widgetKey || dataset.widgetKey || "",
    apiBase: String(pageConfig.apiBase || dataset.apiBase || defaultApiBase()).replace(/\/+$/, ""),
    ui: flag(pageConfig.ui !== undefined ? pageConfig.ui : dataset.ui, true),
    launcher: flag(pageConfig.launcher !== undefined ? pageConfig.launcher : dataset.launcher, true),
  };

  const STRINGS = Object.assign({
    launcher: "Receive a Call",
    title: "Receive a Call",
    subtitle: "Leave your number and we'll call you back — no waiting on hold.",
    close: "Close",
    cancel: "Cancel",
    confirm: "Confirm",
    // Shown under the form and recorded with the callback as the consent the customer gave.
    consent: "By confirming, you agree to be called back at this number about your request.",
    sending: "Booking…",
    countryCode: "Country code",
    when: "When should we call you?",
    asap: "As soon as possible",
    asapClosed: "Not available right now",
    asapWait: "{wait} wait",
    asapNoWait: "No wait",
    asapUnknownWait: "When the next agent is free",
    waitUnderMinute: "less than 1 min",
    waitMinutes: "{n} min",
    waitHours: "{h} h {m} min",
    later: "Pick a time",
    laterHint: "Choose a day and time",
    day: "Day",
    time: "Time",
    today: "Today",
    tomorrow: "Tomorrow",
    loadingTimes: "Loading available times…",
    noTimes: "No times are available in the next few days.",
    timesIn: "Times shown in your time ({zone})",
    yourTime: "{time} (your time)",
    nothingOffered: "Callbacks are not available right now. Please try again later.",
    captchaImage: "Type the characters you see",
    captchaAlt: "Characters to type",
    captchaNew: "Show a new image",
    captchaHosted: "Please confirm you are not a robot",
    required: "This field is required.",
    requiredPhone: "Enter your phone number.",
    requiredTick: "Please tick this box to continue.",
    invalidEmail: "Enter a valid email address.",
    invalidFormat: "Enter a value in the expected format.",
    invalidPhoneIn: "Enter a valid {country} number, e.g. {example}.",
    invalidPhoneInNoExample: "Enter a valid {country} number.",
    chooseTime: "Choose a time for your call.",
    completeCaptcha: "Please complete the check.",
    checkFields: "Please correct the highlighted fields.",
    network: "We couldn't reach the callback service. Check your connection and try again.",
    unavailable: "The callback service is unavailable right now. Please try again in a few minutes.",
    throttled: "Too many requests. Please try again in {n} seconds.",
    throttledSoon: "Too many requests. Please try again in a moment.",
    doneTitle: "We'll call you back",
    doneAsap: "We'll call you on {phone} as soon as an agent is free.",
    doneAt: "We'll call you on {phone} at:",
    doneWait: "Estimated wait: {wait}.",
    donePosition: "You are number {n} in line.",
    done: "Done",
    cancelCallback: "Cancel this callback",
    cancelQuestion: "Cancel your callback? We won't call you.",
    cancelYes: "Yes, cancel it",
    cancelNo: "Keep it",
    canceling: "Canceling…",
    canceledTitle: "Callback canceled",
    canceledText: "Your callback has been canceled. You can book a new one at any time.",
    bookAnother: "Book another call",
    yourCallback: "Your callback",
    loadingCallback: "Looking up your callback…",
    mineWhen: "When",
    mineStatus: "Status",
    mineAsap: "As soon as an agent is free",
    reschedule: "Reschedule",
    rescheduleTitle: "Choose a new time",
    rescheduleFrom: "Booked now: {when}",
    rescheduleConfirm: "Move my callback",
    rescheduling: "Moving…",
    rescheduled: "Your callback has been moved.",
    back: "Back",
  }, pageConfig.strings || {});

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, (all, name) => (name in values ? values[name] : all));
  }

  // ---------------------------------------------------------------- the plugin bus

  /*
   * A deliberately small bus: named commands answered by one plugin (always a
   * Promise, so callers need not know whether work is synchronous), and named
   * events published to any number of subscribers. A throwing subscriber is
   * logged and skipped: one plugin's bug must not stop the others.
   */
  function createBus() {
    const commands = new Map();      // "Plugin.command" -> handler
    const waiting = new Map();       // "Plugin.command" -> [{args, resolve, reject, timer}]
    const subscribers = new Map();   // "Plugin.event" | "Plugin.*" | "*" -> Set(handler)
    const sticky = new Map();        // "Plugin.event" -> last data, replayed to late subscribers
    const plugins = new Map();
    const COMMAND_WAIT_MS = 10000;

    function deliver(handler, data, name) {
      try {
        handler(data, name);
      } catch (error) {
        console.error("[CallbackBus] subscriber of " + name + " failed:", error);
      }
    }

    const bus = {
      version: 1,

      registerPlugin(name) {
        if (!/^[A-Za-z][\w-]*$/.test(name)) throw new Error("[CallbackBus] invalid plugin name: " + name);
        if (plugins.has(name)) throw new Error("[CallbackBus] plugin already registered: " + name);
        const plugin = {
          name,
          registerCommand(command, handler) {
            const full = name + "." + command;
            commands.set(full, handler);
            // Commands sent before the plugin was ready run now, in order.
            for (const call of waiting.get(full) || []) {
              clearTimeout(call.timer);
              bus.command(full, call.args).then(call.resolve, call.reject);
            }
            waiting.delete(full);
            return plugin;
          },
          publish(event, data, publishOptions) {
            return bus.publish(name + "." + event, data, publishOptions);
          },
          subscribe: (event, handler) => bus.subscribe(event, handler),
          command: (full, args) => bus.command(full, args),
        };
        plugins.set(name, plugin);
        return plugin;
      },

      plugins() {
        return Array.from(plugins.keys());
      },

      hasCommand(full) {
        return commands.has(full);
      },

      command(full, args) {
        const handler = commands.get(full);
        if (!handler && plugins.has(full.split(".")[0])) {
          return Promise.reject(new Error("[CallbackBus] unknown command: " + full));
        }
        if (!handler) {
          // The plugin may still be loading (async tags run in any order): wait a little for it.
          return new Promise((resolve, reject) => {
            const call = { args, resolve, reject };
            call.timer = setTimeout(() => {
              const list = waiting.get(full) || [];
              list.splice(list.indexOf(call), 1);
              reject(new Error("[CallbackBus] unknown command: " + full));
            }, COMMAND_WAIT_MS);
            if (!waiting.has(full)) waiting.set(full, []);
            waiting.get(full).push(call);
          });
        }
        try {
          return Promise.resolve(handler(args || {}));
        } catch (error) {
          return Promise.reject(error);
        }
      },

      subscribe(event, handler) {
        if (typeof handler !== "function") throw new TypeError("[CallbackBus] subscribe needs a function");
        if (!subscribers.has(event)) subscribers.set(event, new Set());
        subscribers.get(event).add(handler);
        if (sticky.has(event)) {
          const data = sticky.get(event);
          queueMicrotask(() => deliver(handler, data, event));
        }
        return () => subscribers.get(event).delete(handler);
      },

      publish(event, data, publishOptions) {
        if (publishOptions && publishOptions.sticky) sticky.set(event, data);
        const plugin = event.split(".")[0];
        for (const key of [event, plugin + ".*", "*"]) {
          for (const handler of Array.from(subscribers.get(key) || [])) deliver(handler, data, event);
        }
      },

      // Lets pages queue callbacks (CallbackBus.push(fn)) whether or not the bus exists yet.
      push(...callbacks) {
        for (const callback of callbacks) {
          if (typeof callback === "function") deliver(callback, bus, "push");
        }
        return 0;
      },
    };
    return bus;
  }

  function installBus() {
    const existing = window.CallbackBus;
    if (existing && typeof existing.registerPlugin === "function") return existing;
    const bus = createBus();
    window.CallbackBus = bus;
    if (Array.isArray(existing)) bus.push(...existing);
    return bus;
  }

  // ---------------------------------------------------------------- small helpers

  function randomId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function customerZone() {
    try {
      return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
    } catch (e) {
      return "UTC";
    }
  }

  const LOCALE = navigator.language || "en";
  // 422 codes after which the offered times and the ASAP choice are fetched again.
  const REFRESH_ON = ["capacity_full", "not_offered", "queue_closed", "outside_calling_window"];

  function formatter(opts) {
    try {
      return new Intl.DateTimeFormat(LOCALE, Object.assign({ timeZone: customerZone() }, opts));
    } catch (e) {
      return new Intl.DateTimeFormat("en", opts);
    }
  }

  const fmt = {
    dayKey: formatter({ year: "numeric", month: "2-digit", day: "2-digit" }),
    day: formatter({ weekday: "short", day: "numeric", month: "short" }),
    time: formatter({ hour: "2-digit", minute: "2-digit" }),
    full: formatter({ weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
                      timeZoneName: "short" }),
  };

  // A comparable "YYYY-MM-DD" of an instant in the customer's zone, whatever the locale's order.
  function dayKey(date) {
    const parts = Object.fromEntries(fmt.dayKey.formatToParts(date).map((p) => [p.type, p.value]));
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  // "Tuesday 2 December at 09:00 GMT (your time)": the customer's zone, named, so it cannot be misread
  // as the contact center's time.
  function yourTime(iso) {
    return format(STRINGS.yourTime, { time: fmt.full.format(new Date(iso)) });
  }

  // "10 min", or "" when there is no estimate (no agent logged in) or no wait at all.
  function waitText(seconds) {
    if (seconds === null || seconds === undefined || seconds <= 0) return "";
    if (seconds < 60) return STRINGS.waitUnderMinute;
    const minutes = Math.round(seconds / 60);
    if (minutes < 60) return format(STRINGS.waitMinutes, { n: minutes });
    return format(STRINGS.waitHours, { h: Math.floor(minutes / 60), m: minutes % 60 });
  }

  /** An error the API (or the network) gave, in one shape whatever its status. */
  class CallbackServiceError extends Error {
    constructor({ status, code, detail, fields, retryAfter, id }) {
      super(detail || code);
      this.name = "CallbackServiceError";
      this.status = status;       // 0 for a network failure, else the HTTP status
      this.code = code;           // "invalid", "duplicate", "queue_closed", "throttled", …
      this.detail = detail;
      this.fields = fields || {}; // {field: ["message", …]} for 400s
      this.retryAfter = retryAfter;
      this.id = id;               // the existing callback of a 409 duplicate
    }

    get kind() {
      return this.status === 400 || this.status === -1 ? "validation" : "server";
    }
  }

  // DRF nests errors of nested objects ({"context": {"x": ["…"]}}); flatten them to strings.
  function messagesOf(value) {
    if (value === null || value === undefined) return [];
    if (Array.isArray(value)) return value.flatMap(messagesOf);
    if (typeof value === "object") return Object.values(value).flatMap(messagesOf);
    return [String(value)];
  }

  function errorFromResponse(response, data) {
    const status = response.status;
    data = data && typeof data === "object" ? data : {};
    if (status === 400) {
      const fields = {};
      for (const [name, value] of Object.entries(data)) {
        fields[name] = value && typeof value === "object" && !Array.isArray(value) ? value : messagesOf(value);
      }
      return new CallbackServiceError({ status, code: "invalid", detail: STRINGS.checkFields, fields });
    }
    if (status === 429) {
      // Retry-After is only readable if the server exposes it to CORS; the detail usually says it too.
      const retryAfter = parseInt(response.headers.get("Retry-After"), 10) || null;
      return new CallbackServiceError({
        status, code: "throttled", retryAfter,
        detail: retryAfter ? format(STRINGS.throttled, { n: retryAfter }) : STRINGS.throttledSoon,
      });
    }
    if (status >= 500) return new CallbackServiceError({ status, code: "unavailable", detail: STRINGS.unavailable });
    return new CallbackServiceError({
      status,
      code: data.code || (status === 404 ? "not_found" : status === 409 ? "conflict" : "error"),
      detail: typeof data.detail === "string" ? data.detail : STRINGS.unavailable,
      id: data.id,
    });
  }

  async function api(method, path, { body, token, idempotencyKey } = {}) {
    // Only what a request needs: no cookies (the API is public and CORS allows no credentials),
    // and no Content-Type on GETs so they stay simple requests without a preflight.
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = "Bearer " + token;
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    let response;
    try {
      response = await fetch(options.apiBase + path, {
        method, headers, mode: "cors", credentials: "omit",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (e) {
      throw new CallbackServiceError({ status: 0, code: "network_error", detail: STRINGS.network });
    }
    let data = null;
    try {
      const text = await response.text();
      data = text ? JSON.parse(text) : null;
    } catch (e) {
      data = null;
    }
    if (!response.ok) throw errorFromResponse(response, data);
    return data;
  }

  // ---------------------------------------------------------------- the customer's callback, remembered

  /*
   * The id and token of the customer's open callback, so a reload (or another tab) can still show,
   * cancel or move it. One per widget key and API base, in localStorage; forgotten when the callback
   * ends. Where storage is refused (some privacy modes, sandboxed frames) it lasts for the page.
   */
  const TERMINAL_STATES = ["completed", "failed", "canceled", "expired"];
  const pageMemory = new Map();

  const storedCallback = {
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

  // ---------------------------------------------------------------- interaction lifecycle

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

  class Lifecycle {
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
  class EventSender {
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

  // ---------------------------------------------------------------- the CallbackService plugin

  // Fields the callback itself has; any other form field goes into its context.
  const CORE_FIELDS = new Set(["phone_number", "first_name", "last_name", "email", "notes"]);

  class CallbackService {
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

  // ---------------------------------------------------------------- countries

  // Region and calling code of every region phone numbers can be parsed for (from libphonenumber);
  // names come from the browser (Intl.DisplayNames), so they follow the customer's language.
  const COUNTRY_CODES = "AC247 AD376 AE971 AF93 AG1 AI1 AL355 AM374 AO244 AR54 AS1 AT43 AU61 AW297 AX358 AZ994 " +
    "BA387 BB1 BD880 BE32 BF226 BG359 BH973 BI257 BJ229 BL590 BM1 BN673 BO591 BQ599 BR55 BS1 BT975 BW267 BY375 " +
    "BZ501 CA1 CC61 CD243 CF236 CG242 CH41 CI225 CK682 CL56 CM237 CN86 CO57 CR506 CU53 CV238 CW599 CX61 CY357 " +
    "CZ420 DE49 DJ253 DK45 DM1 DO1 DZ213 EC593 EE372 EG20 EH212 ER291 ES34 ET251 FI358 FJ679 FK500 FM691 FO298 " +
    "FR33 GA241 GB44 GD1 GE995 GF594 GG44 GH233 GI350 GL299 GM220 GN224 GP590 GQ240 GR30 GT502 GU1 GW245 GY592 " +
    "HK852 HN504 HR385 HT509 HU36 ID62 IE353 IL972 IM44 IN91 IO246 IQ964 IR98 IS354 IT39 JE44 JM1 JO962 JP81 " +
    "KE254 KG996 KH855 KI686 KM269 KN1 KP850 KR82 KW965 KY1 KZ7 LA856 LB961 LC1 LI423 LK94 LR231 LS266 LT370 " +
    "LU352 LV371 LY218 MA212 MC377 MD373 ME382 MF590 MG261 MH692 MK389 ML223 MM95 MN976 MO853 MP1 MQ596 MR222 " +
    "MS1 MT356 MU230 MV960 MW265 MX52 MY60 MZ258 NA264 NC687 NE227 NF672 NG234 NI505 NL31 NO47 NP977 NR674 " +
    "NU683 NZ64 OM968 PA507 PE51 PF689 PG675 PH63 PK92 PL48 PM508 PR1 PS970 PT351 PW680 PY595 QA974 RE262 RO40 " +
    "RS381 RU7 RW250 SA966 SB677 SC248 SD249 SE46 SG65 SH290 SI386 SJ47 SK421 SL232 SM378 SN221 SO252 SR597 " +
    "SS211 ST239 SV503 SX1 SY963 SZ268 TA290 TC1 TD235 TG228 TH66 TJ992 TK690 TL670 TM993 TN216 TO676 TR90 TT1 " +
    "TV688 TW886 TZ255 UA380 UG256 US1 UY598 UZ998 VA39 VC1 VE58 VG1 VI1 VN84 VU678 WF681 WS685 XK383 YE967 " +
    "YT262 ZA27 ZM260 ZW263";

  // An example mobile number, as it is dialled at home, for the regions most customers call from:
  // libphonenumber's own examples (phonenumbers.example_number_for_type(region, MOBILE) in national
  // format). Other regions get no example rather than a made-up one.
  const EXAMPLE_NUMBERS = {
    AE: "050 123 4567", AT: "0664 123456", AU: "0412 345 678", BE: "0450 00 12 34", BR: "(11) 96123-4567",
    CA: "(506) 234-5678", CH: "078 123 45 67", CZ: "601 123 456", DE: "01512 3456789", DK: "34 41 23 45",
    ES: "612 34 56 78", FI: "041 2345678", FR: "06 12 34 56 78", GB: "07400 123456", HK: "5123 4567",
    IE: "085 012 3456", IN: "081234 56789", IT: "312 345 6789", JP: "090-1234-5678", MX: "222 123 4567",
    NL: "06 12345678", NO: "40 61 23 45", NZ: "021 123 4567", PL: "512 345 678", PT: "912 345 678",
    SE: "070-123 45 67", SG: "8123 4567", US: "(201) 555-0123", ZA: "071 123 4567",
  };

  function displayNames(style) {
    try {
      return new Intl.DisplayNames([LOCALE, "en"], { type: "region", style });
    } catch (e) {
      return null;
    }
  }

  function countries() {
    const names = displayNames("long");
    // The short name reads better in a sentence: "a valid UK number", not "a valid United Kingdom number".
    const shortNames = displayNames("short");
    return COUNTRY_CODES.split(" ")
      .map((item) => {
        const region = item.slice(0, 2);
        const name = (names && names.of(region)) || region;
        return { region, dial: item.slice(2), name, shortName: (shortNames && shortNames.of(region)) || name,
                 example: EXAMPLE_NUMBERS[region] || "" };
      })
      .sort((a, b) => a.name.localeCompare(b.name, LOCALE));
  }

  // What to type for a number of the picked country, in words for the phone field's error.
  function invalidPhoneText(country) {
    return format(country.example ? STRINGS.invalidPhoneIn : STRINGS.invalidPhoneInNoExample,
                  { country: country.shortName, example: country.example });
  }

  // The customer's likely country from the browser's languages ("en-GB" -> GB; "fr" -> FR by likely subtags).
  function defaultCountry() {
    const known = new Set(COUNTRY_CODES.split(" ").map((item) => item.slice(0, 2)));
    for (const tag of navigator.languages && navigator.languages.length ? navigator.languages : [LOCALE]) {
      try {
        const locale = new Intl.Locale(tag);
        const region = locale.region || (locale.maximize && locale.maximize().region);
        if (region && known.has(region)) return region;
      } catch (e) {
        // An odd language tag: try the next one.
      }
    }
    return "US";
  }

  // ---------------------------------------------------------------- the UI

  const CSS = `
:host { all: initial; }
.cbw {
  --accent: #2563eb; --accent-text: #fff;
  --surface: #fff; --text: #111827; --muted: #5b6472; --border: #d0d5dd; --field: #fff; --soft: #f3f4f6;
  --danger: #b42318; --danger-soft: #fef3f2; --success: #067647; --success-soft: #ecfdf3;
  --shadow: 0 24px 48px -12px rgba(16, 24, 40, .28);
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font: 15px/1.45 var(--font); color: var(--text); -webkit-font-smoothing: antialiased; color-scheme: light;
}
.cbw.dark {
  --surface: #161b26; --text: #f5f5f6; --muted: #a4a7ae; --border: #373d4a; --field: #0c111d; --soft: #1f2532;
  --danger: #fda29b; --danger-soft: rgba(240, 68, 56, .14); --success: #75e0a7; --success-soft: rgba(23, 178, 106, .14);
  --shadow: 0 24px 48px -12px rgba(0, 0, 0, .6); color-scheme: dark;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, select, textarea { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 55%, transparent); outline-offset: 2px; }

.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: .55rem; padding: .8rem 1.2rem .8rem 1rem;
  border: 0; border-radius: 999px; background: var(--accent); color: var(--accent-text);
  font-weight: 600; font-size: 15px; cursor: pointer; box-shadow: 0 10px 24px -6px rgba(16, 24, 40, .35);
  transition: transform .15s ease, box-shadow .15s ease;
}
.launcher:hover { transform: translateY(-1px); box-shadow: 0 14px 28px -6px rgba(16, 24, 40, .4); }
.launcher svg { width: 20px; height: 20px; }

.backdrop {
  position: fixed; inset: 0; z-index: 2147483001; display: flex; align-items: center; justify-content: center;
  padding: 24px; background: rgba(12, 17, 29, .5); animation: fade .15s ease-out;
}
.dialog {
  display: flex; flex-direction: column; width: min(500px, 100%); max-height: calc(100vh - 48px);
  background: var(--surface); color: var(--text); border-radius: 16px; box-shadow: var(--shadow);
  overflow: hidden; animation: rise .18s ease-out;
}
@keyframes fade { from { opacity: 0; } }
@keyframes rise { from { opacity: 0; transform: translateY(12px); } }
@media (prefers-reduced-motion: reduce) { .backdrop, .dialog { animation: none; } .launcher { transition: none; } }

.head { position: relative; padding: 22px 56px 8px 24px; }
.head h2 { margin: 0; font-size: 20px; line-height: 1.3; font-weight: 700; }
.head p { margin: 4px 0 0; color: var(--muted); font-size: 14px; }
.x {
  position: absolute; top: 14px; right: 14px; width: 36px; height: 36px; display: grid; place-items: center;
  border: 0; border-radius: 8px; background: transparent; color: var(--muted); cursor: pointer;
}
.x:hover { background: var(--soft); color: var(--text); }
.x svg { width: 20px; height: 20px; }

/* The form is the dialog's scrolling middle: header and buttons stay in view however long it gets. */
.dialog > form { display: flex; flex-direction: column; flex: 1 1 auto; min-height: 0; }
.body { flex: 1 1 auto; min-height: 0; overflow-y: auto; padding: 10px 24px 20px; overscroll-behavior: contain; }
.foot { display: flex; justify-content: flex-end; gap: 10px; padding: 14px 24px; border-top: 1px solid var(--border); }

.banner {
  margin: 4px 0 14px; padding: 10px 12px; border-radius: 10px; font-size: 14px;
  background: var(--danger-soft); color: var(--danger); border: 1px solid color-mix(in srgb, var(--danger) 30%, transparent);
}
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-bottom: 14px; }
.field { display: flex; flex-direction: column; gap: 5px; min-width: 0; grid-column: 1 / -1; }
.field.half { grid-column: auto; }
.label { font-weight: 600; font-size: 14px; }
.req { color: var(--muted); font-weight: 400; }
.input {
  width: 100%; min-height: 44px; padding: 10px 12px; border: 1px solid var(--border); border-radius: 10px;
  background: var(--field); color: var(--text); transition: border-color .15s, box-shadow .15s;
}
textarea.input { min-height: 84px; resize: vertical; }
.input::placeholder { color: color-mix(in srgb, var(--muted) 75%, transparent); }
.input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 22%, transparent); }
.invalid .input, .invalid .phone { border-color: var(--danger); }
.error { color: var(--danger); font-size: 13px; }
.error:empty { display: none; }
.check { display: flex; gap: 10px; align-items: flex-start; font-size: 14px; }
.check input { width: 18px; height: 18px; margin: 2px 0 0; accent-color: var(--accent); }

.phone {
  display: flex; border: 1px solid var(--border); border-radius: 10px; background: var(--field);
  transition: border-color .15s, box-shadow .15s;
}
.phone:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 22%, transparent); }
.phone .input { border: 0; box-shadow: none; background: transparent; }
/* The native select keeps keyboard and screen-reader behaviour; the code shown over it stays short. */
.cc { position: relative; display: flex; align-items: center; gap: 4px; padding: 0 10px 0 12px; border-right: 1px solid var(--border); white-space: nowrap; font-variant-numeric: tabular-nums; }
.cc select { position: absolute; inset: 0; width: 100%; opacity: 0; cursor: pointer; }
.cc .code { font-weight: 600; font-size: 13px; color: var(--muted); }
.cc svg { width: 14px; height: 14px; color: var(--muted); }

fieldset { border: 0; margin: 0 0 14px; padding: 0; min-width: 0; }
legend { padding: 0; margin-bottom: 8px; font-weight: 600; font-size: 14px; }
.choices { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.choice { position: relative; display: block; padding: 12px 14px 12px 40px; border: 1px solid var(--border); border-radius: 12px; cursor: pointer; }
.choice input { position: absolute; left: 14px; top: 15px; margin: 0; width: 16px; height: 16px; accent-color: var(--accent); }
.choice strong { display: block; font-size: 14px; }
.choice span { display: block; color: var(--muted); font-size: 13px; }
.choice:has(input:checked) { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 8%, transparent); }
.choice:has(input:disabled) { opacity: .55; cursor: not-allowed; }
.choice:has(input:focus-visible) { outline: 3px solid color-mix(in srgb, var(--accent) 55%, transparent); outline-offset: 2px; }
.info { margin: 0; padding: 10px 12px; border-radius: 10px; background: var(--soft); font-size: 14px; }

.picker { margin-top: 12px; }
.sub { margin: 0 0 6px; font-size: 13px; font-weight: 600; color: var(--muted); }
.days { display: flex; gap: 8px; overflow-x: auto; padding: 2px 2px 6px; margin: 0 -2px 8px; scrollbar-width: thin; }
.slots { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; max-height: 172px; overflow-y: auto; padding: 2px; }
.pill { position: relative; }
.pill input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
.pill span {
  display: block; padding: 8px 10px; border: 1px solid var(--border); border-radius: 999px; text-align: center;
  font-size: 14px; white-space: nowrap; font-variant-numeric: tabular-nums; background: var(--field);
}
.pill input:checked + span { background: var(--accent); border-color: var(--accent); color: var(--accent-text); font-weight: 600; }
.pill input:focus-visible + span { outline: 3px solid color-mix(in srgb, var(--accent) 55%, transparent); outline-offset: 2px; }
.pill input:disabled + span { opacity: .45; text-decoration: line-through; }
.note { margin: 8px 0 0; color: var(--muted); font-size: 12px; }
.note:empty { display: none; }
.consent { margin: 0; padding: 0 24px 10px; }
.sub.zone { margin-bottom: 10px; color: var(--text); font-weight: 600; }
.choices + .info, fieldset > .info { margin-bottom: 4px; }

.captcha-image { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; }
.captcha-image img { height: 50px; width: auto; min-width: 100px; border-radius: 8px; border: 1px solid var(--border); background: #fff; }

.btn {
  min-height: 44px; padding: 10px 18px; border-radius: 10px; border: 1px solid transparent; cursor: pointer;
  font-weight: 600; display: inline-flex; align-items: center; justify-content: center; gap: 8px;
}
.btn.primary { background: var(--accent); color: var(--accent-text); }
.btn.primary:hover { filter: brightness(1.06); }
.btn.secondary { background: transparent; border-color: var(--border); color: var(--text); }
.btn.secondary:hover { background: var(--soft); }
.btn.danger { background: var(--danger); color: var(--surface); }
.btn.danger:hover { filter: brightness(1.06); }
.btn:disabled { opacity: .6; cursor: progress; }
.btn.icon { min-height: 36px; padding: 6px 10px; }
.spinner { width: 16px; height: 16px; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; animation: spin .7s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
.link { padding: 0; border: 0; background: none; color: var(--danger); text-decoration: underline; cursor: pointer; font-size: 14px; }

.done { text-align: center; padding: 18px 4px 8px; }
.done .badge {
  width: 56px; height: 56px; margin: 0 auto 14px; border-radius: 50%; display: grid; place-items: center;
  background: var(--success-soft); color: var(--success);
}
.done.canceled .badge { background: var(--soft); color: var(--muted); }
.done.mine .badge { background: color-mix(in srgb, var(--accent) 12%, transparent); color: var(--accent); }
.done .badge svg { width: 28px; height: 28px; }
.done h3 { margin: 0 0 8px; font-size: 19px; }
.done p { margin: 0 0 6px; }
.done .when { font-weight: 600; }
.done .muted { color: var(--muted); font-size: 14px; }
.done .actions { margin-top: 18px; display: flex; flex-direction: column; align-items: center; gap: 12px; }
.done h3:focus { outline: none; }
.buttons { display: flex; flex-wrap: wrap; justify-content: center; gap: 10px; }
.facts {
  display: grid; grid-template-columns: auto 1fr; gap: 8px 16px; margin: 14px auto 10px; max-width: 380px;
  padding: 12px 16px; border-radius: 12px; background: var(--soft); text-align: left;
}
.facts dt { color: var(--muted); font-size: 14px; }
.facts dd { margin: 0; font-weight: 600; }
.notice { color: var(--success); font-weight: 600; }
.confirm {
  width: 100%; max-width: 380px; padding: 14px 16px; border-radius: 12px; background: var(--danger-soft);
  border: 1px solid color-mix(in srgb, var(--danger) 30%, transparent);
}
.confirm > p:first-child { margin: 0 0 12px; font-weight: 600; }
.confirm .error { margin: 10px 0 0; }
.moving { padding: 8px 0 4px; }
.moving h3 { margin: 0 0 4px; font-size: 19px; }
.moving h3:focus { outline: none; }
.moving .muted { margin: 0 0 14px; color: var(--muted); font-size: 14px; }
.moving > .error { margin: 10px 0 0; }
.moving > .buttons { justify-content: flex-end; margin-top: 18px; }

.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

/* Phones: a full-screen sheet, one field a row, and thumbs reach the buttons. */
@media (max-width: 480px) {
  .backdrop { padding: 0; align-items: stretch; }
  .dialog { width: 100%; max-height: none; height: 100%; height: 100dvh; border-radius: 0; }
  .head { padding: 18px 56px 6px 18px; }
  .body { padding: 8px 18px 18px; }
  .foot { padding: 12px 18px calc(12px + env(safe-area-inset-bottom)); }
  .foot .btn { flex: 1; }
  .row, .choices { grid-template-columns: 1fr; }
  .slots { grid-template-columns: repeat(3, 1fr); max-height: none; }
  .launcher { right: 16px; bottom: 16px; }
}
`;

  const ICONS = {
    phone: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M22 16.9v3a2 2 0 0 1-2.2 2 19.8 19.8 0 0 1-8.6-3.1 19.5 19.5 0 0 1-6-6A19.8 19.8 0 0 1 2.1 4.2 2 2 0 0 1 4.1 2h3a2 2 0 0 1 2 1.7c.1.9.4 1.8.7 2.7a2 2 0 0 1-.5 2.1L8 9.8a16 16 0 0 0 6 6l1.3-1.3a2 2 0 0 1 2.1-.4c.9.3 1.8.6 2.7.7a2 2 0 0 1 1.7 2z"/></svg>',
    close: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M18 6 6 18M6 6l12 12"/></svg>',
    check: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M20 6 9 17l-5-5"/></svg>',
    chevron: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="m6 9 6 6 6-6"/></svg>',
    refresh: '<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><path d="M21 12a9 9 0 1 1-3-6.7L21 8M21 3v5h-5"/></svg>',
    slash: '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" aria-hidden="true"><circle cx="12" cy="12" r="9"/><path d="M5.7 5.7l12.6 12.6"/></svg>',
  };

  /** h("div", {class: "x", onclick: fn}, child, …): just enough DOM building for a form. */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") el.className = value;
      else if (key === "text") el.textContent = value;
      else if (key === "html") el.innerHTML = value;  // only ever our own constant icons
      else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else if (key === "value" || key === "checked") el[key] = value;
      else el.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child !== null && child !== undefined && child !== false) el.append(child);
    }
    return el;
  }

  function accentText(hex) {
    const rgb = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4)));
    const luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    // Whichever of white or near-black text has the higher WCAG contrast on the accent.
    const onWhite = 1.05 / (luminance + 0.05);
    const onDark = (luminance + 0.05) / (0.0088 + 0.05);
    return onDark > onWhite ? "#111827" : "#ffffff";
  }

  const PHONE_FIELD = {
    name: "phone_number", type: "tel", label: "Phone", required: true, autocomplete: "tel", width: "full",
  };

  const CAPTCHA_SCRIPTS = {
    recaptcha: { url: "https://www.google.com/recaptcha/api.js?render=explicit&onload=", global: "grecaptcha" },
    hcaptcha: { url: "https://js.hcaptcha.com/1/api.js?render=explicit&onload=", global: "hcaptcha" },
    turnstile: { url: "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit&onload=", global: "turnstile" },
  };

  // Whether a config or availability answer offers a callback now.
  function offersNow(answer) {
    return Boolean(answer.immediate && answer.immediate.available);
  }

  /** Day and time pills for an availability answer's slots, grouped and shown in the customer's own zone. */
  class SlotPicker {
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
      const byDay = new Map();
      for (const slot of availability.slots) {
        if (slot.capacity === 0) continue;
        const key = dayKey(new Date(slot.start));
        if (!byDay.has(key)) byDay.set(key, []);
        byDay.get(key).push(slot);
      }
      this.byDay = byDay;
      this.days.replaceChildren();
      this.zone.hidden = !byDay.size;
      if (!byDay.size) {
        this.slots.replaceChildren();
        this.say(STRINGS.noTimes);
        return;
      }
      this.zone.textContent = format(STRINGS.timesIn, { zone: customerZone().replace(/_/g, " ") });
      this.say("");
      const today = dayKey(new Date());
      const tomorrow = dayKey(new Date(Date.now() + 86400000));
      if (!byDay.has(this.day)) this.day = byDay.keys().next().value;
      for (const [key, slots] of byDay) {
        const label = key === today ? STRINGS.today : key === tomorrow ? STRINGS.tomorrow : fmt.day.format(new Date(slots[0].start));
        this.days.append(h("label", { class: "pill" },
          h("input", { type: "radio", name: this.name + "-day", value: key, checked: key === this.day,
                       onchange: () => { this.day = key; this.renderSlots(); } }),
          h("span", { text: label })));
      }
      this.renderSlots();
    }

    renderSlots() {
      this.slots.replaceChildren();
      for (const slot of this.byDay.get(this.day) || []) {
        this.slots.append(h("label", { class: "pill" },
          h("input", { type: "radio", name: this.name + "-slot", value: slot.start,
                       checked: Boolean(this.slot && this.slot.start === slot.start),
                       "aria-label": yourTime(slot.start),
                       onchange: () => { this.slot = slot; this.onPick(slot); } }),
          h("span", { text: fmt.time.format(new Date(slot.start)) })));
      }
    }
  }

  const RESULT_ICONS = { booked: ICONS.check, canceled: ICONS.slash, mine: ICONS.phone };

  class WidgetUI {
    constructor(service) {
      this.service = service;
      service.ui = this;
      this.built = false;
      this.fields = new Map();     // name -> {spec, input, wrap, error}
      this.availability = null;
      this.submitting = false;
      this.idempotencyKey = null;
      this.captcha = null;         // {provider, key?, answerInput?, widgetId?, token?}
      this.screen = "form";
    }

    // The host element lives at the end of <body>; everything else is in its shadow root,
    // so the page's CSS cannot restyle the widget and ours cannot leak out.
    mount(config) {
      this.config = config;
      this.host = h("div", { "data-callback-widget": options.widgetKey });
      this.root = this.host.attachShadow({ mode: "open" });
      const theme = config.theme || {};
      const accent = /^#[0-9a-f]{6}$/i.test(theme.accent_color || "") ? theme.accent_color : "#2563eb";
      this.shell = h("div", { class: "cbw" + (theme.mode === "dark" ? " dark" : "") });
      this.shell.style.setProperty("--accent", accent);
      this.shell.style.setProperty("--accent-text", accentText(accent));
      this.root.append(h("style", { text: CSS }), this.shell);

      // With nothing to book the button still leads a customer to the callback they have.
      if (options.launcher && (this.offersAnything() || this.service.remembered())) {
        this.launcher = h("button", {
          type: "button", class: "launcher", "aria-haspopup": "dialog", "aria-expanded": "false",
          html: ICONS.phone, onclick: () => this.service.open({ source: "launcher" }),
        });
        this.launcher.append(h("span", { text: STRINGS.launcher }));
        this.shell.append(this.launcher);
      }
      document.body.append(this.host);
    }

    offersAnything() {
      const c = this.config;
      return Boolean(c.offer_scheduling || (c.open_now && c.offer_immediate) || c.immediate.books_at_opening);
    }

    // ------------------------------------------------------------ dialog frame

    build() {
      this.built = true;
      const titleId = "cbw-title";
      this.banner = h("div", { class: "banner", role: "alert", hidden: true });
      this.form = h("form", { novalidate: true, onsubmit: (e) => { e.preventDefault(); this.submit(); } });
      this.formBody = h("div", { class: "body" }, this.banner);
      this.cancelButton = h("button", { type: "button", class: "btn secondary", text: STRINGS.cancel,
                                        onclick: () => this.service.close({ reason: "cancel_button" }) });
      this.confirmButton = h("button", { type: "submit", class: "btn primary", text: STRINGS.confirm });
      this.footer = h("div", { class: "foot" }, this.cancelButton, this.confirmButton);
      this.form.append(this.formBody, h("p", { class: "note consent", text: STRINGS.consent }), this.footer);
      this.doneView = h("div", { class: "body", hidden: true });

      this.dialog = h("div", { class: "dialog", role: "dialog", "aria-modal": "true", "aria-labelledby": titleId,
                               onkeydown: (e) => this.onKeydown(e) },
        h("div", { class: "head" },
          h("h2", { id: titleId, text: STRINGS.title }),
          this.subtitle = h("p", { text: STRINGS.subtitle }),
          h("button", { type: "button", class: "x", "aria-label": STRINGS.close, html: ICONS.close,
                        onclick: () => this.service.close({ reason: "close_button" }) })),
        this.form, this.doneView);
      this.backdrop = h("div", { class: "backdrop", hidden: true,
                                 onmousedown: (e) => { if (e.target === this.backdrop) this.service.close({ reason: "backdrop" }); } },
        this.dialog);
      this.shell.append(this.backdrop);
      this.buildFields();
      this.buildWhen();
      this.buildCaptcha();
    }

    show() {
      if (!this.built) this.build();
      this.returnFocus = document.activeElement;
      this.backdrop.hidden = false;
      if (this.launcher) this.launcher.setAttribute("aria-expanded", "true");
      // The page must not scroll behind a modal (on phones it would scroll instead of the sheet).
      this.bodyOverflow = document.body.style.overflow;
      document.body.style.overflow = "hidden";
      if (this.screen === "result") {
        const primary = this.doneView.querySelector(".btn.primary");
        if (primary) primary.focus();
      } else if (this.service.remembered()) {
        // A callback booked before (a reload ago, or in another tab) is shown, not a form it would refuse.
        this.openMine();
      } else {
        if (this.screen !== "form") this.reset();
        this.enterForm();
      }
    }

    enterForm() {
      this.refreshAvailability();
      // The first field of the form, not the country code that comes before the phone number.
      const first = Array.from(this.fields.values()).find((f) => f.wrap && !f.virtual);
      (first ? first.input : this.confirmButton).focus();
    }

    hide() {
      this.backdrop.hidden = true;
      document.body.style.overflow = this.bodyOverflow || "";
      if (this.launcher) this.launcher.setAttribute("aria-expanded", "false");
      const target = this.launcher || this.returnFocus;
      if (target && target.focus) target.focus();
    }

    focusables() {
      return Array.from(this.dialog.querySelectorAll(
        "button, input:not([type=hidden]), select, textarea, a[href], [tabindex]:not([tabindex='-1'])"))
        .filter((el) => !el.disabled && el.getClientRects().length > 0);
    }

    // Esc closes; Tab cycles inside the dialog, as aria-modal promises.
    onKeydown(event) {
      if (event.key === "Escape") {
        event.preventDefault();
        this.service.close({ reason: "escape" });
        return;
      }
      if (event.key !== "Tab") return;
      const list = this.focusables();
      if (!list.length) return;
      const first = list[0];
      const last = list[list.length - 1];
      const active = this.root.activeElement;
      if (event.shiftKey && (active === first || !this.dialog.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && (active === last || !this.dialog.contains(active))) {
        event.preventDefault();
        first.focus();
      }
    }

    // ------------------------------------------------------------ the configured form

    buildFields() {
      const specs = (Array.isArray(this.config.form) ? this.config.form : []).slice();
      if (!specs.some((f) => f.name === "phone_number")) specs.unshift(PHONE_FIELD);
      // Rows group fields side by side; a field without a row gets one of its own, in list order.
      const rows = new Map();
      specs.forEach((spec, index) => {
        const row = Number.isFinite(spec.row) ? spec.row : 10000 + index;
        if (!rows.has(row)) rows.set(row, []);
        rows.get(row).push(spec);
      });
      for (const row of Array.from(rows.keys()).sort((a, b) => a - b)) {
        const rowEl = h("div", { class: "row" });
        for (const spec of rows.get(row)) {
          const field = this.buildField(spec);
          if (field) rowEl.append(field);
        }
        if (rowEl.childElementCount) this.formBody.append(rowEl);
      }
    }

    buildField(spec) {
      const name = String(spec.name || "");
      if (!name) return null;
      const id = "cbw-f-" + name;
      const errorId = "cbw-e-" + name;
      if (spec.type === "hidden") {
        this.fields.set(name, { spec, input: h("input", { type: "hidden", value: spec.value == null ? "" : String(spec.value) }) });
        return null;
      }
      const common = {
        id, name, required: Boolean(spec.required), placeholder: spec.placeholder || null,
        maxlength: spec.maxlength || null, autocomplete: spec.autocomplete || null,
        "aria-describedby": errorId, "aria-required": spec.required ? "true" : null,
      };
      const error = h("div", { class: "error", id: errorId, "aria-live": "polite" });
      const label = h("label", { class: "label", for: id, text: spec.label || name },
        spec.required || spec.type === "checkbox" ? null : h("span", { class: "req", text: " (optional)" }));
      let input;
      let control;
      if (name === "phone_number") {
        input = h("input", Object.assign({}, common, { type: "tel", class: "input", inputmode: "tel",
                                                       autocomplete: spec.autocomplete || "tel" }));
        // Times already offered may not suit the number's own zone or calling policy: ask again.
        input.addEventListener("change", () => {
          if (this.availability && input.value.trim() !== this.availabilityFor) this.refreshAvailability();
        });
        control = this.buildPhone(input);
      } else if (spec.type === "textarea") {
        input = control = h("textarea", Object.assign({}, common, { class: "input", rows: 3 }));
      } else if (spec.type === "select") {
        input = control = h("select", Object.assign({}, common, { class: "input", placeholder: null }),
          h("option", { value: "", text: spec.placeholder || "—", disabled: Boolean(spec.required), selected: true }),
          (spec.options || []).map((o) => h("option", { value: String(o.value), text: o.label || String(o.value) })));
      } else if (spec.type === "checkbox") {
        input = h("input", Object.assign({}, common, { type: "checkbox", placeholder: null, maxlength: null,
                                                       onchange: () => this.clearError(name) }));
        const wrap = h("div", { class: "field" + (spec.width === "half" ? " half" : "") },
          h("label", { class: "check", for: id }, input, h("span", { text: spec.label || name })), error);
        this.fields.set(name, { spec, input, wrap, error });
        return wrap;
      } else {
        const type = ["text", "tel", "email"].includes(spec.type) ? spec.type : "text";
        input = control = h("input", Object.assign({}, common, { type, class: "input", pattern: spec.pattern || null }));
      }
      const wrap = h("div", { class: "field" + (spec.width === "half" ? " half" : "") }, label, control, error);
      this.fields.set(name, { spec, input, wrap, error });
      input.addEventListener("input", () => this.clearError(name));
      return wrap;
    }

    buildPhone(input) {
      const list = countries();
      const chosen = defaultCountry();
      const code = h("span", { class: "code" });
      const select = h("select", { "aria-label": STRINGS.countryCode, autocomplete: "country",
                                   onchange: () => { show(); this.clearError("phone_number"); } },
        list.map((c) => h("option", { value: c.region, text: c.name + " (+" + c.dial + ")", selected: c.region === chosen })));
      const show = () => {
        const c = this.pickedCountry();
        code.textContent = c.region + " +" + c.dial;
        // A number as the picked country dials it, never another country's (the form's own placeholder
        // was written for one country).
        input.placeholder = c.example;
      };
      this.countries = list;
      this.countrySelect = select;
      show();
      return h("div", { class: "phone" }, h("div", { class: "cc" }, code, h("span", { html: ICONS.chevron }), select), input);
    }

    pickedCountry() {
      return this.countries.find((c) => c.region === this.countrySelect.value) || this.countries[0];
    }

    // ------------------------------------------------------------ when: ASAP or a slot

    buildWhen() {
      const c = this.config;
      this.whenError = h("div", { class: "error", id: "cbw-e-desired_time", "aria-live": "polite" });
      this.when = h("fieldset", { "aria-describedby": "cbw-e-desired_time" }, h("legend", { text: STRINGS.when }));
      const immediate = offersNow(c);
      if (!c.offer_scheduling) {
        this.when.append(h("p", { class: "info", text: immediate
          ? STRINGS.asap + " · " + this.asapWait(c.ewt_seconds) : c.immediate.detail || STRINGS.nothingOffered }));
        // Outside the customer's window a queue may still book the request for its opening.
        if (!immediate && !c.immediate.books_at_opening) this.confirmButton.disabled = true;
      } else {
        this.asapRadio = h("input", { type: "radio", name: "cbw-when", value: "asap", onchange: () => this.setMode("asap") });
        this.laterRadio = h("input", { type: "radio", name: "cbw-when", value: "later", onchange: () => this.setMode("later") });
        this.asapHint = h("span");
        this.choices = h("div", { class: "choices" },
          h("label", { class: "choice" }, this.asapRadio, h("strong", { text: STRINGS.asap }), this.asapHint),
          h("label", { class: "choice" }, this.laterRadio, h("strong", { text: STRINGS.later }),
            h("span", { text: STRINGS.laterHint })));
        // Why not now and from when we can call, shown instead of the choice when now is not offered.
        this.notNow = h("p", { class: "info", hidden: true });
        this.picker = new SlotPicker("cbw", () => this.clearWhenError());
        this.picker.el.hidden = true;
        this.when.append(this.choices, this.notNow, this.picker.el);
        this.offerNow(c);
      }
      this.when.append(this.whenError);
      this.formBody.append(this.when);
    }

    // Now, or a time: with "now" not offered (closed, outside the customer's calling window, too many
    // waiting) the customer goes straight to the times, told the server's reason.
    offerNow(answer) {
      const immediate = offersNow(answer);
      this.asapHint.textContent = immediate ? this.asapWait(this.config.ewt_seconds) : "";
      this.asapRadio.disabled = !immediate;
      this.choices.hidden = !immediate;
      this.notNow.hidden = immediate;
      this.notNow.textContent = immediate ? "" : answer.immediate.detail || STRINGS.asapClosed;
      if (!immediate) this.setMode("later");
      else if (!this.mode) this.setMode("asap");
    }

    asapWait(seconds) {
      if (seconds === 0) return STRINGS.asapNoWait;
      const wait = waitText(seconds);
      if (!wait) return STRINGS.asapUnknownWait;
      const text = format(STRINGS.asapWait, { wait });
      return text.charAt(0).toUpperCase() + text.slice(1);
    }

    setMode(mode) {
      this.mode = mode;
      if (!this.asapRadio) return;
      this.asapRadio.checked = mode === "asap";
      this.laterRadio.checked = mode === "later";
      this.picker.el.hidden = mode !== "later";
      this.clearWhenError();
      if (mode === "later" && !this.availability) this.refreshAvailability();
    }

    async refreshAvailability() {
      if (!this.config.offer_scheduling || this.loadingAvailability) return;
      this.loadingAvailability = true;
      if (!this.availability) this.picker.say(STRINGS.loadingTimes);
      try {
        const { phone_number, country } = this.collect();
        this.availabilityFor = phone_number || "";
        this.availability = await this.service.availability({ days: 7, max_slots: 1000, phone_number, country });
        this.picker.render(this.availability);
        // The queue (or the customer's calling window) may have closed or opened since the page loaded.
        this.offerNow(this.availability);
      } catch (error) {
        if (!this.availability) this.picker.say(error.detail || STRINGS.unavailable);
      } finally {
        this.loadingAvailability = false;
      }
    }

    // ------------------------------------------------------------ CAPTCHA

    buildCaptcha() {
      const captcha = this.config.captcha || {};
      const provider = captcha.provider || "none";
      if (provider === "none") return;
      const error = h("div", { class: "error", id: "cbw-e-captcha", "aria-live": "polite" });
      if (provider === "image") {
        const img = h("img", { alt: STRINGS.captchaAlt });
        const answer = h("input", { id: "cbw-f-captcha", class: "input", autocomplete: "off", autocapitalize: "off",
                                    spellcheck: "false", required: true, "aria-describedby": "cbw-e-captcha",
                                    oninput: () => this.clearError("captcha") });
        const renew = h("button", { type: "button", class: "btn secondary icon", "aria-label": STRINGS.captchaNew,
                                    title: STRINGS.captchaNew, html: ICONS.refresh, onclick: () => this.loadImageCaptcha() });
        this.captcha = { provider, img, answer };
        const wrap = h("div", { class: "field" },
          h("label", { class: "label", for: "cbw-f-captcha", text: STRINGS.captchaImage }),
          h("div", { class: "captcha-image" }, img, renew), answer, error);
        this.fields.set("captcha", { spec: { name: "captcha" }, input: answer, wrap, error, virtual: true });
        this.formBody.append(h("div", { class: "row" }, wrap));
        this.loadImageCaptcha();
        return;
      }
      const script = CAPTCHA_SCRIPTS[provider];
      if (!script) return;
      // Hosted challenges render iframes that do not work inside a shadow root, so their
      // container is an ordinary child of the host element, shown in the dialog through a slot.
      const holder = h("div", { slot: "captcha" });
      this.host.append(holder);
      this.captcha = { provider, token: "" };
      const wrap = h("div", { class: "field", role: "group", "aria-label": STRINGS.captchaHosted },
        h("slot", { name: "captcha" }), error);
      wrap.tabIndex = -1;
      this.fields.set("captcha", { spec: { name: "captcha" }, input: wrap, wrap, error, virtual: true });
      this.formBody.append(h("div", { class: "row" }, wrap));
      const onload = "__cbwCaptcha" + randomId().slice(0, 8);
      window[onload] = () => {
        const lib = window[script.global];
        this.captcha.lib = lib;
        this.captcha.widgetId = lib.render(holder, {
          sitekey: captcha.site_key,
          theme: (this.config.theme || {}).mode === "dark" ? "dark" : "light",
          callback: (token) => { this.captcha.token = token; this.clearError("captcha"); },
          "expired-callback": () => { this.captcha.token = ""; },
        });
      };
      document.head.append(h("script", { src: script.url + onload, async: true, defer: true }));
    }

    async loadImageCaptcha() {
      try {
        const challenge = await api("GET", this.service.widgetPath("/captcha"));
        this.captcha.key = challenge.key;
        this.captcha.img.src = new URL(challenge.image_url, options.apiBase + "/").href;
        this.captcha.answer.value = "";
      } catch (error) {
        this.showFieldError("captcha", [error.detail || STRINGS.unavailable]);
      }
    }

    captchaValue() {
      const c = this.captcha;
      if (!c) return null;
      if (c.provider === "image") return c.key && c.answer.value.trim() ? c.key + ":" + c.answer.value.trim() : "";
      return c.token || "";
    }

    resetCaptcha() {
      const c = this.captcha;
      if (!c) return;
      if (c.provider === "image") this.loadImageCaptcha();
      else if (c.lib && c.widgetId !== undefined) {
        try { c.lib.reset(c.widgetId); } catch (e) { /* the provider's own problem */ }
        c.token = "";
      }
    }

    // ------------------------------------------------------------ errors

    showFieldError(name, messages) {
      if (name === "desired_time") {
        this.whenError.textContent = messages.join(" ");
        return true;
      }
      const field = this.fields.get(name === "country" ? "phone_number" : name);
      if (!field || !field.error) return false;
      field.error.textContent = messages.join(" ");
      field.wrap.classList.add("invalid");
      if (field.input.setAttribute) field.input.setAttribute("aria-invalid", "true");
      return true;
    }

    clearError(name) {
      const field = this.fields.get(name);
      if (!field || !field.error) return;
      field.error.textContent = "";
      field.wrap.classList.remove("invalid");
      if (field.input.removeAttribute) field.input.removeAttribute("aria-invalid");
    }

    clearWhenError() {
      if (this.whenError) this.whenError.textContent = "";
    }

    clearErrors() {
      for (const name of this.fields.keys()) this.clearError(name);
      this.clearWhenError();
      this.showBanner("");
    }

    showBanner(text) {
      this.banner.textContent = text;
      this.banner.hidden = !text;
    }

    focusFirstError() {
      const invalid = Array.from(this.fields.values()).find((f) => f.wrap && f.wrap.classList.contains("invalid"));
      if (invalid) {
        invalid.input.focus();
        // Focus scrolls the input into view, not the message under it.
        invalid.error.scrollIntoView({ block: "nearest" });
      }
      else if (this.whenError && this.whenError.textContent) ((this.picker && this.picker.focusTarget()) || this.confirmButton).focus();
      else if (!this.banner.hidden) this.banner.scrollIntoView({ block: "nearest" });
    }

    // The browser's own checks (required, type, pattern), with our wording and placement.
    validate() {
      const errors = {};
      for (const [name, field] of this.fields) {
        const input = field.input;
        if (field.spec.type === "hidden" || !input.validity) continue;
        if (input.validity.valid) continue;
        if (input.validity.valueMissing) {
          errors[name] = [name === "phone_number" ? STRINGS.requiredPhone
            : field.spec.type === "checkbox" ? STRINGS.requiredTick : STRINGS.required];
        } else if (input.validity.typeMismatch) errors[name] = [STRINGS.invalidEmail];
        else errors[name] = [STRINGS.invalidFormat];
      }
      if (this.mode === "later" && this.asapRadio && !this.picker.slot) errors.desired_time = [STRINGS.chooseTime];
      if (this.captcha && this.captcha.provider !== "image" && !this.captchaValue()) errors.captcha = [STRINGS.completeCaptcha];
      return errors;
    }

    // ------------------------------------------------------------ submit and the result

    collect() {
      const request = { context: {} };
      for (const [name, field] of this.fields) {
        if (field.virtual) continue;
        const input = field.input;
        let value = field.spec.type === "checkbox" ? input.checked : input.value;
        if (typeof value === "string") value = value.trim();
        if (CORE_FIELDS.has(name)) {
          if (value) request[name] = value;
        } else if (value !== "") {
          request.context[name] = value;
        }
      }
      request.country = this.countrySelect ? this.countrySelect.value : defaultCountry();
      const scheduled = this.asapRadio ? this.mode === "later" : false;
      request.desired_time = scheduled && this.picker.slot ? this.picker.slot.start : null;
      const captcha = this.captchaValue();
      if (captcha !== null) request.captcha = captcha;
      return request;
    }

    async submit() {
      if (this.submitting) return;
      this.clearErrors();
      const errors = this.validate();
      if (Object.keys(errors).length) {
        for (const [name, messages] of Object.entries(errors)) this.showFieldError(name, messages);
        this.service.reportInvalid(errors);
        this.focusFirstError();
        return;
      }
      const request = this.collect();
      // A retry after a network failure may be the same request the server already took:
      // the same key lets it answer with the first callback instead of booking a second.
      this.idempotencyKey = this.idempotencyKey || randomId();
      request.idempotency_key = this.idempotencyKey;
      request.consent_text = STRINGS.consent;
      this.setSubmitting(true);
      try {
        const callback = await this.service.schedule(request);
        this.idempotencyKey = null;
        this.showDone(callback, request);
      } catch (error) {
        if (error.status !== 0) this.idempotencyKey = null;
        // The number's open callback is the one this browser remembers (booked in another tab, or
        // before a reload): show it, not a dead end.
        if (error.status === 409 && error.id && error.id === this.service.remembered()) {
          this.openMine();
          return;
        }
        this.showErrors(error);
        if (error.fields && error.fields.captcha) this.resetCaptcha();
        else if (error.status === 400 && this.captcha && this.captcha.provider === "image") this.resetCaptcha();
      } finally {
        this.setSubmitting(false);
      }
    }

    showErrors(error) {
      if (error.status === 400) {
        const unplaced = [];
        for (const [name, value] of Object.entries(error.fields)) {
          // Custom fields travel in context, so their errors come back under it.
          if (name === "context" && value && typeof value === "object" && !Array.isArray(value)) {
            for (const [sub, messages] of Object.entries(value)) {
              if (!this.showFieldError(sub, messagesOf(messages))) unplaced.push(...messagesOf(messages));
            }
          } else if (name === "phone_number" && this.countrySelect) {
            // The server asks for a country code; here the customer has picked a country already.
            this.showFieldError(name, [invalidPhoneText(this.pickedCountry())]);
          } else if (!this.showFieldError(name, messagesOf(value))) {
            unplaced.push(...messagesOf(value));
          }
        }
        this.showBanner(unplaced.length ? unplaced.join(" ") : "");
        if (error.fields.desired_time && this.config.offer_scheduling) {
          this.picker.clear();
          this.availability = null;
          this.refreshAvailability();
        }
      } else {
        this.showBanner(error.detail || STRINGS.unavailable);
        // A rule refused the time or the immediate callback (slot just filled, queue closing, too many
        // waiting): fetch what is offered now, so the picker and the ASAP choice match it.
        if (REFRESH_ON.includes(error.code) && this.config.offer_scheduling) {
          this.picker.clear();
          this.availability = null;
          this.refreshAvailability();
        }
      }
      this.focusFirstError();
    }

    setSubmitting(on) {
      this.submitting = on;
      this.confirmButton.disabled = on;
      this.confirmButton.replaceChildren(...(on ? [h("span", { class: "spinner", "aria-hidden": "true" }), STRINGS.sending]
        : [STRINGS.confirm]));
    }

    showDone(callback, request) {
      this.screen = "result";
      const phone = request.phone_number;
      const lines = [];
      if (callback.scheduled_at_opening && callback.message) {
        // Asked for now outside the calling window: the server's words say when we will call instead.
        lines.push(h("p", { text: callback.message }));
      } else if (callback.desired_time) {
        lines.push(h("p", { text: format(STRINGS.doneAt, { phone }) }),
                   h("p", { class: "when", text: yourTime(callback.desired_time) }));
      } else {
        lines.push(h("p", { text: format(STRINGS.doneAsap, { phone }) }), ...this.waitLines(callback));
      }
      const doneButton = h("button", { type: "button", class: "btn primary", text: STRINGS.done,
                                       onclick: () => this.finish("done") });
      // A replayed answer may come without its token; then there is nothing to cancel with.
      this.renderResult("booked", STRINGS.doneTitle, lines, [doneButton, callback.token ? this.cancelLink() : null]);
      doneButton.focus();
    }

    waitLines(callback) {
      const lines = [];
      if (waitText(callback.ewt_seconds)) {
        lines.push(h("p", { class: "when", text: format(STRINGS.doneWait, { wait: waitText(callback.ewt_seconds) }) }));
      }
      if (callback.position) lines.push(h("p", { class: "muted", text: format(STRINGS.donePosition, { n: callback.position }) }));
      return lines;
    }

    // ------------------------------------------------------------ the customer's own callback

    // The remembered callback, fetched afresh; a callback that has ended (or a token that opens nothing)
    // leaves the form, since the service has forgotten it.
    async openMine() {
      this.screen = "mine";
      this.renderResult("mine", STRINGS.yourCallback, [h("p", { class: "muted", text: STRINGS.loadingCallback })], [])
        .focus();
      try {
        const callback = await this.service.status({});
        if (TERMINAL_STATES.includes(callback.state)) this.backToForm("");
        else this.showMine(callback, "");
      } catch (error) {
        this.backToForm(error.status === 404 || error.status === 401 ? "" : error.detail);
      }
    }

    backToForm(banner) {
      this.reset();
      this.enterForm();
      this.showBanner(banner);
    }

    // "Your callback": when (in the customer's zone), its state in words, the line ahead when queued.
    showMine(callback, notice) {
      this.screen = "mine";
      const facts = h("dl", { class: "facts" },
        h("dt", { text: STRINGS.mineWhen }),
        h("dd", { text: callback.desired_time ? yourTime(callback.desired_time) : STRINGS.mineAsap }),
        callback.status_text ? [h("dt", { text: STRINGS.mineStatus }), h("dd", { text: callback.status_text })] : null);
      const lines = [facts, callback.state === "queued" ? this.waitLines(callback) : null,
                     notice ? h("p", { class: "notice", text: notice }) : null];
      const done = h("button", { type: "button", class: "btn primary", text: STRINGS.done,
                                 onclick: () => this.finish("done") });
      const move = callback.can_reschedule && this.config.offer_scheduling
        ? h("button", { type: "button", class: "btn secondary", text: STRINGS.reschedule,
                        onclick: () => this.showReschedule(callback) })
        : null;
      this.renderResult("mine", STRINGS.yourCallback, lines,
                        [h("div", { class: "buttons" }, move, done), callback.can_cancel ? this.cancelLink() : null])
        .focus();
    }

    // The link asks first: its question and two answers take the actions' place, Keep it focused,
    // so a second Enter does not cancel by accident.
    cancelLink() {
      const link = h("button", { type: "button", class: "link", text: STRINGS.cancelCallback,
                                 onclick: () => this.askCancel(link.parentElement) });
      return link;
    }

    askCancel(actions) {
      const before = Array.from(actions.childNodes);
      const status = h("p", { class: "error", role: "alert" });
      const yes = h("button", { type: "button", class: "btn danger", text: STRINGS.cancelYes,
                                onclick: () => this.cancelBooked(yes, status) });
      const keep = h("button", { type: "button", class: "btn secondary", text: STRINGS.cancelNo,
                                 onclick: () => { actions.replaceChildren(...before); before.at(-1).focus(); } });
      actions.replaceChildren(h("div", { class: "confirm", role: "group", "aria-labelledby": "cbw-cancel-q" },
        h("p", { id: "cbw-cancel-q", text: STRINGS.cancelQuestion }), h("div", { class: "buttons" }, yes, keep), status));
      keep.focus();
    }

    async cancelBooked(button, status) {
      button.disabled = true;
      button.textContent = STRINGS.canceling;
      status.textContent = "";
      try {
        await this.service.cancel({});
        this.screen = "result";
        const again = h("button", { type: "button", class: "btn primary", text: STRINGS.bookAnother,
                                    onclick: () => { this.reset(); this.enterForm(); } });
        const done = h("button", { type: "button", class: "btn secondary", text: STRINGS.done,
                                   onclick: () => this.finish("done") });
        this.renderResult("canceled", STRINGS.canceledTitle, [h("p", { text: STRINGS.canceledText })], [again, done]);
        done.focus();
      } catch (error) {
        button.disabled = false;
        button.textContent = STRINGS.cancelYes;
        status.textContent = error.detail || STRINGS.unavailable;
      }
    }

    // Another time for the callback, picked from what is bookable now.
    async showReschedule(callback) {
      const error = h("p", { class: "error", role: "alert" });
      const picker = new SlotPicker("cbw-new", () => { error.textContent = ""; });
      const move = h("button", { type: "button", class: "btn primary", text: STRINGS.rescheduleConfirm,
                                 onclick: () => this.moveTo(picker, move, error) });
      const back = h("button", { type: "button", class: "btn secondary", text: STRINGS.back,
                                 onclick: () => this.showMine(callback, "") });
      const heading = h("h3", { tabindex: "-1", text: STRINGS.rescheduleTitle });
      this.doneView.replaceChildren(h("div", { class: "moving" }, heading,
        h("p", { class: "muted", text: format(STRINGS.rescheduleFrom, { when: callback.desired_time
          ? yourTime(callback.desired_time) : STRINGS.mineAsap }) }),
        picker.el, error, h("div", { class: "buttons" }, back, move)));
      heading.focus();
      await this.loadTimes(picker);
    }

    async loadTimes(picker) {
      picker.clear();
      picker.say(STRINGS.loadingTimes);
      try {
        picker.render(await this.service.availability({ days: 7, max_slots: 1000 }));
      } catch (error) {
        picker.say(error.detail || STRINGS.unavailable);
      }
    }

    async moveTo(picker, button, error) {
      if (!picker.slot) {
        error.textContent = STRINGS.chooseTime;
        (picker.focusTarget() || button).focus();
        return;
      }
      button.disabled = true;
      button.replaceChildren(h("span", { class: "spinner", "aria-hidden": "true" }), STRINGS.rescheduling);
      try {
        this.showMine(await this.service.reschedule({ desired_time: picker.slot.start }), STRINGS.rescheduled);
      } catch (failure) {
        button.disabled = false;
        button.replaceChildren(STRINGS.rescheduleConfirm);
        error.textContent = (failure.status === 400 ? messagesOf(failure.fields).join(" ") : failure.detail)
          || STRINGS.unavailable;
        // The time was just taken or is no longer allowed: show what is bookable now.
        if (failure.status === 400 || REFRESH_ON.includes(failure.code)) await this.loadTimes(picker);
      }
    }

    // A result in the dialog's place: booked, canceled, or the customer's own callback. Returns its
    // heading, which takes focus where no button should.
    renderResult(kind, title, lines, actions) {
      this.form.hidden = true;
      this.subtitle.hidden = true;
      this.doneView.hidden = false;
      const heading = h("h3", { tabindex: "-1", text: title });
      this.doneView.replaceChildren(h("div", { class: "done " + kind, "aria-live": "polite" },
        h("div", { class: "badge", html: RESULT_ICONS[kind] }), heading, lines, h("div", { class: "actions" }, actions)));
      return heading;
    }

    finish(reason) {
      this.service.close({ reason });
      this.reset();
    }

    // Back to an empty form, for the next booking on this page.
    reset() {
      this.screen = "form";
      this.form.reset();
      this.clearErrors();
      if (this.picker) this.picker.clear();
      this.availability = null;
      this.form.hidden = false;
      this.subtitle.hidden = false;
      this.doneView.hidden = true;
      this.doneView.replaceChildren();
      if (this.countrySelect) this.countrySelect.dispatchEvent(new Event("change"));
      if (this.asapRadio) this.setMode(this.asapRadio.disabled ? "later" : "asap");
      if (this.captcha) this.resetCaptcha();
    }
  }

  // ---------------------------------------------------------------- start

  const bus = installBus();
  const service = new CallbackService(bus);

  function start() {
    // The UI appears once a configuration has loaded, whether from the tag's key now
    // or from a later CallbackService.configure({widgetKey}) by the page.
    if (options.ui) {
      const unsubscribe = bus.subscribe("CallbackService.ready", (data) => {
        unsubscribe();
        new WidgetUI(service).mount(data.config);
      });
    }
    if (!options.widgetKey) return;
    service.configure({}).catch((error) => {
      console.warn("[CallbackService] widget " + options.widgetKey + " is not available: " + error.detail);
    });
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start, { once: true });
})();
