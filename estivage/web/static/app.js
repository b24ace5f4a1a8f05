// Live figures pushed by the server (server-sent events): <span data-live="/url" data-event="name">.
// With data-changed="x", a change of the figure also fires the event "x" on the body (HTMX elements
// listening for it reload their part of the page, e.g. the list behind the count).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-live]").forEach(function (el) {
    if (typeof EventSource === "undefined") return;
    var source = new EventSource(el.dataset.live);
    source.addEventListener(el.dataset.event || "message", function (event) {
      if (el.textContent === event.data) return;
      el.textContent = event.data;
      el.classList.add("updated");
      setTimeout(function () { el.classList.remove("updated"); }, 800);
      if (el.dataset.changed) document.body.dispatchEvent(new CustomEvent(el.dataset.changed));
    });
    window.addEventListener("pagehide", function () { source.close(); });
  });
});

// The pass offline: /sw.js keeps each confirmed stay's pass page and image seen (see its comment).
if ("serviceWorker" in navigator && document.querySelector("[data-offline-pass]")) {
  navigator.serviceWorker.register("/sw.js", { scope: "/" });
}
