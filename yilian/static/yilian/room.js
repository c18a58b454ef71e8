// A cloud room: chat that loses nothing, presence, and video (WebRTC mesh or Janus) — or the
// chat alone (backend "none": a live event's Q&A beside its stream).
//
// Chat delivery: every message gets a UUID here and waits in sessionStorage (this tab only,
// keyed by user and session, cleared at logout) until the server acknowledges it with its
// sequence number. After any (re)connect the page asks for what came after the last
// sequence it saw — again and again while the server says there is more — then re-sends
// what is still unacknowledged; the server stores each UUID once, so a re-send never makes
// a duplicate.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("room-config").textContent);
  var strings = document.querySelector("[data-strings]").dataset;
  var $ = function (selector) { return document.querySelector(selector); };
  // Parts a chat-only page leaves out (recording, consent) are simply absent.
  var toggle = function (selector, cls, on) {
    var el = $(selector);
    if (el) { el.classList.toggle(cls, on); }
  };
  var pendingKey = "yilian.room." + config.me + "." + config.session + ".pending";
  var socket = null, me = null, peers = [], lastSeq = 0, oldestSeq = null, closed = false;
  var shown = {};  // seq -> true
  var delay = 500;

  // --- chat -----------------------------------------------------------------------------
  function loadPending() {
    try { return JSON.parse(sessionStorage.getItem(pendingKey) || "[]"); } catch (e) { return []; }
  }
  function savePending(list) { sessionStorage.setItem(pendingKey, JSON.stringify(list)); }
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }

  function messageItem(m) {
    var li = document.createElement("li");
    li.className = "mb-2" + (m.kind === "system" ? " text-secondary fst-italic" : "");
    li.dataset.seq = m.seq || "";
    li.dataset.id = m.id;
    var who = document.createElement("div");
    who.className = "small text-secondary";
    who.textContent = (m.sender === config.me ? strings.me : m.sender_name) +
      (m.at ? " · " + new Date(m.at).toLocaleTimeString() : " · " + strings.pending);
    li.appendChild(who);
    var body = document.createElement("div");
    if (m.file && m.kind === "image") {
      var img = document.createElement("img");
      img.src = m.file.url; img.alt = m.file.name;
      body.appendChild(img);
    } else if (m.file) {
      var a = document.createElement("a");
      a.href = m.file.url; a.textContent = m.file.name;
      body.appendChild(a);
    } else {
      body.textContent = m.body;
    }
    li.appendChild(body);
    return li;
  }

  function showMessage(m, atTop) {
    var log = $("[data-chat-log]");
    if (m.seq && shown[m.seq]) { return; }
    if (!m.seq && log.querySelector('li[data-id="' + m.id + '"]')) { return; }  // already there
    var draft = m.id && log.querySelector('li.yl-chat-pending[data-id="' + m.id + '"]');
    if (draft) { draft.remove(); }
    if (m.seq) {
      shown[m.seq] = true;
      lastSeq = Math.max(lastSeq, m.seq);
      if (oldestSeq === null || m.seq < oldestSeq) { oldestSeq = m.seq; }
    }
    var item = messageItem(m);
    if (!m.seq) { item.classList.add("yl-chat-pending"); }
    if (atTop) { log.insertBefore(item, log.firstChild); return; }
    // keep the log in sequence order (replays may arrive after live messages)
    var after = null;
    log.querySelectorAll("li[data-seq]").forEach(function (li) {
      if (m.seq && li.dataset.seq && Number(li.dataset.seq) > m.seq && !after) { after = li; }
    });
    log.insertBefore(item, after);
    log.scrollTop = log.scrollHeight;
  }

  // The server has the message (or refused it): stop re-sending it. A draft whose stored
  // copy is already on screen goes; otherwise the broadcast replaces it.
  function acknowledge(id, seq) {
    savePending(loadPending().filter(function (p) { return p.id !== id; }));
    var draft = $("[data-chat-log]").querySelector('li.yl-chat-pending[data-id="' + id + '"]');
    if (draft && (!seq || shown[seq])) { draft.remove(); }
  }

  function sendChat(body) {
    var message = { type: "chat", id: uuid(), body: body };
    savePending(loadPending().concat([message]));
    showMessage({ id: message.id, body: body, sender: config.me, kind: "text" });
    send(message);
  }

  function resendPending() { loadPending().forEach(send); }

  function loadHistory(params, atTop) {
    return fetch(config.history + "?" + params, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var items = atTop ? data.items.slice().reverse() : data.items;
        items.forEach(function (m) { showMessage(m, atTop); });
        if (atTop || oldestSeq === null) { $("[data-older]").classList.toggle("d-none", !data.older); }
      });
  }

  function uploadFile(file) {
    var form = new FormData();
    form.append("file", file);
    form.append("id", uuid());
    var csrf = document.cookie.match(/csrftoken=([^;]+)/);
    fetch(config.upload, { method: "POST", body: form, credentials: "same-origin",
      headers: csrf ? { "X-CSRFToken": csrf[1] } : {} })
      .then(function (r) { return r.json(); })
      .then(function (data) { data.message ? showMessage(data.message) : showError(data.error); });
  }

  function showError(text) {
    var box = $("[data-chat-error]");
    box.textContent = text || "";
    box.classList.toggle("d-none", !text);
  }

  // --- presence and administration ------------------------------------------------------
  function renderPresence() {
    var list = $("[data-presence]");
    if (!list) { return; }
    list.textContent = "";
    var seen = {};
    peers.forEach(function (p) {
      if (seen[p.user]) { return; }
      seen[p.user] = true;
      var li = document.createElement("li");
      li.className = "list-group-item d-flex align-items-center gap-2 px-0";
      li.dataset.user = p.user;
      var name = document.createElement("span");
      name.className = "me-auto";
      name.textContent = p.name + (p.title ? " · " + p.title : "") + (p.muted ? " (" + strings.muted + ")" : "");
      li.appendChild(name);
      if (me && me.admin && p.user !== config.me) {
        [[p.muted ? "unmute" : "mute", p.muted ? strings.unmute : strings.mute], ["remove", strings.remove]]
          .forEach(function (pair) {
            var b = document.createElement("button");
            b.type = "button"; b.className = "btn btn-sm btn-outline-secondary";
            b.textContent = pair[1]; b.dataset.adminUser = pair[0];
            li.appendChild(b);
          });
      }
      list.appendChild(li);
      if (p.user === config.me) { setMuted(p.muted); }
    });
  }

  function setMuted(muted) {
    $("#chat-text").disabled = muted;
    if (muted && local.stream) { local.stream.getAudioTracks().forEach(function (t) { t.enabled = false; }); }
  }

  // --- the socket -----------------------------------------------------------------------
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
  }

  function setState(online) {
    var badge = $("[data-room-state]");
    badge.textContent = online ? strings.online : strings.offline;
    badge.className = "badge " + (online ? "text-bg-success" : "text-bg-secondary");
    document.body.dataset.roomState = online ? "open" : "closed";
    // Said plainly while the socket is down (Redis or the server unreachable): the page
    // keeps working and retries by itself.
    toggle("[data-socket-down]", "d-none", online || closed);
  }

  // A sign of life every 20 s keeps this connection in the presence list.
  setInterval(function () { send({ type: "ping" }); }, 20000);

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + config.ws);
    socket.addEventListener("message", function (event) {
      var m;
      try { m = JSON.parse(event.data); } catch (e) { return; }
      receive(m);
    });
    socket.addEventListener("close", function (event) {
      setState(false);
      video.dropAll();
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) { return leaveRoom(); }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }

  function showRecording(on) {
    toggle("[data-room-recording]", "d-none", !on);
    toggle("[data-recording-notice]", "d-none", !on);
  }

  function receive(m) {
    if (m.type === "welcome") {
      delay = 500;
      me = m;
      setState(true);
      peers = m.peers;
      renderPresence();
      send({ type: "sync", after: lastSeq });
      resendPending();
      showRecording(m.recording);
      if (m.consent_asked) { toggle("[data-consent]", "d-none", false); }
      video.welcome(m);
    } else if (m.type === "messages") {
      m.items.forEach(function (item) { showMessage(item); });
      if (m.more && m.items.length) {
        send({ type: "sync", after: m.items[m.items.length - 1].seq });
      }
    } else if (m.type === "message") {
      showMessage(m.message);
    } else if (m.type === "ack") {
      acknowledge(m.id, m.seq);
    } else if (m.type === "error") {
      if (m.id) { acknowledge(m.id); }
      showError(m.message);
    } else if (m.type === "presence") {
      // The whole list, or what changed: who joined, which connections left.
      if (m.peers) {
        peers = m.peers;
      } else {
        var gone = {};
        (m.left || []).forEach(function (id) { gone[id] = true; });
        peers = peers.filter(function (p) { return !gone[p.peer]; });
        if (m.joined && !peers.some(function (p) { return p.peer === m.joined.peer; })) {
          peers.push(m.joined);
        }
      }
      renderPresence();
      video.presence(peers);
    } else if (m.type === "signal") {
      video.signal(m.from, m.data);
    } else if (m.type === "room") {
      if ("locked" in m) { toggle("[data-room-locked]", "d-none", !m.locked); }
      if ("recording" in m) { showRecording(m.recording); }
      if (m.closed) { leaveRoom(); }
    } else if (m.type === "consent") {
      if ($("[data-consent-who]")) { $("[data-consent-who]").textContent = m.asked_by; }
      toggle("[data-consent]", "d-none", false);
    }
  }

  function leaveRoom() {
    closed = true;
    video.dropAll();
    if (local.stream) { local.stream.getTracks().forEach(function (t) { t.stop(); }); }
    $("[data-room-closed]").classList.remove("d-none");
    toggle("[data-socket-down]", "d-none", true);
    document.body.dataset.roomState = "left";
  }

  // --- local media ----------------------------------------------------------------------
  var local = { stream: null, quality: "normal", screen: null };
  var QUALITY = {
    normal: { width: { ideal: 640 }, height: { ideal: 360 }, frameRate: { ideal: 24 } },
    low: { width: { ideal: 320 }, height: { ideal: 180 }, frameRate: { ideal: 12 } },
  };

  function constraints() {
    var v = $('[data-device="videoinput"]').value, a = $('[data-device="audioinput"]').value;
    var videoC = local.quality === "audio" ? false : Object.assign({}, QUALITY[local.quality]);
    if (videoC && v) { videoC.deviceId = { exact: v }; }
    return { audio: a ? { deviceId: { exact: a } } : true, video: videoC };
  }

  function startMedia() {
    return navigator.mediaDevices.getUserMedia(constraints()).then(function (stream) {
      if (local.stream) { local.stream.getTracks().forEach(function (t) { t.stop(); }); }
      local.stream = stream;
      $("[data-local]").srcObject = stream;
      listDevices();
      return stream;
    }).catch(function () {
      local.stream = new MediaStream();  // no camera or refused: still in the room, chat works
      return local.stream;
    });
  }

  function listDevices() {
    navigator.mediaDevices.enumerateDevices().then(function (devices) {
      ["videoinput", "audioinput"].forEach(function (kind) {
        var select = $('[data-device="' + kind + '"]');
        var current = select.value;
        select.textContent = "";
        devices.filter(function (d) { return d.kind === kind; }).forEach(function (d, i) {
          var o = document.createElement("option");
          o.value = d.deviceId; o.textContent = d.label || kind + " " + (i + 1);
          select.appendChild(o);
        });
        if (current) { select.value = current; }
      });
    });
  }

  function track(kind) {
    var tracks = local.stream ? local.stream.getTracks().filter(function (t) { return t.kind === kind; }) : [];
    return tracks[0] || null;
  }

  // Swap the outgoing track of one kind on every connection (device change, screen share).
  function replaceOutgoing(kind, newTrack) {
    video.senders().forEach(function (sender) {
      if ((sender.track && sender.track.kind === kind) || (!sender.track && sender.kind === kind)) {
        sender.replaceTrack(newTrack);
      }
    });
  }

  function restartMedia() {
    return startMedia().then(function () {
      replaceOutgoing("video", local.screen || track("video"));
      replaceOutgoing("audio", track("audio"));
      video.limitBitrate(local.quality === "low" ? 150000 : null);
    });
  }

  function toggleScreen() {
    if (local.screen) { local.screen.stop(); return; }
    navigator.mediaDevices.getDisplayMedia({ video: true }).then(function (stream) {
      local.screen = stream.getVideoTracks()[0];
      replaceOutgoing("video", local.screen);
      $("[data-screen]").classList.add("active");
      local.screen.addEventListener("ended", function () {
        local.screen = null;
        replaceOutgoing("video", track("video"));
        $("[data-screen]").classList.remove("active");
      });
    }).catch(function () {});
  }

  function remoteTile(id, label) {
    var tile = document.querySelector('[data-tile="' + id + '"]');
    if (!tile) {
      tile = document.createElement("figure");
      tile.className = "yl-video mb-0";
      tile.dataset.tile = id;
      var v = document.createElement("video");
      v.autoplay = true; v.playsInline = true; v.dataset.remote = id;
      var caption = document.createElement("figcaption");
      tile.appendChild(v); tile.appendChild(caption);
      $("[data-videos]").appendChild(tile);
    }
    tile.querySelector("figcaption").textContent = label || "";
    return tile.querySelector("video");
  }

  function play(v) {
    var started = v.play();
    if (started && started.catch) {
      started.catch(function () { v.muted = true; v.play().catch(function () {}); });
    }
  }

  function dropTile(id) {
    var tile = document.querySelector('[data-tile="' + id + '"]');
    if (tile) { tile.remove(); }
  }

  function nameOf(peerId) {
    var p = peers.filter(function (x) { return x.peer === peerId; })[0];
    return p ? p.name : "";
  }

  // --- video: WebRTC mesh with our signalling -------------------------------------------
  function Mesh() {
    var connections = {};  // peer id -> RTCPeerConnection
    var ice = [];

    function connection(peerId) {
      if (connections[peerId]) { return connections[peerId]; }
      var pc = new RTCPeerConnection({ iceServers: ice });
      connections[peerId] = pc;
      ["audio", "video"].forEach(function (kind) {
        var t = kind === "video" ? (local.screen || track("video")) : track("audio");
        if (t) { pc.addTrack(t, local.stream); } else { pc.addTransceiver(kind, { direction: "recvonly" }); }
      });
      pc.addEventListener("icecandidate", function (e) {
        if (e.candidate) { send({ type: "signal", to: peerId, data: { candidate: e.candidate } }); }
      });
      pc.addEventListener("track", function (e) {
        if (e.track.kind !== "video") {
          var v0 = remoteTile(peerId, nameOf(peerId));
          if (!v0.srcObject) { v0.srcObject = e.streams[0] || new MediaStream([e.track]); play(v0); }
          return;
        }
        var v = remoteTile(peerId, nameOf(peerId));
        v.srcObject = e.streams[0] || new MediaStream([e.track]);
        play(v);
      });
      pc.addEventListener("connectionstatechange", function () {
        if (pc.connectionState === "failed") { pc.restartIce(); }
      });
      return pc;
    }

    function close(peerId) {
      if (connections[peerId]) { connections[peerId].close(); delete connections[peerId]; }
      dropTile(peerId);
    }

    return {
      welcome: function (m) {
        ice = m.ice_servers;
        // The newcomer calls everyone already in the room (so no two sides offer at once).
        m.peers.forEach(function (p) {
          if (p.peer === m.peer) { return; }
          var pc = connection(p.peer);
          pc.createOffer().then(function (offer) { return pc.setLocalDescription(offer); })
            .then(function () { send({ type: "signal", to: p.peer, data: { sdp: pc.localDescription } }); });
        });
      },
      presence: function (list) {
        var present = {};
        list.forEach(function (p) { present[p.peer] = true; });
        Object.keys(connections).forEach(function (id) { if (!present[id]) { close(id); } });
      },
      signal: function (from, data) {
        var pc = connection(from);
        if (data.sdp) {
          pc.setRemoteDescription(data.sdp).then(function () {
            if (data.sdp.type !== "offer") { return null; }
            return pc.createAnswer().then(function (answer) { return pc.setLocalDescription(answer); })
              .then(function () { send({ type: "signal", to: from, data: { sdp: pc.localDescription } }); });
          });
        } else if (data.candidate) {
          pc.addIceCandidate(data.candidate).catch(function () {});
        }
      },
      senders: function () {
        var all = [];
        Object.keys(connections).forEach(function (id) {
          connections[id].getTransceivers().forEach(function (t) {
            t.sender.kind = t.receiver.track.kind;
            all.push(t.sender);
          });
        });
        return all;
      },
      limitBitrate: function (bps) { limitSenders(this.senders(), bps); },
      dropAll: function () { Object.keys(connections).forEach(close); },
    };
  }

  function limitSenders(senders, bps) {
    senders.forEach(function (sender) {
      if (!sender.track || sender.track.kind !== "video") { return; }
      var params = sender.getParameters();
      if (!params.encodings || !params.encodings.length) { params.encodings = [{}]; }
      params.encodings.forEach(function (e) { if (bps) { e.maxBitrate = bps; } else { delete e.maxBitrate; } });
      sender.setParameters(params).catch(function () {});
    });
  }

  // --- video: Janus VideoRoom (SFU) -----------------------------------------------------
  function Sfu() {
    var janus = null, publisher = null, feeds = {}, privateId = null;
    var cfg = config.janus;

    function subscribe(feed) {
      if (feeds[feed.id]) { return; }
      var handle = null;
      feeds[feed.id] = true;
      janus.attach({
        plugin: "janus.plugin.videoroom",
        success: function (h) {
          handle = h;
          feeds[feed.id] = h;
          h.send({ message: { request: "join", room: cfg.room, ptype: "subscriber",
            streams: [{ feed: feed.id }], private_id: privateId, token: cfg.token } });
        },
        onmessage: function (msg, jsep) {
          if (!jsep) { return; }
          handle.createAnswer({
            jsep: jsep, tracks: [{ type: "data" }],
            success: function (answer) { handle.send({ message: { request: "start", room: cfg.room }, jsep: answer }); },
          });
        },
        onremotetrack: function (t, mid, on) {
          var id = "feed-" + feed.id + "-" + mid;
          if (!on) { dropTile(id); return; }
          if (t.kind !== "video") { return; }
          var v = remoteTile(id, feed.display);
          v.srcObject = new MediaStream([t]);
          play(v);
        },
        oncleanup: function () {
          document.querySelectorAll('[data-tile^="feed-' + feed.id + '-"]').forEach(function (x) { x.remove(); });
        },
      });
    }

    function unsubscribe(id) {
      var h = feeds[id];
      delete feeds[id];
      if (h && h.detach) { h.detach(); }
    }

    function publish() {
      var tracks = [];
      var a = track("audio"), v = local.screen || track("video");
      if (a) { tracks.push({ type: "audio", capture: a, recv: false }); }
      if (v) { tracks.push({ type: "video", capture: v, recv: false }); }
      publisher.createOffer({
        tracks: tracks,
        success: function (jsep) {
          publisher.send({ message: { request: "configure", audio: !!a, video: !!v }, jsep: jsep });
        },
      });
    }

    function onPublisherMessage(msg, jsep) {
      var event = msg.videoroom;
      if (event === "joined") {
        privateId = msg.private_id;
        publish();
      }
      (msg.publishers || []).forEach(subscribe);
      var gone = msg.unpublished || msg.leaving;
      if (gone && gone !== "ok") { unsubscribe(gone); }
      if (jsep) { publisher.handleRemoteJsep({ jsep: jsep }); }
    }

    return {
      welcome: function (m) {
        if (janus || !cfg) { return; }
        Janus.init({ debug: false, callback: function () {
          janus = new Janus({
            server: cfg.url, iceServers: m.ice_servers,
            success: function () {
              janus.attach({
                plugin: "janus.plugin.videoroom",
                success: function (h) {
                  publisher = h;
                  h.send({ message: { request: "join", room: cfg.room, ptype: "publisher",
                    display: config.name, token: cfg.token } });
                },
                onmessage: onPublisherMessage,
              });
            },
            error: function () { janus = null; },
          });
        } });
      },
      presence: function () {},
      signal: function () {},
      senders: function () {
        var pc = publisher && publisher.webrtcStuff && publisher.webrtcStuff.pc;
        return pc ? pc.getSenders() : [];
      },
      limitBitrate: function (bps) { limitSenders(this.senders(), bps); },
      dropAll: function () {
        if (closed && janus) { janus.destroy(); janus = null; }
      },
    };
  }

  function NoVideo() {
    var none = function () {};
    return { welcome: none, presence: none, signal: none, senders: function () { return []; },
      limitBitrate: none, dropAll: none };
  }

  var chatOnly = config.backend === "none";
  var video = chatOnly ? NoVideo() : config.backend === "janus" ? Sfu() : Mesh();

  // --- controls -------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var el = event.target.closest("button");
    if (!el) { return; }
    if (el.dataset.toggle) {
      var on = el.getAttribute("aria-pressed") !== "true";
      el.setAttribute("aria-pressed", String(on));
      el.classList.toggle("btn-outline-primary", on);
      el.classList.toggle("btn-outline-danger", !on);
      var t = track(el.dataset.toggle);
      if (t) { t.enabled = on; }
    } else if (el.hasAttribute("data-screen")) {
      toggleScreen();
    } else if (el.dataset.adminRoom) {
      if (el.dataset.confirm && !confirm(el.dataset.confirm)) { return; }
      send({ type: "admin", action: el.dataset.adminRoom });
    } else if (el.dataset.adminUser) {
      if (el.dataset.adminUser === "remove" && !confirm(strings.confirmRemove)) { return; }
      send({ type: "admin", action: el.dataset.adminUser, user: el.closest("li").dataset.user });
    } else if (el.hasAttribute("data-record")) {
      send({ type: "record" });
    } else if (el.dataset.consentAnswer) {
      send({ type: "consent", agreed: el.dataset.consentAnswer === "yes" });
      $("[data-consent]").classList.add("d-none");
    } else if (el.hasAttribute("data-older")) {
      loadHistory("before=" + oldestSeq, true);
    }
  });

  $("[data-chat-form]").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("#chat-text");
    var body = input.value.trim();
    if (!body) { return; }
    showError("");
    sendChat(body);
    input.value = "";
  });
  if ($("[data-chat-file]")) {
    $("[data-chat-file]").addEventListener("change", function (event) {
      if (event.target.files[0]) { uploadFile(event.target.files[0]); }
      event.target.value = "";
    });
  }
  if ($("[data-quality]")) {
    $("[data-quality]").addEventListener("change", function (event) {
      local.quality = event.target.value;
      restartMedia();
    });
  }
  document.querySelectorAll("[data-device]").forEach(function (select) {
    select.addEventListener("change", restartMedia);
  });

  // History first (so the log starts complete), camera next (none for a chat alone), then
  // the socket.
  loadHistory("", false).catch(function () {}).then(chatOnly ? null : startMedia).then(function () {
    loadPending().forEach(function (p) { showMessage({ id: p.id, body: p.body, sender: config.me, kind: "text" }); });
    connect();
  });
})();
