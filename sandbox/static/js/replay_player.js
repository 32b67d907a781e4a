// Examiner's replay: rrweb-player with the attempt's action log beside it, on the server's clock.
// The list gets the recording's own marks (page, task panel, answer save, role switch, submit); every
// entry is also a mark on the progress bar; the list follows playback and a click seeks there.
// ?log=<id> / ?at=<epoch ms> (data-seek-log / data-seek-at) open the player at that moment.
(function () {
  "use strict";
  var root = document.querySelector('[data-role="replay"]');
  if (!root) { return; }
  var list = root.querySelector('[data-role="replay-entries"]');
  var stage = root.querySelector('[data-role="player"]');
  var clock = root.querySelector('[data-role="current-time"]');
  var follow = root.querySelector('[data-role="follow"]');
  var CUSTOM = 5, META = 4;
  var TAGS = {"page": "#94a3b8", "task-panel": "#0ea5e9", "answer-save": "#16a34a", "role-switch": "#a855f7",
              "submit": "#dc2626", "log-request": "#64748b", "log-event": "#f59e0b"};
  var pad = function (n) { return String(n).padStart(2, "0"); };
  var fmt = function (ms) {
    var d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  };
  var entries = function () { return Array.prototype.slice.call(list.querySelectorAll('[data-role="replay-entry"]')); };
  var label = function (tag) {
    var key = "label" + tag.replace(/(^|-)([a-z])/g, function (m, dash, c) { return c.toUpperCase(); });
    return root.dataset[key] || tag;
  };
  entries().forEach(function (li) { li.querySelector('[data-role="entry-time"]').textContent = fmt(Number(li.dataset.at)); });
  if (!stage || root.dataset.recorded !== "yes") { return; }  // 没有录像: the list alone

  var addCustomEntry = function (ev) {
    var tag = ev.data && ev.data.tag;
    if (!tag || !TAGS[tag] || tag.indexOf("log-") === 0) { return; }
    var li = document.createElement("li");
    li.setAttribute("data-role", "replay-entry");
    li.setAttribute("data-kind", "custom");
    li.setAttribute("data-custom", tag);
    li.setAttribute("data-at", String(ev.timestamp));
    li.tabIndex = 0;
    li.className = "custom custom-" + tag;
    var t = document.createElement("span");
    t.className = "t mono"; t.setAttribute("data-role", "entry-time"); t.textContent = fmt(ev.timestamp);
    var name = document.createElement("span");
    name.className = "badge mark"; name.textContent = label(tag);
    li.appendChild(t); li.appendChild(document.createTextNode(" ")); li.appendChild(name);
    var payload = ev.data.payload || {};
    if (payload.path) {
      var path = document.createElement("span");
      path.className = "mono small muted"; path.textContent = " " + payload.path;
      li.appendChild(path);
    }
    list.appendChild(li);
  };
  var sortList = function () {
    entries().map(function (li, i) { return {li: li, at: Number(li.dataset.at), i: i}; })
      .sort(function (a, b) { return a.at - b.at || a.i - b.i; })
      .forEach(function (x) { list.appendChild(x.li); });
  };
  // The recording names the site as the candidate's browser saw it; its stylesheets load from here.
  var rebase = function (events) {
    var meta = events.filter(function (ev) { return ev.type === META && ev.data && ev.data.href; })[0];
    if (!meta) { return; }
    var from;
    try { from = new URL(meta.data.href).origin + "/"; } catch (e) { return; }
    var to = window.location.origin + "/";
    if (from === to) { return; }
    var walk = function (value) {
      if (typeof value === "string") { return value.indexOf(from) === 0 ? to + value.slice(from.length) : value; }
      if (Array.isArray(value)) { for (var i = 0; i < value.length; i++) { value[i] = walk(value[i]); } return value; }
      if (value && typeof value === "object") { Object.keys(value).forEach(function (k) { value[k] = walk(value[k]); }); }
      return value;
    };
    walk(events);
  };

  var start = function (doc) {
    var events = doc.events || [];
    if (events.length < 2) { throw new Error("too few events"); }
    events.forEach(function (ev) { if (ev.type === CUSTOM) { addCustomEntry(ev); } });
    sortList();
    var first = events[0].timestamp, last = events[events.length - 1].timestamp;
    // Each log entry within the recording becomes a mark on the progress bar.
    entries().forEach(function (li) {
      var at = Number(li.dataset.at);
      if (li.dataset.logId && at >= first && at <= last) {
        events.push({type: CUSTOM, timestamp: at, data: {tag: "log-" + li.dataset.kind, payload: {log: Number(li.dataset.logId)}}});
      }
    });
    events.sort(function (a, b) { return a.timestamp - b.timestamp; });
    rebase(events);
    stage.textContent = "";
    var width = Math.max(480, stage.clientWidth - 4);
    var player = new window.rrwebPlayer.Player({
      target: stage,
      props: {events: events, width: width, height: Math.round(width * 0.62), autoPlay: false, skipInactive: true,
              speedOption: [1, 2, 4, 8, 16], showController: true, tags: TAGS, mouseTail: false},
    });
    var current = null;
    var show = function (offset) {
      offset = Math.max(0, Math.min(offset, last - first));
      var at = first + offset;
      clock.textContent = fmt(at);
      clock.setAttribute("data-at", String(Math.round(at)));
      clock.setAttribute("data-offset", String(Math.round(offset)));
      var now = null;
      entries().forEach(function (li) { if (Number(li.dataset.at) <= at) { now = li; } });
      if (now === current) { return; }
      if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
      current = now;
      if (!now) { return; }
      now.classList.add("current");
      now.setAttribute("aria-current", "true");
      if (follow && follow.checked) {
        var top = now.offsetTop;  // the list is positioned: offsets are within it
        if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - now.offsetHeight) {
          list.scrollTop = Math.max(0, top - list.clientHeight / 3);
        }
      }
    };
    var seek = function (at) {
      var offset = Math.max(0, Math.min(at - first, last - first));
      player.goto(offset, false);
      show(offset);
    };
    player.addEventListener("ui-update-current-time", function (e) { show(e.payload); });
    list.addEventListener("click", function (e) {
      var li = e.target.closest('[data-role="replay-entry"]');
      if (li) { seek(Number(li.dataset.at)); }
    });
    list.addEventListener("keydown", function (e) {
      var li = e.target.closest('[data-role="replay-entry"]');
      if (li && (e.key === "Enter" || e.key === " ")) { e.preventDefault(); seek(Number(li.dataset.at)); }
    });
    stage.setAttribute("data-start", String(first));
    stage.setAttribute("data-end", String(last));
    stage.setAttribute("data-state", "ready");
    if (root.dataset.seekAt) { seek(Number(root.dataset.seekAt)); } else { show(0); }
  };

  fetch(root.dataset.eventsUrl, {credentials: "same-origin"})
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(start)
    .catch(function () {
      stage.setAttribute("data-state", "failed");
      stage.textContent = root.dataset.labelLoadFailed;
    });
})();
