// The API client: one fetch per request, and every failure as one CallbackServiceError.

import { options } from "./options.js";
import { STRINGS, format } from "./strings.js";

/** An error the API (or the network) gave, in one shape whatever its status. */
export class CallbackServiceError extends Error {
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
export function messagesOf(value) {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap(messagesOf);
  if (typeof value === "object") return Object.values(value).flatMap(messagesOf);
  return [String(value)];
}

export function errorFromResponse(response, data) {
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

export async function api(method, path, { body, token, idempotencyKey } = {}) {
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
