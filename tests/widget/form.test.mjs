// The booking form apart from the DOM: its rows, its validation messages, the request it makes.

import assert from "node:assert/strict";
import { test } from "node:test";

import { PHONE_FIELD, formErrors, formRows, formValues, offersNow } from "../../callbacks/widget/src/form.js";

const VALID = { valid: true };
const field = (spec, input) => [spec.name, { spec, input }];
const input = (validity, value = "") => ({ validity, value });

test("a form without a phone field gets one, first", () => {
  const rows = formRows([{ name: "first_name", type: "text" }]);
  assert.deepEqual(rows, [[PHONE_FIELD], [{ name: "first_name", type: "text" }]]);
  assert.deepEqual(formRows(null), [[PHONE_FIELD]]);
});

test("fields with a row share it, rows go top to bottom, the others follow one a row in list order", () => {
  const form = [
    { name: "phone_number", type: "tel" },
    { name: "notes", type: "textarea" },
    { name: "last_name", row: 2 },
    { name: "first_name", row: 2 },
    { name: "email", row: 1 },
  ];
  assert.deepEqual(formRows(form).map((row) => row.map((spec) => spec.name)),
                   [["email"], ["last_name", "first_name"], ["phone_number"], ["notes"]]);
});

test("a form the browser finds valid has no errors", () => {
  const fields = new Map([field({ name: "phone_number", type: "tel" }, input(VALID, "020 7946 0958"))]);
  assert.deepEqual(formErrors(fields), {});
});

test("a missing value is asked for in the words of its field", () => {
  const missing = { valid: false, valueMissing: true };
  const fields = new Map([
    field({ name: "phone_number", type: "tel" }, input(missing)),
    field({ name: "terms", type: "checkbox" }, input(missing)),
    field({ name: "first_name", type: "text" }, input(missing)),
  ]);
  assert.deepEqual(formErrors(fields), {
    phone_number: ["Enter your phone number."],
    terms: ["Please tick this box to continue."],
    first_name: ["This field is required."],
  });
});

test("a wrong type is an invalid email, any other mismatch a wrong format", () => {
  const fields = new Map([
    field({ name: "email", type: "email" }, input({ valid: false, typeMismatch: true })),
    field({ name: "order", type: "text", pattern: "[0-9]+" }, input({ valid: false, patternMismatch: true })),
  ]);
  assert.deepEqual(formErrors(fields), {
    email: ["Enter a valid email address."], order: ["Enter a value in the expected format."],
  });
});

test("hidden fields and inputs without validity are not checked", () => {
  const fields = new Map([
    field({ name: "source", type: "hidden" }, input({ valid: false, valueMissing: true })),
    field({ name: "captcha" }, {}),
  ]);
  assert.deepEqual(formErrors(fields), {});
});

test("a time not picked and a challenge not solved are errors of their own", () => {
  assert.deepEqual(formErrors(new Map(), { timeMissing: true, captchaMissing: true }), {
    desired_time: ["Choose a time for your call."], captcha: ["Please complete the check."],
  });
});

test("values are trimmed: callback fields at the top when given, the others in context unless empty", () => {
  const fields = new Map([
    field({ name: "phone_number", type: "tel" }, { value: " 020 7946 0958 " }),
    field({ name: "first_name", type: "text" }, { value: "  " }),
    field({ name: "notes", type: "textarea" }, { value: "About my invoice" }),
    field({ name: "plan", type: "select" }, { value: "pro" }),
    field({ name: "order", type: "text" }, { value: " " }),
    field({ name: "newsletter", type: "checkbox" }, { checked: false, value: "on" }),
    field({ name: "source", type: "hidden" }, { value: "pricing" }),
    ["captcha", { spec: { name: "captcha" }, input: { value: "abc" }, virtual: true }],
  ]);
  assert.deepEqual(formValues(fields), {
    phone_number: "020 7946 0958",
    notes: "About my invoice",
    context: { plan: "pro", newsletter: false, source: "pricing" },
  });
});

test("now is offered only when the answer says so", () => {
  assert.equal(offersNow({ immediate: { available: true } }), true);
  assert.equal(offersNow({ immediate: { available: false } }), false);
  assert.equal(offersNow({}), false);
});
