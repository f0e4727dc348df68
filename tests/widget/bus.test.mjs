// The plugin bus: commands answered by one plugin, events to every subscriber, a page's queued work.

import assert from "node:assert/strict";
import { mock, test } from "node:test";

import { createBus, installBus } from "../../callbacks/widget/src/bus.js";

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("a command is answered by its plugin, always as a promise", async () => {
  const bus = createBus();
  const chat = bus.registerPlugin("Chat");
  chat.registerCommand("ping", (args) => ({ pong: args.n }));
  chat.registerCommand("empty", (args) => args);

  assert.deepEqual(await bus.command("Chat.ping", { n: 2 }), { pong: 2 });
  assert.deepEqual(await bus.command("Chat.empty"), {});
  assert.ok(bus.hasCommand("Chat.ping"));
  assert.deepEqual(bus.plugins(), ["Chat"]);
});

test("a command that throws rejects its promise", async () => {
  const bus = createBus();
  bus.registerPlugin("Chat").registerCommand("boom", () => {
    throw new Error("boom");
  });
  await assert.rejects(bus.command("Chat.boom"), /boom/);
});

test("a command sent before its plugin exists waits for it, in order", async () => {
  const bus = createBus();
  const first = bus.command("Chat.ping", { n: 1 });
  const second = bus.command("Chat.ping", { n: 2 });
  const seen = [];
  bus.registerPlugin("Chat").registerCommand("ping", (args) => {
    seen.push(args.n);
    return args.n;
  });
  assert.deepEqual(await Promise.all([first, second]), [1, 2]);
  assert.deepEqual(seen, [1, 2]);
});

test("a command no plugin answers within 10 s is refused", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const bus = createBus();
  const waiting = bus.command("Chat.ping");
  t.mock.timers.tick(10000);
  await assert.rejects(waiting, { message: "[CallbackBus] unknown command: Chat.ping" });
});

test("an unknown command of a plugin that is there is refused at once", async () => {
  const bus = createBus();
  bus.registerPlugin("Chat");
  await assert.rejects(bus.command("Chat.nope"), { message: "[CallbackBus] unknown command: Chat.nope" });
});

test("plugin names are checked and taken once", () => {
  const bus = createBus();
  bus.registerPlugin("Chat");
  assert.throws(() => bus.registerPlugin("Chat"), /already registered: Chat/);
  assert.throws(() => bus.registerPlugin("no.dots"), /invalid plugin name/);
  assert.throws(() => bus.subscribe("Chat.x", "not a function"), TypeError);
});

test("an event reaches its own, its plugin's and every-event subscribers, with its name", () => {
  const bus = createBus();
  const seen = [];
  bus.subscribe("Chat.opened", (data, name) => seen.push(["exact", name, data.n]));
  bus.subscribe("Chat.*", (data, name) => seen.push(["plugin", name, data.n]));
  bus.subscribe("*", (data, name) => seen.push(["all", name, data.n]));
  bus.subscribe("Other.opened", () => seen.push(["other"]));

  bus.registerPlugin("Chat").publish("opened", { n: 1 });

  assert.deepEqual(seen, [["exact", "Chat.opened", 1], ["plugin", "Chat.opened", 1], ["all", "Chat.opened", 1]]);
});

test("a subscriber that throws is logged and the next one still runs", () => {
  const bus = createBus();
  const logged = mock.method(console, "error", () => {});
  const seen = [];
  bus.subscribe("Chat.opened", () => {
    throw new Error("a buggy plugin");
  });
  bus.subscribe("Chat.opened", (data) => seen.push(data));
  try {
    bus.publish("Chat.opened", "x");
  } finally {
    logged.mock.restore();
  }
  assert.deepEqual(seen, ["x"]);
  assert.equal(logged.mock.callCount(), 1);
  assert.match(logged.mock.calls[0].arguments[0], /subscriber of Chat.opened failed/);
});

test("unsubscribing stops the events", () => {
  const bus = createBus();
  const seen = [];
  const unsubscribe = bus.subscribe("Chat.opened", (data) => seen.push(data));
  bus.publish("Chat.opened", 1);
  unsubscribe();
  bus.publish("Chat.opened", 2);
  assert.deepEqual(seen, [1]);
});

test("a sticky event is replayed to a late subscriber, soon after it subscribes", async () => {
  const bus = createBus();
  bus.publish("CallbackService.ready", { config: 1 }, { sticky: true });
  bus.publish("CallbackService.opened", {});
  const seen = [];
  bus.subscribe("CallbackService.ready", (data, name) => seen.push([name, data]));
  bus.subscribe("CallbackService.opened", () => seen.push("not sticky"));
  assert.deepEqual(seen, []);
  await tick();
  assert.deepEqual(seen, [["CallbackService.ready", { config: 1 }]]);
});

test("installing runs what the page queued before the script loaded, and push keeps working", () => {
  const host = { CallbackBus: [] };
  const seen = [];
  host.CallbackBus.push((bus) => seen.push(["queued", typeof bus.registerPlugin]));

  const bus = installBus(host);
  assert.equal(host.CallbackBus, bus);
  assert.deepEqual(seen, [["queued", "function"]]);
  assert.equal(bus.push((b) => seen.push(["later", b === bus]), "not a function"), 0);
  assert.deepEqual(seen.at(-1), ["later", true]);
});

test("installing next to another plugin's bus joins it", () => {
  const existing = createBus();
  const host = { CallbackBus: existing };
  assert.equal(installBus(host), existing);
});
