// The API client against a fake fetch: what each request sends, and every failure as one error shape.

import assert from "node:assert/strict";
import { afterEach, beforeEach, test } from "node:test";

import { CallbackServiceError, api } from "../../callbacks/widget/src/api.js";
import { options } from "../../callbacks/widget/src/options.js";

let calls;
let answer;

beforeEach(() => {
  options.apiBase = "https://callbacks.example.com";
  calls = [];
  answer = () => new Response(JSON.stringify({ ok: true }), { status: 200 });
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init });
    return answer();
  };
});

afterEach(() => {
  delete globalThis.fetch;
});

function json(status, body, headers = {}) {
  return () => new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
}

async function failure(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail("the request did not fail");
}

test("a GET is a simple request: JSON accepted, no body, no Content-Type, no cookies", async () => {
  const data = await api("GET", "/api/v1/public/widgets/acme/config?timezone=Europe%2FLondon");

  assert.deepEqual(data, { ok: true });
  assert.equal(calls.length, 1);
  const { url, init } = calls[0];
  assert.equal(url, "https://callbacks.example.com/api/v1/public/widgets/acme/config?timezone=Europe%2FLondon");
  assert.equal(init.method, "GET");
  assert.deepEqual(init.headers, { Accept: "application/json" });
  assert.equal(init.body, undefined);
  assert.equal(init.mode, "cors");
  assert.equal(init.credentials, "omit");
});

test("a POST sends its body as JSON with the token and the idempotency key", async () => {
  await api("POST", "/api/v1/public/callbacks/7/cancel", { body: { a: 1 }, token: "tok", idempotencyKey: "k1" });

  const { init } = calls[0];
  assert.equal(init.method, "POST");
  assert.equal(init.body, '{"a":1}');
  assert.deepEqual(init.headers, {
    Accept: "application/json", "Content-Type": "application/json", Authorization: "Bearer tok",
    "Idempotency-Key": "k1",
  });
});

test("an empty answer is null", async () => {
  answer = json(204);
  assert.equal(await api("POST", "/x", { body: {} }), null);
});

test("a 400 gives field errors, flattened to messages except a nested object's", async () => {
  answer = json(400, { phone_number: ["Enter a valid number."], context: { plan: ["Too long."] }, notes: "Bad." });

  const error = await failure(api("POST", "/x", { body: {} }));

  assert.ok(error instanceof CallbackServiceError);
  assert.equal(error.name, "CallbackServiceError");
  assert.equal(error.status, 400);
  assert.equal(error.code, "invalid");
  assert.equal(error.kind, "validation");
  assert.equal(error.detail, "Please correct the highlighted fields.");
  assert.deepEqual(error.fields, {
    phone_number: ["Enter a valid number."], context: { plan: ["Too long."] }, notes: ["Bad."],
  });
});

test("a 429 says how long to wait when Retry-After is readable", async () => {
  answer = json(429, { detail: "Request was throttled." }, { "Retry-After": "30" });

  const error = await failure(api("GET", "/x"));

  assert.equal(error.code, "throttled");
  assert.equal(error.retryAfter, 30);
  assert.equal(error.detail, "Too many requests. Please try again in 30 seconds.");
  assert.equal(error.kind, "server");
});

test("a 429 without a readable Retry-After asks for a moment", async () => {
  answer = json(429, {});

  const error = await failure(api("GET", "/x"));

  assert.equal(error.retryAfter, null);
  assert.equal(error.detail, "Too many requests. Please try again in a moment.");
});

test("a 5xx is the service being unavailable, whatever its body", async () => {
  answer = () => new Response("<html>Bad gateway</html>", { status: 502 });

  const error = await failure(api("GET", "/x"));

  assert.equal(error.status, 502);
  assert.equal(error.code, "unavailable");
  assert.equal(error.detail, "The callback service is unavailable right now. Please try again in a few minutes.");
});

test("a 409 duplicate carries its code, detail and the existing callback's id", async () => {
  answer = json(409, { code: "duplicate", detail: "You already have a callback booked.", id: "abc" });

  const error = await failure(api("POST", "/x", { body: {} }));

  assert.deepEqual([error.status, error.code, error.detail, error.id],
                   [409, "duplicate", "You already have a callback booked.", "abc"]);
});

test("a 422 rule rejection keeps the rule's stable code", async () => {
  answer = json(422, { code: "capacity_full", detail: "That time is fully booked." });

  const error = await failure(api("POST", "/x", { body: {} }));

  assert.equal(error.code, "capacity_full");
  assert.equal(error.message, "That time is fully booked.");
});

test("a 404 or 409 without a code is named by its status", async () => {
  answer = json(404, { detail: "Not found." });
  assert.equal((await failure(api("GET", "/x"))).code, "not_found");
  answer = json(409, {});
  const conflict = await failure(api("GET", "/x"));
  assert.equal(conflict.code, "conflict");
  assert.equal(conflict.detail, "The callback service is unavailable right now. Please try again in a few minutes.");
});

test("a network failure is status 0 with words for the customer", async () => {
  globalThis.fetch = async () => {
    throw new TypeError("Failed to fetch");
  };

  const error = await failure(api("GET", "/x"));

  assert.equal(error.status, 0);
  assert.equal(error.code, "network_error");
  assert.equal(error.detail, "We couldn't reach the callback service. Check your connection and try again.");
});
