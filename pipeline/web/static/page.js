// 帮扶资金对账: drop files, follow the run, reveal a whole number on a click. Plain script,
// no library: it runs as it is in Chromium/Edge and Firefox, offline.
"use strict";

const csrf = () => document.querySelector('meta[name="csrf"]').content;

const GONE = "无法连接页面服务：请确认启动页面的命令窗口仍开着，然后刷新页面";

async function post(url, body) {
  let response;
  try {
    response = await fetch(url, {
      method: "POST", body, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf(), "Accept": "application/json" },
    });
  } catch (e) {
    return { ok: false, status: 0, answer: { message: GONE } };
  }
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = { message: `服务器返回 ${response.status}` }; }
  return { ok: response.ok, status: response.status, answer };
}

function said(list, kind, text) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text;
  list.appendChild(item);
}

function setUpUpload() {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = document.getElementById("file-input");
  const drop = document.getElementById("drop");
  const results = document.getElementById("upload-results");
  async function send(files) {
    if (!files.length) return;
    const runButton = document.getElementById("run-button");
    if (runButton) runButton.disabled = true; // the folder is changing
    results.textContent = "";
    said(results, "", `正在上传并检查 ${files.length} 个文件…`);
    const body = new FormData();
    for (const file of files) body.append("files", file, file.name);
    const { ok, answer } = await post(form.action, body);
    if (runButton) runButton.disabled = false;
    results.textContent = "";
    if (!ok) { said(results, "error", answer.message || "上传失败"); return; }
    let kept = 0;
    for (const file of answer.files) {
      said(results, file.kept ? "ok" : "error", `${file.name}：${file.message}`);
      if (file.kept) kept += 1;
    }
    if (kept) {
      said(results, "", "正在刷新文件列表…");
      setTimeout(() => location.reload(), 1500);
    }
  }
  input.addEventListener("change", () => send([...input.files]));
  ["dragenter", "dragover"].forEach((name) => drop.addEventListener(name, (event) => {
    event.preventDefault(); drop.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((name) => drop.addEventListener(name, () => drop.classList.remove("over")));
  drop.addEventListener("drop", (event) => { event.preventDefault(); send([...event.dataTransfer.files]); });
  form.addEventListener("submit", (event) => { event.preventDefault(); send([...input.files]); });
}

const STAGE_NAMES = { read: "读取与校验", match: "匹配银行发放", reconcile: "逐人对账", write: "写出" };

function setUpProgress() {
  const box = document.getElementById("progress");
  if (!box) return;
  const fill = document.getElementById("progress-fill");
  const text = document.getElementById("progress-text");
  const button = document.getElementById("run-button");
  function show(job) {
    box.hidden = false;
    fill.style.width = `${Math.round(job.fraction * 100)}%`;
    const at = job.stages.indexOf(job.stage);
    for (const item of box.querySelectorAll("li[data-stage]")) {
      const index = job.stages.indexOf(item.dataset.stage);
      item.className = job.running ? (index < at ? "done" : index === at ? "now" : "") : (job.ok ? "done" : "");
    }
    if (job.running) {
      const units = job.total ? `（${job.done.toLocaleString()} / ${job.total.toLocaleString()}）` : "";
      text.textContent = `正在${STAGE_NAMES[job.stage] || "启动"}${units}，已用 ${job.seconds} 秒`;
    }
  }
  async function follow() {
    let job;
    try {
      const response = await fetch("/api/run", { headers: { Accept: "application/json" } });
      job = await response.json();
    } catch (e) {
      text.textContent = GONE;
      setTimeout(follow, 3000);
      return;
    }
    if (!job || job.period !== box.dataset.period) return;
    show(job);
    if (job.running) { setTimeout(follow, 700); return; }
    text.textContent = job.ok ? `对账完成，用时 ${job.seconds} 秒` : "对账没有完成";
    setTimeout(() => location.reload(), 600);
  }
  if (box.dataset.running === "yes") follow();
  document.getElementById("run-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    button.disabled = true;
    const { ok, answer } = await post(event.target.action, new FormData(event.target));
    if (!ok) { button.disabled = false; box.hidden = false; text.textContent = answer.message; return; }
    box.dataset.running = "yes";
    follow();
  });
}

function setUpReveal() {
  for (const button of document.querySelectorAll("button.reveal")) {
    button.addEventListener("click", async () => {
      const body = new FormData();
      body.append("csrf", csrf());
      const { ok, answer } = await post(button.dataset.url, body);
      const row = button.closest("tr");
      if (!ok) { button.textContent = answer.message; button.disabled = true; return; }
      for (const cell of row.querySelectorAll("[data-whole]")) cell.textContent = answer[cell.dataset.whole];
      button.remove();
    });
  }
}

async function fillFiles() {
  // The period's files with their counts, checked on the server as a run reads them.
  const box = document.getElementById("files-table");
  if (!box) return;
  const response = await fetch(box.dataset.url, { credentials: "same-origin" });
  box.innerHTML = response.ok ? await response.text() : `<p class="flash error">检查文件失败（${response.status}）：请刷新页面</p>`;
}

function setUpFilters() {
  const form = document.getElementById("filters");
  if (!form) return;
  for (const select of form.querySelectorAll("select")) select.addEventListener("change", () => form.submit());
}

document.addEventListener("DOMContentLoaded", () => {
  setUpUpload(); setUpProgress(); setUpReveal(); setUpFilters(); fillFiles();
});
