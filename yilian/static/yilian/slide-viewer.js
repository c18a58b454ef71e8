// The pathology slide viewer: OpenSeadragon on the slide's Deep Zoom tiles, the experts'
// marked regions as overlays, and (for experts) marking the region in view with a comment
// or keeping it as a snapshot for the opinion.
(function () {
  "use strict";

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function setUp(root) {
    if (!window.OpenSeadragon) { return; }
    var viewer = window.OpenSeadragon({
      element: root,
      tileSources: root.dataset.dzi,
      prefixUrl: root.dataset.prefix,
      showNavigator: true,
      navigatorAutoFade: false,
      gestureSettingsTouch: { pinchRotate: false },
      crossOriginPolicy: false,
      maxZoomPixelRatio: 2
    });
    window.ylSlideViewer = viewer;
    var overlays = [];
    var list = document.querySelector("[data-annotation-list]");

    function drawOverlays(items) {
      overlays.forEach(function (el) { viewer.removeOverlay(el); });
      overlays = [];
      items.forEach(function (a) {
        var box = document.createElement("div");
        box.className = "yl-annotation-box";
        box.dataset.overlay = a.id;
        var tag = document.createElement("span");
        tag.textContent = a.comment;
        box.appendChild(tag);
        var rect = viewer.viewport.imageToViewportRectangle(a.x, a.y, a.width, a.height);
        viewer.addOverlay({ element: box, location: rect });
        overlays.push(box);
      });
    }

    function drawList(items) {
      if (!list) { return; }
      list.textContent = "";
      if (!items.length) {
        var empty = document.createElement("li");
        empty.className = "text-body-secondary";
        empty.textContent = list.dataset.empty;
        list.appendChild(empty);
        return;
      }
      items.forEach(function (a) {
        var li = document.createElement("li");
        li.className = "border-start border-3 border-warning ps-2 mb-2";
        li.dataset.annotation = a.id;
        var body = document.createElement("div");
        body.className = "yl-pre";
        body.textContent = a.comment;
        var meta = document.createElement("div");
        meta.className = "text-body-secondary";
        meta.textContent = a.author;
        li.appendChild(body);
        li.appendChild(meta);
        li.addEventListener("click", function () {
          viewer.viewport.fitBounds(viewer.viewport.imageToViewportRectangle(a.x, a.y, a.width, a.height));
        });
        list.appendChild(li);
      });
    }

    function load() {
      fetch(root.dataset.annotations, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) { drawOverlays(data.annotations); drawList(data.annotations); });
    }

    viewer.addHandler("open", load);

    function visibleRegion() {
      var size = viewer.world.getItemAt(0).getContentSize();
      var r = viewer.viewport.viewportToImageRectangle(viewer.viewport.getBounds(true));
      var x = Math.max(0, Math.round(r.x)), y = Math.max(0, Math.round(r.y));
      var w = Math.min(size.x, Math.round(r.x + r.width)) - x;
      var h = Math.min(size.y, Math.round(r.y + r.height)) - y;
      return { x: x, y: y, width: Math.max(1, w), height: Math.max(1, h) };
    }

    var form = document.querySelector("[data-annotate-form]");
    if (!form) { return; }
    var error = form.querySelector("[data-annotate-error]");
    var status = form.querySelector("[data-annotate-status]");
    var comment = form.querySelector('textarea[name="comment"]');

    function post(url, fields) {
      var body = new FormData();
      Object.keys(fields).forEach(function (k) { body.append(k, fields[k]); });
      return fetch(url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() }
      }).then(function (r) { return r.json().then(function (d) { return { ok: r.ok, data: d }; }); });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      error.textContent = ""; status.textContent = "";
      var region = visibleRegion();
      region.comment = comment.value;
      post(root.dataset.annotations, region).then(function (res) {
        if (!res.ok) { error.textContent = res.data.error || ""; return; }
        comment.value = "";
        drawOverlays(res.data.annotations);
        drawList(res.data.annotations);
      });
    });

    form.querySelector("[data-snapshot-go]").addEventListener("click", function () {
      error.textContent = ""; status.textContent = "";
      var region = visibleRegion();
      region.caption = comment.value;
      post(root.dataset.snapshots, region).then(function (res) {
        if (!res.ok) { error.textContent = res.data.error || ""; return; }
        var holder = document.querySelector("[data-snapshot-list]");
        var empty = holder && holder.querySelector("[data-snapshot-empty]");
        if (empty) { empty.remove(); }
        if (holder) {
          var fig = document.createElement("figure");
          fig.className = "col-6 mb-0";
          fig.dataset.snapshot = res.data.id;
          var img = document.createElement("img");
          img.className = "img-fluid border rounded";
          img.src = res.data.url;
          img.alt = res.data.caption || "";
          fig.appendChild(img);
          holder.appendChild(fig);
        }
      });
    });
  }

  function init() { document.querySelectorAll("[data-slide-viewer]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
