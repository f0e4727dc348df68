// The plugin bus at window.CallbackBus that CallbackService and a page's own plugins share.

/*
 * A deliberately small bus: named commands answered by one plugin (always a
 * Promise, so callers need not know whether work is synchronous), and named
 * events published to any number of subscribers. A throwing subscriber is
 * logged and skipped: one plugin's bug must not stop the others.
 */
export function createBus() {
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

// The page's bus if another plugin made one, else a new one on host (window), running what the page queued.
export function installBus(host) {
  const existing = host.CallbackBus;
  if (existing && typeof existing.registerPlugin === "function") return existing;
  const bus = createBus();
  host.CallbackBus = bus;
  if (Array.isArray(existing)) bus.push(...existing);
  return bus;
}
