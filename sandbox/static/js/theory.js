// Theory paper: the server's countdown, autosave of every answer, marks for review (标记待查).
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var paper = document.getElementById("theory-paper");
  var statusBox = document.querySelector('[data-role="save-status"]');

  var post = function (url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf, "Accept": "application/json"},
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (d) { return {ok: r.ok, status: r.status, data: d}; });
    });
  };
  var say = function (text, isError) {
    if (!statusBox) { return; }
    statusBox.textContent = text;
    statusBox.classList.toggle("error", !!isError);
  };

  // The countdown: the server keeps the time; resynchronise every 30 s; at 0 show the submitted page.
  var timer = document.getElementById("theory-timer");
  if (timer && timer.dataset.status === "active") {
    var left = parseInt(timer.dataset.secondsLeft, 10);
    var asking = false, held = false;
    var render = function () {
      var s = Math.max(0, left);
      var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      timer.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
      timer.classList.toggle("low", s <= 300);
    };
    var sync = function () {
      if (asking) { return; }
      asking = true;
      fetch(timer.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json(); }).then(function (d) {
          asking = false;
          if (d.paused) {  // a proctor's pause: the clock stands still until resumed
            held = true;
            if (d.error) { say(d.error, true); }
            if (d.seconds_left !== undefined) { left = d.seconds_left; render(); }
            return;
          }
          if (d.status !== "active") { window.location.href = timer.dataset.doneUrl; return; }
          if (held) { held = false; say("", false); }
          left = d.seconds_left; render();
        }).catch(function () { asking = false; });
    };
    render();
    setInterval(function () {
      if (held) { return; }
      left -= 1; render();
      if (left <= 0) { sync(); }
    }, 1000);
    setInterval(sync, 30000);
  }

  if (!paper) { return; }
  var cell = function (qid) { return paper.querySelector('.cell[data-qid="' + qid + '"]'); };
  var answered = paper.querySelector('[data-role="answered"]');

  // Autosave: every change of an answer is sent at once; the form's 保存 button does the same.
  var save = function (form) {
    var choice = Array.prototype.map.call(form.querySelectorAll('input[name="choice"]:checked'), function (i) {
      return parseInt(i.value, 10);
    });
    var qid = parseInt(form.dataset.qid, 10);
    return post(paper.dataset.answerUrl, {question_id: qid, choice: choice}).then(function (res) {
      if (res.ok && res.data.ok) {
        say(paper.dataset.savedLabel + " " + res.data.saved_at, false);
        var c = cell(qid);
        if (c) { c.classList.toggle("answered", choice.length > 0); }
        if (answered && res.data.answered !== undefined) { answered.textContent = res.data.answered; }
      } else {
        say(res.data.error || paper.dataset.errorLabel, true);
      }
    }).catch(function () { say(paper.dataset.errorLabel, true); });
  };
  Array.prototype.forEach.call(paper.querySelectorAll("form.answer-form"), function (form) {
    form.addEventListener("change", function () { save(form); });
    form.addEventListener("submit", function (e) { e.preventDefault(); save(form); });
    // A choice made while the page was still loading (before this script ran) is saved now.
    var changed = Array.prototype.some.call(form.querySelectorAll('input[name="choice"]'), function (i) {
      return i.checked !== i.defaultChecked;
    });
    if (changed) { save(form); }
  });

  // 标记待查: toggled in place.
  Array.prototype.forEach.call(paper.querySelectorAll("form.mark-form"), function (form) {
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var button = form.querySelector('[data-role="mark"]');
      var field = form.querySelector('input[name="marked"]');
      var want = field.value === "1";
      var qid = parseInt(form.querySelector('input[name="question_id"]').value, 10);
      post(paper.dataset.markUrl, {question_id: qid, marked: want}).then(function (res) {
        if (!res.ok) { say(res.data.error || paper.dataset.errorLabel, true); return; }
        field.value = want ? "0" : "1";
        button.classList.toggle("on", want);
        button.setAttribute("aria-pressed", want ? "true" : "false");
        button.textContent = want ? button.dataset.labelOn : button.dataset.labelOff;
        var c = cell(qid);
        if (c) { c.classList.toggle("marked", want); }
      }).catch(function () { say(paper.dataset.errorLabel, true); });
    });
  });
})();
