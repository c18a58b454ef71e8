// Yilian service worker: keeps the app shell (static files) and the offline page on the
// device. Pages are always fetched from the network and never stored: they carry
// patients' data. Without a network, a page request gets the offline page.
"use strict";
const CONFIG = {{ config|safe }};
const CACHE = "yilian-shell-" + CONFIG.version;
const SHELL = new Set(CONFIG.shell);

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE)
      .then((cache) => cache.addAll(CONFIG.shell.concat([CONFIG.offline])))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith("yilian-shell-") && name !== CACHE)
          .map((name) => caches.delete(name))
      ))
      .then(() => self.clients.claim())
  );
});

function isStatic(url) {
  return url.origin === self.location.origin && url.pathname.startsWith(CONFIG.static);
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(() => caches.match(CONFIG.offline)));
    return;
  }
  if (!isStatic(url)) { return; }
  if (SHELL.has(url.pathname)) {
    // The shell was stored at install and is replaced as a whole when it changes.
    event.respondWith(
      caches.match(request, { ignoreSearch: true }).then((hit) => hit || fetch(request))
    );
    return;
  }
  // Other static files: the network first, the last copy when there is none.
  event.respondWith(
    fetch(request).then((response) => {
      if (response.ok) {
        const copy = response.clone();
        caches.open(CACHE).then((cache) => cache.put(request, copy));
      }
      return response;
    }).catch(() => caches.match(request))
  );
});
