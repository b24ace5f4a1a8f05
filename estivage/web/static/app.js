// Live figures pushed by the server (server-sent events): <span data-live="/url" data-event="name">.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-live]").forEach(function (el) {
    if (typeof EventSource === "undefined") return;
    var source = new EventSource(el.dataset.live);
    source.addEventListener(el.dataset.event || "message", function (event) {
      el.textContent = event.data;
      el.classList.add("updated");
      setTimeout(function () { el.classList.remove("updated"); }, 800);
    });
    window.addEventListener("pagehide", function () { source.close(); });
  });
});
