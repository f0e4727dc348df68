// The booking form's state, apart from the DOM: its rows, what the browser found invalid, what it sends.

import { STRINGS } from "./strings.js";

// The phone field a form gets when its configuration has none: a callback needs a number.
export const PHONE_FIELD = {
  name: "phone_number", type: "tel", label: "Phone", required: true, autocomplete: "tel", width: "full",
};

// Fields the callback itself has; any other form field goes into its context.
export const CORE_FIELDS = new Set(["phone_number", "first_name", "last_name", "email", "notes"]);

/**
 * The configured fields (a widget's `form`) in rows, top to bottom: rows group fields side by side; a field
 * without a row gets one of its own, in list order. The phone field comes first when the form has none.
 */
export function formRows(form) {
  const specs = (Array.isArray(form) ? form : []).slice();
  if (!specs.some((f) => f.name === "phone_number")) specs.unshift(PHONE_FIELD);
  const rows = new Map();
  specs.forEach((spec, index) => {
    const row = Number.isFinite(spec.row) ? spec.row : 10000 + index;
    if (!rows.has(row)) rows.set(row, []);
    rows.get(row).push(spec);
  });
  return Array.from(rows.keys()).sort((a, b) => a - b).map((row) => rows.get(row));
}

/**
 * The browser's own checks (required, type, pattern: each input's `validity`), with our wording, plus a time
 * not yet picked and a hosted CAPTCHA not yet solved: {field: [message]}, empty when the form may be sent.
 * `fields` maps a name to {spec, input}.
 */
export function formErrors(fields, { timeMissing = false, captchaMissing = false } = {}) {
  const errors = {};
  for (const [name, field] of fields) {
    const input = field.input;
    if (field.spec.type === "hidden" || !input.validity) continue;
    if (input.validity.valid) continue;
    if (input.validity.valueMissing) {
      errors[name] = [name === "phone_number" ? STRINGS.requiredPhone
        : field.spec.type === "checkbox" ? STRINGS.requiredTick : STRINGS.required];
    } else if (input.validity.typeMismatch) errors[name] = [STRINGS.invalidEmail];
    else errors[name] = [STRINGS.invalidFormat];
  }
  if (timeMissing) errors.desired_time = [STRINGS.chooseTime];
  if (captchaMissing) errors.captcha = [STRINGS.completeCaptcha];
  return errors;
}

/**
 * The request the fields make, trimmed: callback fields at the top, given ones only; any other field in
 * `context` unless empty. Fields of the dialog's own (`virtual`, the CAPTCHA) are not the form's.
 */
export function formValues(fields) {
  const request = { context: {} };
  for (const [name, field] of fields) {
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
  return request;
}

// Whether a config or availability answer offers a callback now.
export function offersNow(answer) {
  return Boolean(answer.immediate && answer.immediate.available);
}
