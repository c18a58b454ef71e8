// Resumable uploads of studies and slides: each file is sent in pieces (the size the server
// gives), each piece with its SHA-256; a dropped connection is retried, and choosing the same
// file again after a reload continues where the server says the upload stands.
(function () {
  "use strict";

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function hex(buffer) {
    return Array.prototype.map.call(new Uint8Array(buffer), function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  async function sha256(blob) {
    if (!(window.crypto && window.crypto.subtle)) { return ""; }
    return hex(await window.crypto.subtle.digest("SHA-256", await blob.arrayBuffer()));
  }

  function fileKey(form, file) {
    return "yl-upload:" + form.getAttribute("action") + ":" + file.name + ":" + file.size + ":" + file.lastModified;
  }

  async function json(response) {
    try { return await response.json(); } catch (e) { return {}; }
  }

  function setUp(form) {
    var input = form.querySelector('input[type="file"]');
    var kind = form.querySelector('select[name="kind"]');
    var deid = form.querySelector('input[name="deidentify"]');
    var deidRow = form.querySelector("[data-deidentify-row]");
    var bar = form.querySelector("[data-upload-progress]");
    var percent = form.querySelector("[data-upload-percent]");
    var status = form.querySelector("[data-upload-status]");
    var errorBox = form.querySelector("[data-upload-error]");
    var go = form.querySelector("[data-upload-go]");
    var maxBytes = parseInt(form.dataset.maxBytes || "0", 10);

    kind.addEventListener("change", function () {
      deidRow.classList.toggle("d-none", kind.value !== "dicom");
    });

    function showError(message) {
      errorBox.textContent = message;
      errorBox.classList.remove("d-none");
    }

    function progress(done, total) {
      var value = total ? Math.floor((done / total) * 100) : 0;
      bar.value = value;
      percent.textContent = value + "%";
    }

    async function request(url, options) {
      options = options || {};
      options.credentials = "same-origin";
      options.headers = Object.assign({ "X-CSRFToken": csrfToken() }, options.headers || {});
      return fetch(url, options);
    }

    async function open(file) {
      var key = fileKey(form, file);
      var known = window.localStorage.getItem(key);
      if (known) {
        var previous = await request("/imaging/uploads/" + known + "/");
        if (previous.ok) {
          var state = await json(previous);
          if (state.status === "open") { return { state: state, key: key }; }
        }
        window.localStorage.removeItem(key);
      }
      var body = new FormData();
      body.append("kind", kind.value);
      body.append("name", file.name);
      body.append("size", String(file.size));
      body.append("deidentify", deid && deid.checked ? "1" : "0");
      var response = await request(form.getAttribute("action"), { method: "POST", body: body });
      var data = await json(response);
      if (!response.ok) { throw new Error(data.error || response.statusText); }
      window.localStorage.setItem(key, data.id);
      return { state: data, key: key };
    }

    async function send(file, done, total) {
      var opened = await open(file);
      var state = opened.state;
      var base = "/imaging/uploads/" + state.id + "/";
      var offset = state.received;
      var failures = 0;
      while (offset < file.size) {
        progress(done + offset, total);
        var piece = file.slice(offset, Math.min(offset + state.chunk, file.size));
        var response;
        try {
          response = await request(base + "chunk/", {
            method: "PUT",
            body: piece,
            headers: {
              "Content-Type": "application/octet-stream",
              "X-Upload-Offset": String(offset),
              "X-Chunk-Sha256": await sha256(piece)
            }
          });
        } catch (networkError) {
          failures += 1;
          status.textContent = form.dataset.msgRetry;
          await sleep(Math.min(30000, 1000 * Math.pow(2, Math.min(failures, 5))));
          var check = await request(base).catch(function () { return null; });
          if (check && check.ok) { offset = (await json(check)).received; }
          continue;
        }
        var data = await json(response);
        if (response.status === 409) { offset = data.received; continue; }
        if (response.status === 422 && failures < 5) { failures += 1; continue; }
        if (!response.ok) { throw new Error(data.error || response.statusText); }
        failures = 0;
        status.textContent = "";
        offset = data.received;
      }
      progress(done + file.size, total);
      status.textContent = form.dataset.msgProcessing;
      var finish = await request(base + "complete/", { method: "POST" });
      var result = await json(finish);
      window.localStorage.removeItem(opened.key);
      if (!finish.ok) { throw new Error(result.error || finish.statusText); }
      return result;
    }

    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      errorBox.classList.add("d-none");
      var files = Array.prototype.slice.call(input.files || []);
      if (!files.length) { showError(form.dataset.msgChoose); return; }
      var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
      if (files.some(function (f) { return maxBytes && f.size > maxBytes; })) {
        showError(form.dataset.msgTooLarge);
        return;
      }
      go.disabled = true;
      var done = 0;
      var last = null;
      try {
        for (var i = 0; i < files.length; i++) {
          last = await send(files[i], done, total);
          done += files[i].size;
        }
        if (last && last.url) { window.location.assign(last.url); }
      } catch (error) {
        status.textContent = "";
        showError(error.message);
      } finally {
        go.disabled = false;
      }
    });
  }

  function init() { document.querySelectorAll("form[data-resumable-upload]").forEach(setUp); }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
