// Candidate pages record themselves for the examiners' replay (rrweb, served from /vendor).
// Secrets are masked here, in the browser, before anything is sent: password inputs, inputs whose
// name says secret (as sandbox/binding.py masks the action log), PEM private keys, text marked
// data-secret (whole) or data-secret-lines (the value after 密码：/授权码：/验证码 …), and whatever the
// scenario's `replay: {mask: [...]}` selects. Events go to the server in numbered batches (gzip when
// the browser can), each acknowledged; unacknowledged ones are retried, sent by beacon when the page
// goes away, and kept in sessionStorage for the next page of this tab to send again.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch || !window.Promise) { return; }
  var cfg = script.dataset;
  var ingestUrl = cfg.ingestUrl;
  var attemptId = parseInt(cfg.attempt, 10);
  var csrf = cfg.csrf || "";
  var PENDING_KEY = "sandbox-replay-pending";
  var FLUSH_MS = 5000, MAX_EVENTS = 200, KEEPALIVE_LIMIT = 60000, MAX_MASK = 64;
  var SECRET_MARKERS = ["password", "passwd", "pwd", "secret", "private_key"];
  var SECRET_KEYS = ["pin", "cvv", "otp", "code", "auth_code"];
  // Shown secrets, found by the markup they already have (no attribute added for the recorder):
  // the task panel's passwords (whole), and mails, whose labelled codes and passwords are masked.
  var SECRET_WHOLE = '[data-secret], dl.identity dd[data-id$="password"]';
  var SECRET_LINES = '[data-secret-lines], .mailbody, [data-role="mail"] > h2, tr[data-message] a';
  var PEM_PRIVATE = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  var PEM_BLOCK = /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?(-----END \1PRIVATE KEY-----|$)/g;
  // "登录密码：Abc12345", "授权码：K7P2Q9", "付款验证码 123456": the value after the label.
  var LABELLED = /(密码|口令|授权码|验证码|动态码|校验码|password|passcode|code|pin)(\s*[：:]?\s*)([\x21-\x7e]{3,})/gi;

  var validSelector = function (sel) {
    if (typeof sel !== "string" || !sel.trim()) { return false; }
    try { document.createDocumentFragment().querySelector(sel); return true; } catch (e) { return false; }
  };
  var extra = [];
  try { extra = JSON.parse(cfg.mask || "[]").filter(validSelector); } catch (e) { extra = []; }
  var extraSelector = extra.join(",");
  var closest = function (el, sel) { return Boolean(sel && el && el.closest && el.closest(sel)); };
  var stars = function (text) { return "*".repeat(Math.min(String(text || "").length, MAX_MASK)); };
  var secretName = function (name) {
    name = String(name || "").toLowerCase();
    return SECRET_KEYS.indexOf(name) >= 0 || SECRET_MARKERS.some(function (m) { return name.indexOf(m) >= 0; });
  };
  var secretInput = function (el, value) {
    if (!el || !el.getAttribute) { return false; }
    var type = String(el.getAttribute("type") || "").toLowerCase();
    return type === "password" || el.hasAttribute("data-rr-is-password") ||
      secretName(el.getAttribute("name")) || secretName(el.id) ||
      closest(el, SECRET_WHOLE) || closest(el, SECRET_LINES) || closest(el, extraSelector) ||
      PEM_PRIVATE.test(value || "") || PEM_PRIVATE.test(el.defaultValue || "");
  };
  var maskInputFn = function (text, el) {
    if (el && String(el.getAttribute("type") || "").toLowerCase() === "hidden") { return ""; }
    return secretInput(el, text) ? stars(text) : text;
  };
  var maskLines = function (text) {
    return text.replace(PEM_BLOCK, function (block) { return block.replace(/\S/g, "*"); })
      .replace(LABELLED, function (all, label, gap, value) { return label + gap + stars(value); });
  };
  var maskTextFn = function (text, el) {
    if (el && closest(el, SECRET_LINES) && !closest(el, SECRET_WHOLE) && !closest(el, extraSelector)) {
      return maskLines(text);
    }
    return text.replace(/\S/g, "*");
  };
  // Text nodes of secret textareas are masked as text too (an emptied textarea keeps its default text).
  var textSelector = [SECRET_WHOLE, SECRET_LINES, "textarea[name*=private_key]",
                      "textarea[name*=secret]"].concat(extra).join(",");

  var randomId = function () {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  };
  var pageId = randomId();
  var seq = 0, buffer = [], queue = [], sending = false, stopped = false, retryTimer = null, backoff = 1000;
  var lasting = null;  // the batch on the wire in a request that outlives the page (keepalive)
  var stopRecording = null;
  // How this page's upload stands (for tests and for anyone debugging a recording in the console).
  var state = window.sandboxReplay = {page: pageId, acked: 0, pending: function () { return queue.length + buffer.length; },
                                      flush: function () { cut(); }};

  var payload = function (b) {
    return JSON.stringify({page: b.page, seq: b.seq, now: Date.now(), attempt: attemptId, csrf: csrf, events: b.events});
  };
  var compress = function (text) {
    if (!window.CompressionStream || !window.Response) { return Promise.resolve(null); }
    try {
      var stream = new Blob([text]).stream().pipeThrough(new CompressionStream("gzip"));
      return new Response(stream).arrayBuffer().catch(function () { return null; });
    } catch (e) { return Promise.resolve(null); }
  };
  var stop = function () {
    stopped = true; queue = []; buffer = [];
    if (stopRecording) { stopRecording(); stopRecording = null; }
  };
  var scheduleRetry = function () {
    if (retryTimer || stopped) { return; }
    retryTimer = window.setTimeout(function () { retryTimer = null; pump(); }, backoff);
    backoff = Math.min(backoff * 2, 30000);
  };
  var pump = function () {
    if (sending || stopped || !queue.length) { return; }
    var b = queue[0], text = payload(b);
    sending = true;
    compress(text).then(function (zipped) {
      var headers = {"Content-Type": "application/json", "X-CSRFToken": csrf};
      var body = text;
      if (zipped) { headers["X-Replay-Encoding"] = "gzip"; body = zipped; }
      var size = zipped ? zipped.byteLength : text.length;
      lasting = size < KEEPALIVE_LIMIT ? b : null;
      return fetch(ingestUrl, {method: "POST", headers: headers, body: body, credentials: "same-origin",
                               keepalive: lasting === b});
    }).then(function (resp) {
      lasting = null;
      if (resp.ok) {
        return resp.json().then(function (d) {
          if (d.csrf) { csrf = d.csrf; }
          if (d.ack === b.seq && queue[0] === b) { queue.shift(); state.acked += 1; }
          backoff = 1000;
          sending = false;
          pump();
        });
      }
      sending = false;
      if (resp.status === 401 || resp.status === 409) { stop(); return null; }  // no attempt, or closed
      if (resp.status === 400 || resp.status === 403 || resp.status === 413) {  // never will be
        queue.shift(); pump(); return null;
      }
      scheduleRetry();
      return null;
    }).catch(function () { lasting = null; sending = false; scheduleRetry(); });
  };
  var cut = function () {
    if (!buffer.length || stopped) { return; }
    queue.push({page: pageId, seq: seq, events: buffer});
    seq += 1; buffer = [];
    pump();
  };

  // Batches another page of this tab could not send before it went away.
  try {
    var left = JSON.parse(window.sessionStorage.getItem(PENDING_KEY) || "[]");
    window.sessionStorage.removeItem(PENDING_KEY);
    left.forEach(function (b) { if (b && b.attempt === attemptId && b.page && b.events) { queue.push(b); } });
  } catch (e) { /* storage unavailable: nothing to resend */ }
  pump();

  // Going away: what is not on the wire in a lasting request goes by beacon; what a beacon cannot
  // carry (over its 64 KB) waits in sessionStorage for the next page of this tab.
  window.addEventListener("pagehide", function () {
    if (buffer.length && !stopped) { queue.push({page: pageId, seq: seq, events: buffer}); seq += 1; buffer = []; }
    if (stopped || !queue.length) { return; }
    var unsent = [];
    queue.forEach(function (b) {
      if (b === lasting) { return; }
      var ok = false;
      try { ok = navigator.sendBeacon(ingestUrl, new Blob([payload(b)], {type: "text/plain;charset=UTF-8"})); } catch (e) { ok = false; }
      if (!ok) { unsent.push({page: b.page, seq: b.seq, attempt: attemptId, events: b.events}); }
    });
    if (unsent.length) {
      try { window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(unsent)); } catch (e) { /* full */ }
    }
  });
  document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { cut(); } });

  var custom = function (tag, data) {
    if (stopped || !stopRecording) { return; }
    try { window.rrweb.record.addCustomEvent(tag, data); } catch (e) { /* not recording */ }
  };
  var started = false;
  var onStarted = function () {
    started = true;
    custom("page", {endpoint: cfg.endpoint || "", path: window.location.pathname + window.location.search,
                    title: document.title});
    watchTaskPanel();
  };

  var options = {
    emit: function (ev) {
      if (stopped) { return; }
      buffer.push(ev);
      // A full snapshot waits for the next cut (every FLUSH_MS, or when the page is left, by keepalive
      // request or beacon), so a page left within seconds sends one batch, not two: in an exam hall
      // recording is then about one request per page.
      if (buffer.length >= MAX_EVENTS) { cut(); }
      if (ev.type === 2 && !started) {
        state.snapshotAt = window.performance.now();
        window.setTimeout(onStarted, 0);
      }
    },
    checkoutEveryNms: 60000,
    maskInputOptions: {input: true, textarea: true, password: true, text: true, email: true, tel: true,
                       number: true, search: true, url: true},
    maskInputFn: maskInputFn,
    maskTextSelector: textSelector,
    maskTextFn: maskTextFn,
    // A ticking countdown is left out (kept as an empty box of its size): it would cut a batch every few
    // seconds from every idle page of the hall, and the player shows the exam's time itself.
    blockSelector: "[data-replay-block]",
    inlineStylesheet: false,
    slimDOMOptions: "all",
    recordCanvas: false,
    collectFonts: false,
    inlineImages: false,
    recordCrossOriginIframes: false,
    sampling: {mousemove: 100, scroll: 150, media: 800},
  };
  // Recording starts once the page has loaded, when the browser is idle: the library is loaded and
  // the page's first snapshot taken then, so neither holds up the page itself.
  var start = function () {
    if (stopped || stopRecording || !window.rrweb || !window.rrweb.record) { return; }
    stopRecording = window.rrweb.record(options) || null;
    if (stopRecording) { window.setInterval(cut, FLUSH_MS); }
  };
  var begin = function () {
    if (window.rrweb && window.rrweb.record) { start(); return; }
    var lib = document.createElement("script");
    lib.src = cfg.rrwebUrl;
    lib.addEventListener("load", start);
    document.head.appendChild(lib);
  };
  var whenIdle = function () {
    if (window.requestIdleCallback) { window.requestIdleCallback(begin, {timeout: 500}); } else { window.setTimeout(begin, 0); }
  };
  if (document.readyState === "complete") { whenIdle(); } else { window.addEventListener("load", whenIdle); }

  // The task panel: shown (scrolled into view), scrolled, or a part of it opened or closed.
  var watchTaskPanel = function () {
    var panel = document.querySelector(".taskpanel");
    if (!panel) { return; }
    var visible = null, scrollTimer = null;
    if (window.IntersectionObserver) {
      new IntersectionObserver(function (entries) {
        var now = entries[entries.length - 1].intersectionRatio >= 0.5;
        if (now !== visible) { visible = now; custom("task-panel", {visible: now}); }
      }, {threshold: [0, 0.5, 1]}).observe(panel);
    }
    panel.addEventListener("scroll", function () {
      window.clearTimeout(scrollTimer);
      scrollTimer = window.setTimeout(function () { custom("task-panel", {scrolled: Math.round(panel.scrollTop)}); }, 800);
    });
    panel.addEventListener("toggle", function (e) { custom("task-panel", {toggled: Boolean(e.target.open)}); }, true);
  };

  // Answer-sheet saves, identity switches and the submit, marked as they are sent (on window: after
  // the page's own confirmations, so a cancelled submit is not marked).
  window.addEventListener("submit", function (e) {
    if (e.defaultPrevented) { return; }
    var form = e.target, path = "";
    try { path = new URL(form.action || window.location.href, window.location.href).pathname; } catch (err) { return; }
    var method = String(form.getAttribute("method") || "get").toLowerCase();
    if (method !== "post") { return; }
    if (path === cfg.answersUrl) { custom("answer-save", {path: path}); }
    else if (path === cfg.submitUrl) { custom("submit", {path: path}); }
    else if (/\/switch$/.test(path)) { custom("role-switch", {path: path}); }
    else { return; }
    cut();
  });
})();
