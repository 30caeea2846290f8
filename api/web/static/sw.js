/* The officer app's service worker (served as /sw.js, scope "/"): see docs/field-app.md.

   - The shipped assets (CSS, JS, icons, the tus client) are kept in STATIC and served from there
     when the network is down; online they are fetched fresh and the copy refreshed.
   - Pages: network first (with a time limit, for a weak network); a page of the officer's work
     (my cases, a case, the patrol day, /offline) is copied into PAGES whenever it loads, and the
     page's "离线同步" (app.js) copies the whole list the server names at /offline/sync. Offline, a
     page is answered from PAGES, else the /offline page.
   - Nothing but GET is ever cached or answered from a cache: forms filled offline wait in the
     device's outbox (app.js, IndexedDB) and are posted by the page when the network returns. */
"use strict";

var VERSION = "enforce-v1";
var STATIC = VERSION + "-static";
var PAGES = "enforce-pages";  // shared with app.js (the sync writes here, logout clears it)
var SHELL = ["/static/app.css", "/static/app.js", "/static/offline.js", "/static/vendor/tus.min.js", "/static/icons/app-192.png",
             "/static/icons/app-512.png", "/manifest.webmanifest"];
var OFFLINE_PATHS = /^\/(cases(\/\d+)?|patrols(\/[\w-]+)?|offline)$/;
var PAGE_TIMEOUT_MS = 6000;

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(STATIC).then(function (cache) {
    return Promise.all(SHELL.map(function (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (r) { if (r.ok) { return cache.put(url, r); } });
    })).then(function () {
      return fetch("/offline", { credentials: "same-origin" }).then(function (r) {
        if (r.ok) { return caches.open(PAGES).then(function (pages) { return pages.put("/offline", r); }); }
      });
    });
  }).catch(function () { /* installed without a network: the pages fill the caches later */ })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== STATIC && k !== PAGES; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function withTimeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, ms);
    promise.then(function (r) { clearTimeout(timer); resolve(r); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

function pageKey(url) {
  return url.pathname + url.search;
}

function servePage(request, url) {
  var key = pageKey(url);
  return withTimeout(fetch(request), PAGE_TIMEOUT_MS).then(function (response) {
    var loginPage = response.redirected && new URL(response.url).pathname === "/login";
    if (response.ok && !loginPage && OFFLINE_PATHS.test(url.pathname)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) {
      var tries = [key, url.pathname, "/offline"];
      function next(i) {
        if (i >= tries.length) {
          return new Response("<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>离线</title>" +
                              "<p>当前离线，此页面尚未同步到本机。</p></html>",
                              { headers: { "Content-Type": "text/html; charset=utf-8" } });
        }
        return cache.match(tries[i]).then(function (hit) { return hit || next(i + 1); });
      }
      return next(0);
    });
  });
}

function serveStatic(request, url) {
  return fetch(request).then(function (response) {
    if (response.ok) {
      var copy = response.clone();
      caches.open(STATIC).then(function (cache) { cache.put(url.pathname, copy); });
    }
    return response;
  }).catch(function () {
    return caches.open(STATIC).then(function (cache) {
      return cache.match(url.pathname).then(function (hit) { return hit || Response.error(); });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  var action = url.pathname.match(/^\/cases\/(\d+)\/actions\/(\w+)$/);
  if (request.method === "POST" && request.mode === "navigate" && action) {
    // a case action posted while the network drops: back to the case, where the page's draft
    // copy of the form becomes an outbox item (app's offline.js); nothing is answered from a cache
    event.respondWith(fetch(request).catch(function () {
      return Response.redirect("/cases/" + action[1] + "?unsent=" + action[2], 303);
    }));
    return;
  }
  if (request.method !== "GET") { return; }  // other posts go to the network, or wait in the outbox
  if (url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) { return; }
  if (request.mode === "navigate") {
    event.respondWith(servePage(request, url));
  } else if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(serveStatic(request, url));
  }
});
