// The widget's options: the tag's data-* attributes, or window.CallbackServiceConfig set before it.
// One shared object, filled in once by main.js and changed later only by CallbackService.configure.

export const options = { widgetKey: "", apiBase: "", ui: true, launcher: true };

export function flag(value, fallback) {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value === "boolean") return value;
  return !/^(none|false|off|0|no)$/i.test(String(value));
}

function defaultApiBase(script) {
  try {
    return new URL(script.src, location.href).origin;
  } catch (e) {
    return location.origin;
  }
}

/** Fills in `options` from the embedding tag (its dataset) and the page's configuration. */
export function loadOptions(script, pageConfig) {
  const dataset = (script && script.dataset) || {};
  Object.assign(options, {
    widgetKey: pageConfig.widgetKey || dataset.widgetKey || "",
    apiBase: String(pageConfig.apiBase || dataset.apiBase || defaultApiBase(script)).replace(/\/+$/, ""),
    ui: flag(pageConfig.ui !== undefined ? pageConfig.ui : dataset.ui, true),
    launcher: flag(pageConfig.launcher !== undefined ? pageConfig.launcher : dataset.launcher, true),
  });
}
