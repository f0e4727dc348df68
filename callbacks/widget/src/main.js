/*
 * Callback widget and the CallbackService JavaScript API.
 *
 * Embed with one tag; the API is served by the same host as this file:
 *
 *   <script src="https://callbacks.example.com/static/callback/v1/widget.js" data-widget-key="KEY" async></script>
 *
 * Options (data-* attributes of the tag, or window.CallbackServiceConfig set before it):
 *   data-widget-key / widgetKey   the widget's public key (required)
 *   data-api-base   / apiBase     where the API lives; default: this script's own origin
 *   data-ui="none"  / ui: false   no UI: only the CallbackService plugin, for a host page's own UI
 *   data-launcher="none" / launcher: false   the dialog without the floating button (open it with a command)
 *   strings: {...}                replaces any of the texts in STRINGS (strings.js)
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
 * Plain modern JavaScript without dependencies. The served file is this folder's modules bundled into one
 * readable script (callbacks/widget/build.mjs), so integrators can read what they embed.
 */

import { installBus } from "./bus.js";
import { loadOptions, options } from "./options.js";
import { CallbackService } from "./service.js";
import { STRINGS } from "./strings.js";
import { WidgetUI } from "./ui.js";

// The tag may be pasted twice (a CMS block plus a template); one copy must win.
const LOADED = "__callbackServiceLoaded";

function start(bus, service) {
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

if (!window[LOADED]) {
  window[LOADED] = true;
  // document.currentScript is only set while this file first runs, so read it now.
  const script = document.currentScript
    || document.querySelector("script[data-widget-key][src*='widget.js'], script[data-widget-key][src*='widget.min.js']")
    || document.querySelector("script[src*='/callback/widget.js'], script[src*='/callback/v1/widget']");
  const pageConfig = window.CallbackServiceConfig || {};
  loadOptions(script, pageConfig);
  Object.assign(STRINGS, pageConfig.strings || {});

  const bus = installBus(window);
  const service = new CallbackService(bus);
  if (document.body) start(bus, service);
  else document.addEventListener("DOMContentLoaded", () => start(bus, service), { once: true });
}
