// The worklist's clocks: the reservation countdown and how long the customer has waited.
// The server renders the seconds; counting on from them here needs no clock agreement with the server.
(function () {
  "use strict";

  function duration(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) return "under a minute";
    if (minutes < 60) return minutes + " min";
    var rest = minutes % 60;
    return Math.floor(minutes / 60) + " h " + (rest < 10 ? "0" : "") + rest + " min";
  }

  function clock(seconds) {
    var rest = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  // Seconds since an element was rendered, remembered on the element itself.
  function elapsed(el) {
    if (!el.dataset.renderedAt) el.dataset.renderedAt = String(Date.now());
    return Math.floor((Date.now() - Number(el.dataset.renderedAt)) / 1000);
  }

  function tick() {
    document.querySelectorAll("[data-seconds-left]").forEach(function (el) {
      var left = Math.max(0, Number(el.dataset.secondsLeft) - elapsed(el));
      el.textContent = clock(left);
      el.classList.toggle("urgent", left <= 15);
      if (left === 0 && !el.dataset.ended) {
        el.dataset.ended = "1";
        el.closest(".reservation").textContent = "Time is up: the callback goes back to the queue.";
        // Look again a moment later, once the server has taken the reservation back.
        setTimeout(function () { htmx.trigger("#worklist", "reservation-ended"); }, 2000);
      }
    });
    document.querySelectorAll("[data-waited-seconds]").forEach(function (el) {
      el.textContent = duration(Number(el.dataset.waitedSeconds) + elapsed(el));
    });
  }

  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSwap", tick);
  document.addEventListener("DOMContentLoaded", tick);
})();
