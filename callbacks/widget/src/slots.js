// Times and waits as the customer reads them: slots grouped by the customer's own day, times said to be theirs.

import { STRINGS, format } from "./strings.js";

function formatter(locale, timeZone, opts) {
  try {
    return new Intl.DateTimeFormat(locale, Object.assign({ timeZone }, opts));
  } catch (e) {
    return new Intl.DateTimeFormat("en", opts);
  }
}

/** How instants read in one locale and zone: the customer's, for every time the widget shows. */
export function timeFormat(locale, timeZone) {
  const fmt = {
    dayKey: formatter(locale, timeZone, { year: "numeric", month: "2-digit", day: "2-digit" }),
    day: formatter(locale, timeZone, { weekday: "short", day: "numeric", month: "short" }),
    time: formatter(locale, timeZone, { hour: "2-digit", minute: "2-digit" }),
    full: formatter(locale, timeZone, { weekday: "long", day: "numeric", month: "long", hour: "2-digit",
                                        minute: "2-digit", timeZoneName: "short" }),
  };

  // A comparable "YYYY-MM-DD" of an instant in the zone, whatever the locale's order.
  function dayKey(date) {
    const parts = Object.fromEntries(fmt.dayKey.formatToParts(date).map((p) => [p.type, p.value]));
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  return {
    dayKey,

    // "09:00", a time pill's text.
    time(date) {
      return fmt.time.format(date);
    },

    // "Tuesday 2 December at 09:00 GMT (your time)": the customer's zone, named, so it cannot be misread
    // as the contact center's time.
    yourTime(iso) {
      return format(STRINGS.yourTime, { time: fmt.full.format(new Date(iso)) });
    },

    // "Times shown in your time (Europe/London)".
    timesIn() {
      return format(STRINGS.timesIn, { zone: timeZone.replace(/_/g, " ") });
    },

    // The bookable slots (capacity left) by the zone's day, in the answer's order: "YYYY-MM-DD" -> [slot].
    slotsByDay(slots) {
      const byDay = new Map();
      for (const slot of slots) {
        if (slot.capacity === 0) continue;
        const key = dayKey(new Date(slot.start));
        if (!byDay.has(key)) byDay.set(key, []);
        byDay.get(key).push(slot);
      }
      return byDay;
    },

    // A day pill's label as seen at `now` (ms): Today, Tomorrow, else the day of its first slot ("Wed 3 Dec").
    dayLabeler(now) {
      const today = dayKey(new Date(now));
      const tomorrow = dayKey(new Date(now + 86400000));
      return (key, slots) => (key === today ? STRINGS.today : key === tomorrow ? STRINGS.tomorrow
        : fmt.day.format(new Date(slots[0].start)));
    },
  };
}

// "10 min", or "" when there is no estimate (no agent logged in) or no wait at all.
export function waitText(seconds) {
  if (seconds === null || seconds === undefined || seconds <= 0) return "";
  if (seconds < 60) return STRINGS.waitUnderMinute;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return format(STRINGS.waitMinutes, { n: minutes });
  return format(STRINGS.waitHours, { h: Math.floor(minutes / 60), m: minutes % 60 });
}

// The hint under "As soon as possible": "No wait", "10 min wait", or when the next agent is free.
export function asapWaitText(seconds) {
  if (seconds === 0) return STRINGS.asapNoWait;
  const wait = waitText(seconds);
  if (!wait) return STRINGS.asapUnknownWait;
  const text = format(STRINGS.asapWait, { wait });
  return text.charAt(0).toUpperCase() + text.slice(1);
}
