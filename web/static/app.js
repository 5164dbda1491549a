// left4me panel scripts: live job progress, the blueprint preview and
// confirmations. Plain JavaScript, no build step; pages work without it.
"use strict";

function renderJob(box, job) {
  const state = box.querySelector(".job-state");
  if (state) { state.textContent = job.state; state.className = "job-state state " + job.state; }
  const err = box.querySelector(".job-error");
  if (err) err.textContent = job.error || "";
  const steps = box.querySelector(".job-steps");
  if (steps) {
    steps.replaceChildren(...(job.steps || []).map(function (s) {
      const li = document.createElement("li");
      li.className = s.state;
      const pct = s.progress >= 0 ? " " + Math.round(s.progress * 100) + "%" : "";
      li.textContent = s.name + " — " + s.state + pct;
      return li;
    }));
  }
  const log = box.querySelector(".job-log");
  if (log) log.textContent = (job.error && !job.log ? job.error : job.log) || "";
}

function watchJob(box) {
  const es = new EventSource(box.dataset.jobEvents);
  es.addEventListener("job", function (ev) {
    const job = JSON.parse(ev.data);
    renderJob(box, job);
    if (["succeeded", "failed", "cancelled"].includes(job.state)) {
      es.close();
      if (box.hasAttribute("data-reload-when-done")) {
        const url = new URL(location.href);
        url.searchParams.delete("job");
        setTimeout(function () { location.replace(url.toString()); }, 600);
      }
    }
  });
  es.onerror = function () { /* EventSource reconnects by itself */ };
}

// The blueprint page: rows are uppermost first; the preview lists the
// exposed overlays' exec lines lowest first, as the server will run them.
function blueprintPreview(form) {
  const tbody = form.querySelector("#overlay-picker tbody");
  const preview = form.querySelector("#exec-preview");
  if (!tbody || !preview) return;
  function rows() { return Array.from(tbody.querySelectorAll("tr[data-overlay-id]")); }
  function renumber() { rows().forEach(function (tr, i) { tr.querySelector(".pos").value = i + 1; }); }
  function update() {
    const ordered = rows().slice().sort(function (a, b) {
      return Number(a.querySelector(".pos").value) - Number(b.querySelector(".pos").value);
    });
    const lines = ordered.filter(function (tr) {
      return tr.querySelector(".use").checked && tr.querySelector(".expose").checked;
    }).map(function (tr) { return "exec server_overlay_" + tr.dataset.overlayId; }).reverse();
    preview.textContent = lines.length ? lines.join("\n") + "\n" : "";
  }
  tbody.addEventListener("click", function (ev) {
    const btn = ev.target.closest("button.up, button.down");
    if (!btn) return;
    const tr = btn.closest("tr");
    if (btn.classList.contains("up") && tr.previousElementSibling) tr.parentNode.insertBefore(tr, tr.previousElementSibling);
    if (btn.classList.contains("down") && tr.nextElementSibling) tr.parentNode.insertBefore(tr.nextElementSibling, tr);
    renumber(); update();
  });
  tbody.addEventListener("change", function (ev) {
    if (ev.target.classList.contains("expose") && ev.target.checked) {
      ev.target.closest("tr").querySelector(".use").checked = true;
    }
    update();
  });
  tbody.addEventListener("input", update);
  update();
}

// Follow a server's output: the stream starts with the last lines, so the
// server-rendered ones are replaced, then new lines are appended.
function followLogs(pre) {
  const max = 500;
  let lines = [];
  const es = new EventSource(pre.dataset.logEvents);
  es.addEventListener("open", function () { lines = []; });
  es.addEventListener("line", function (ev) {
    lines.push(ev.data);
    if (lines.length > max) lines.splice(0, lines.length - max);
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = lines.join("\n") + "\n";
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  });
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-job-events]").forEach(watchJob);
  document.querySelectorAll("[data-log-events]").forEach(followLogs);
  const bp = document.getElementById("blueprint-form");
  if (bp) blueprintPreview(bp);
  document.querySelectorAll("form[data-confirm]").forEach(function (f) {
    f.addEventListener("submit", function (ev) { if (!confirm(f.dataset.confirm)) ev.preventDefault(); });
  });
  document.querySelectorAll("[data-back]").forEach(function (a) {
    a.addEventListener("click", function (ev) { ev.preventDefault(); history.back(); });
  });
});
