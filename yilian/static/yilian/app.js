// Yilian page behaviour. No inline scripts anywhere: everything the pages need is here.
(function () {
  "use strict";

  // --- The user's event stream (/ws/me/): unread badge, account review, live refreshes.
  function connectUserStream(path) {
    var delay = 1000;
    function open() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      var socket = new WebSocket(scheme + location.host + path);
      socket.addEventListener("open", function () { delay = 1000; document.body.dataset.streamState = "open"; });
      socket.addEventListener("message", function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        handle(message);
      });
      socket.addEventListener("close", function (event) {
        document.body.dataset.streamState = "closed";
        if (event.code === 4401) { return; }  // not signed in: do not retry
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    open();
  }

  function setUnread(count) {
    document.querySelectorAll("[data-unread-count]").forEach(function (badge) {
      badge.textContent = String(count);
      badge.classList.toggle("d-none", !count);
    });
  }

  function handle(message) {
    if (message.type === "notification") {
      setUnread(message.unread);
      document.dispatchEvent(new CustomEvent("yilian:notification", { detail: message }));
    } else if (message.type === "account.reviewed" && document.body.dataset.reloadOnReview !== undefined) {
      location.reload();
    } else if (message.type === "workflow.request") {
      requestUpdated(message);
    }
  }

  // --- The request page: a banner when someone else moved the request this page shows.
  function requestUpdated(message) {
    var banner = document.querySelector("[data-live-request]");
    if (!banner || banner.dataset.liveRequest !== message.request) { return; }
    var shown = parseInt(banner.dataset.liveVersion, 10);
    if (typeof message.version === "number" && !isNaN(shown) && message.version > shown) {
      banner.classList.remove("d-none");
    }
  }

  // --- The request page: open the action a link points at (#act-confirm) and the
  // confirmation dialog whose form came back with errors.
  function openRequestedAction() {
    if (location.hash.indexOf("#act-") === 0) {
      var target = document.getElementById(location.hash.slice(1));
      if (target && target.tagName === "DETAILS") { target.open = true; target.scrollIntoView(); }
      else if (target && target.classList.contains("modal") && window.bootstrap) {
        window.bootstrap.Modal.getOrCreateInstance(target).show();
      }
    }
    document.querySelectorAll(".modal[data-yl-open]").forEach(function (modal) {
      if (window.bootstrap) { window.bootstrap.Modal.getOrCreateInstance(modal).show(); }
    });
  }

  // --- Confirmation before destructive actions: <form data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  }, true);

  // --- Logging out forgets the cloud rooms' unsent chat kept in this browser.
  document.addEventListener("submit", function (event) {
    if (!(event.target instanceof HTMLFormElement) || !event.target.hasAttribute("data-logout")) { return; }
    [window.sessionStorage, window.localStorage].forEach(function (store) {
      try {
        Object.keys(store).forEach(function (key) {
          if (key.indexOf("yilian.room.") === 0) { store.removeItem(key); }
        });
      } catch (e) { /* storage unavailable */ }
    });
  });

  // --- Auto-submitting filters: <select data-autosubmit> inside a form.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLElement && el.hasAttribute("data-autosubmit") && el.form) {
      if (window.htmx && el.form.hasAttribute("hx-get")) { window.htmx.trigger(el.form, "submit"); }
      else { el.form.submit(); }
    }
  });

  // --- Fields that matter only for one choice: <select data-reveals="element-id"
  // data-reveals-when="value"> shows that element only while the value is chosen.
  function reveal(select) {
    var target = document.getElementById(select.dataset.reveals);
    if (target) { target.classList.toggle("d-none", select.value !== select.dataset.revealsWhen); }
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el instanceof HTMLSelectElement && el.dataset.reveals) { reveal(el); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-reveals]").forEach(reveal);
    var path = document.body.dataset.userStream;
    if (path && "WebSocket" in window) { connectUserStream(path); }
    openRequestedAction();
    registerServiceWorker(document.body.dataset.serviceWorker);
  });

  // --- The installable app: the service worker keeps the app shell and the offline page.
  function registerServiceWorker(url) {
    if (!url || !("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.register(url, { scope: "/" }).catch(function () {
      // Without it the site works as before (no secure context, private browsing …).
    });
  }
})();
