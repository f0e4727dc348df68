// The dialog: the launcher, the configured form, the slot picker, CAPTCHA, and the results.

import { api, messagesOf } from "./api.js";
import { ICONS, accentText, h } from "./dom.js";
import { randomId, times } from "./env.js";
import { formErrors, formRows, formValues, offersNow } from "./form.js";
import { options } from "./options.js";
import { countries, defaultCountry, invalidPhoneText } from "./phone.js";
import { SlotPicker } from "./picker.js";
import { asapWaitText, waitText } from "./slots.js";
import { TERMINAL_STATES } from "./storage.js";
import { STRINGS, format } from "./strings.js";
import { CSS } from "./styles.js";

// 422 codes after which the offered times and the ASAP choice are fetched again.
const REFRESH_ON = ["capacity_full", "not_offered", "queue_closed", "outside_calling_window"];

const CAPTCHA_SCRIPTS = {
  recaptcha: { url: "https://www.google.com/recaptcha/api.js?render=explicit&onload=", global: "grecaptcha" },
  hcaptcha: { url: "https://js.hcaptcha.com/1/api.js?render=explicit&onload=", global: "hcaptcha" },
  turnstile: { url: "https://challenges.cloudflare.com/turnstile/v0/api.js?render=explicit&onload=", global: "turnstile" },
};

const RESULT_ICONS = { booked: ICONS.check, canceled: ICONS.slash, mine: ICONS.phone };

export class WidgetUI {
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
    for (const row of formRows(this.config.form)) {
      const rowEl = h("div", { class: "row" });
      for (const spec of row) {
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
        ? STRINGS.asap + " · " + asapWaitText(c.ewt_seconds) : c.immediate.detail || STRINGS.nothingOffered }));
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
    this.asapHint.textContent = immediate ? asapWaitText(this.config.ewt_seconds) : "";
    this.asapRadio.disabled = !immediate;
    this.choices.hidden = !immediate;
    this.notNow.hidden = immediate;
    this.notNow.textContent = immediate ? "" : answer.immediate.detail || STRINGS.asapClosed;
    if (!immediate) this.setMode("later");
    else if (!this.mode) this.setMode("asap");
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
    return formErrors(this.fields, {
      timeMissing: Boolean(this.mode === "later" && this.asapRadio && !this.picker.slot),
      captchaMissing: Boolean(this.captcha && this.captcha.provider !== "image" && !this.captchaValue()),
    });
  }

  // ------------------------------------------------------------ submit and the result

  collect() {
    const request = formValues(this.fields);
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
                 h("p", { class: "when", text: times.yourTime(callback.desired_time) }));
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
      h("dd", { text: callback.desired_time ? times.yourTime(callback.desired_time) : STRINGS.mineAsap }),
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
        ? times.yourTime(callback.desired_time) : STRINGS.mineAsap }) }),
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
