// Estivage's service worker: the gate pass without a signal. Hand-written (about forty lines) rather
// than Workbox: it needs one rule, and Workbox would add a build step and a library to vendor.
// Rule: a stay's pass page (/bookings/<id>, /bookings/<id>/gate), its image (/api/bookings/<id>/pass.png)
// and the page's style and scripts are fetched from the network first; each good answer is kept; with
// no network the kept copy is served. Nothing else is touched (no other page, no form, no API call).
var CACHE = "estivage-pass-v1";
var KEPT = [
  /^\/bookings\/[0-9a-f-]{36}(\/gate)?$/,
  /^\/api\/bookings\/[0-9a-f-]{36}\/pass\.png$/,
  /^\/static\/[\w.-]+\.(css|js)$/,
];

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (!KEPT.some(function (pattern) { return pattern.test(url.pathname); })) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok && !response.redirected) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(url.pathname).then(function (kept) { return kept || Response.error(); });
    })
  );
});
