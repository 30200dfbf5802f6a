// The page's behaviour: choose files, upload them, follow the batch, show the results.
// Plain JavaScript, no libraries; every text from a workbook goes in as textContent.
"use strict";

const MB = 1024 * 1024;
// the server's own limits and file types (/api/config); these stand until it has answered
let FILE_LIMIT = 50 * MB;
let BATCH_LIMIT = 500 * MB;
let ACCEPTED = [".xlsx", ".xlsm", ".xls", ".ods", ".zip"];

const $ = (id) => document.getElementById(id);
let chosen = [];
let polling = null;

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

function link(href, text) {
  const a = el("a", text);
  a.href = href;
  a.setAttribute("download", "");
  a.addEventListener("click", checkedDownload);
  return a;
}

// A download whose answer is an error (the batch gone after a restart, a report that could not
// be drafted) would end in the browser's download list as a failed “.json”: the server's Chinese
// reason is shown on the page instead. Asked first (HEAD), then downloaded as usual.
async function checkedDownload(e) {
  const a = e.currentTarget;
  if (a.dataset.checked === "1") {
    delete a.dataset.checked;
    return; // the real click, below
  }
  e.preventDefault();
  e.stopPropagation();
  try {
    const head = await fetch(a.href, { method: "HEAD", cache: "no-store" });
    if (!head.ok) {
      let reason = `下载失败（${head.status}）`;
      try {
        const r = await fetch(a.href, { cache: "no-store" });
        reason = (await r.json()).error || reason;
      } catch (ignored) {
        // the status alone, then
      }
      return say(reason);
    }
  } catch (err) {
    return say("与评分服务的连接中断：请确认启动它的窗口仍在运行");
  }
  say("");
  a.dataset.checked = "1";
  a.click();
}

function size(n) {
  return n >= MB ? (n / MB).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB";
}

function say(text, kind) {
  const m = $("message");
  m.textContent = text || "";
  m.className = kind || "error";
  m.hidden = !text;
}

function ext(name) {
  const i = name.lastIndexOf(".");
  return i < 0 ? "" : name.slice(i).toLowerCase();
}

// --- choosing files ----------------------------------------------------------------------
// A folder dropped on the page (Explorer, Finder) arrives as an entry to walk: its files are
// taken one by one (a folder itself cannot be uploaded; the browser would fail the whole batch).
async function droppedFiles(dt) {
  const entries = Array.from(dt.items || [], (item) => (item.webkitGetAsEntry ? item.webkitGetAsEntry() : null));
  if (!entries.length || entries.some((entry) => !entry)) return Array.from(dt.files);
  const files = [];
  const walk = async (entry) => {
    if (entry.isFile) {
      files.push(await new Promise((ok, fail) => entry.file(ok, fail)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (!batch.length) break;
        for (const child of batch) await walk(child);
      }
    }
  };
  for (const entry of entries) await walk(entry);
  return files;
}

function addFiles(list) {
  for (const f of list) {
    if (!chosen.some((c) => c.name === f.name && c.size === f.size && c.lastModified === f.lastModified)) {
      chosen.push(f);
    }
  }
  showChosen();
}

function problemWithChoice() {
  const big = chosen.find((f) => f.size > FILE_LIMIT);
  if (big && big.name.toLowerCase().endsWith(".zip"))
    return `压缩包“${big.name}”超过 ${FILE_LIMIT / MB} MB，请把它拆成几个不超过 ${FILE_LIMIT / MB} MB 的压缩包（或直接选择其中的工作簿）`;
  if (big) return `文件“${big.name}”超过 ${FILE_LIMIT / MB} MB，请去掉它（每个文件不超过 ${FILE_LIMIT / MB} MB）`;
  const total = chosen.reduce((s, f) => s + f.size, 0);
  if (total > BATCH_LIMIT) return `这一批文件合计超过 ${BATCH_LIMIT / MB} MB，请分几批上传`;
  return "";
}

function showChosen() {
  const body = $("chosen-table").tBodies[0];
  body.replaceChildren();
  chosen.forEach((f, i) => {
    const tr = el("tr");
    const name = el("td", f.name);
    if (!ACCEPTED.includes(ext(f.name))) name.append(el("span", "（不是工作簿或 .zip，不会评分）", "warn"));
    if (f.size > FILE_LIMIT) name.append(el("span", `（超过 ${FILE_LIMIT / MB} MB）`, "bad"));
    tr.append(name, el("td", size(f.size), "num"));
    const td = el("td");
    const rm = el("button", "移除", "small secondary");
    rm.type = "button";
    rm.addEventListener("click", () => {
      chosen.splice(i, 1);
      showChosen();
    });
    td.append(rm);
    tr.append(td);
    body.append(tr);
  });
  const total = chosen.reduce((s, f) => s + f.size, 0);
  $("chosen-sum").textContent = `共 ${chosen.length} 个文件，${size(total)}`;
  $("chosen").hidden = chosen.length === 0;
  const problem = problemWithChoice();
  say(problem);
  $("start").disabled = chosen.length === 0 || Boolean(problem) || polling !== null;
  $("clear").disabled = chosen.length === 0;
}

// --- running a batch -----------------------------------------------------------------------
// Each chosen file read (its first byte) before the upload: one that changed on disk since it
// was chosen (saved again in Excel), was moved away, or is a folder would make the browser fail
// the whole upload without saying which.
async function unreadable() {
  const bad = [];
  for (const f of chosen) {
    try {
      await f.slice(0, 1).arrayBuffer();
    } catch (e) {
      bad.push(f);
    }
  }
  return bad;
}

async function start() {
  if (!chosen.length) return;
  const problem = problemWithChoice();
  if (problem) return say(problem);
  if (polling && polling !== "upload") clearTimeout(polling); // (a batch resumed after a reload: left)
  polling = null;
  say("");
  $("results").hidden = true; // the last batch's results go at once, not after the files are read
  $("detail").hidden = true;
  $("start").disabled = true;
  const bad = await unreadable();
  if (bad.length) {
    chosen = chosen.filter((f) => !bad.includes(f));
    showChosen();
    const names = bad.slice(0, 3).map((f) => `“${f.name}”`).join("、") + (bad.length > 3 ? ` 等 ${bad.length} 个` : "");
    return say(`${names}无法读取（选好之后被改动或移走了，或者是文件夹），已从列表中去掉；请重新选择这些文件后再评分`);
  }
  const check = $("check-only").checked;
  sessionStorage.removeItem(BATCH_KEY); // this tab follows the new batch from now on
  const form = new FormData();
  for (const f of chosen) form.append("files", f, f.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/batches?mode=" + (check ? "check" : "score"));
  xhr.setRequestHeader("X-Selfeval", "1");
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) progress((100 * e.loaded) / e.total, `正在上传 ${Math.floor((100 * e.loaded) / e.total)}%`);
  };
  xhr.onload = () => {
    let reply = {};
    try {
      reply = JSON.parse(xhr.responseText);
    } catch (e) {
      reply = { error: `服务返回了无法识别的内容（${xhr.status}）` };
    }
    if (xhr.status !== 202) return finish(reply.error || `上传失败（${xhr.status}）`);
    uploaded = reply.url;
    follow(reply.url);
  };
  xhr.onerror = async () => {
    // the server still answering means the upload itself failed (a file changed while sent)
    let up = false;
    try {
      up = (await fetch("/api/config", { cache: "no-store" })).ok;
    } catch (e) {
      up = false;
    }
    finish(
      up
        ? "上传没有完成：有文件在上传时被改动或移走了；请重新选择文件后再评分"
        : "无法连接到评分服务：请确认启动它的窗口仍在运行",
    );
  };
  polling = "upload";
  progress(0, "正在上传…");
  xhr.send(form);
}

function progress(percent, text) {
  $("progress").hidden = false;
  $("bar").value = percent;
  $("progress-text").textContent = text;
}

function finish(error) {
  if (polling && polling !== "upload") clearTimeout(polling);
  polling = null;
  $("progress").hidden = true;
  showChosen(); // clears the message area
  if (error) say(error);
}

const BATCH_KEY = "selfeval-batch"; // the batch this tab follows (kept across a reload, per tab)
let uploaded = null; // the batch this page uploaded (its chosen files are done with when it is)

async function follow(url, resumed) {
  let status;
  try {
    const r = await fetch(url, { cache: "no-store" });
    status = await r.json();
    if (!r.ok) {
      sessionStorage.removeItem(BATCH_KEY);
      return finish(resumed ? "" : status.error || `出错了（${r.status}）`); // (a batch gone: nothing to resume)
    }
  } catch (e) {
    return finish("与评分服务的连接中断：请确认启动它的窗口仍在运行");
  }
  sessionStorage.setItem(BATCH_KEY, url);
  if (status.state === "running") {
    const pct = status.total ? (100 * status.done) / status.total : 0;
    const what = status.mode === "check" ? "正在检查" : "正在评分";
    progress(pct, `${what} ${status.done}/${status.total}${status.current ? "：" + status.current : ""}`);
    polling = setTimeout(() => follow(url), 400);
    return;
  }
  finish(status.state === "failed" ? status.message : "");
  if (status.state === "done") {
    if (url === uploaded) {
      // the files chosen were this batch's (a batch resumed after a reload leaves a new choice be)
      chosen = [];
      showChosen();
    }
    showResults(status);
  }
}

// --- results -------------------------------------------------------------------------------
function showResults(s) {
  $("results").hidden = false;
  $("results-title").textContent = s.mode === "check" ? "检查结果（未保存任何文件）" : "评分结果";
  $("closing").textContent = s.closing;
  const notices = $("notices");
  notices.replaceChildren(...s.notices.map((n) => el("li", n)));
  notices.hidden = s.notices.length === 0;
  const downloads = $("downloads");
  downloads.replaceChildren();
  const d = s.downloads || {};
  const items = [
    [d.summary, "下载汇总表（汇总.xlsx）"],
    [d.zip, "下载全部评分后的工作簿（.zip，保留文件夹结构）"],
    [d.district, "下载全区汇总报告（草稿，.docx）"],
  ];
  for (const [href, text] of items) if (href) downloads.append(li(link(href, text)));
  downloads.hidden = downloads.children.length === 0;

  // a batch of files none of which is a workbook: its notices and closing line, no empty table
  $("results-scroll").hidden = $("results-hint").hidden = s.rows.length === 0;
  const body = $("results-table").tBodies[0];
  body.replaceChildren();
  for (const r of s.rows) {
    const tr = el("tr");
    tr.dataset.file = r.file;
    tr.dataset.detail = r.detail;
    tr.tabIndex = 0;
    tr.title = "点击查看指标得分和问题";
    const total = el("td", r.total === null ? "—" : r.total, "num total");
    if (r.provisional) total.append(el("small", " 暂算"));
    const reviewed = el("td", r.reviewed_total, "num total"); // blank until a reviewer has typed 复核得分
    // a 待更正 file's 复核总分 leaves its faulty entries out: provisional as its 核定总分
    if (r.provisional && r.reviewed_total !== null) reviewed.append(el("small", " 暂算"));
    tr.append(
      el("td", r.unit || (r.total === null ? r.message : "")),
      el("td", r.project || (r.kind === "部门整体支出" ? "（部门整体支出）" : "")),
      total,
      reviewed,
      grade(r),
      el("td", r.status_zh, "status s-" + (r.status || (r.total === null ? "unread" : "final"))),
      el("td", r.errors, "num" + (r.errors ? " bad" : "")),
      el("td", r.warnings, "num"),
      el("td", r.file, "file"),
      workbookCell(r),
    );
    const open = () => showDetail(tr);
    tr.addEventListener("click", open);
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && e.target === tr) open(); // (Enter on the row's 下载 link only downloads)
    });
    body.append(tr);
  }
}

function workbookCell(r) {
  const td = el("td");
  if (r.workbook) {
    const a = link(r.workbook, "下载");
    a.title = "下载评分后的工作簿";
    a.addEventListener("click", (e) => e.stopPropagation()); // a download, not a click on the row
    td.append(a);
  }
  return td;
}

function grade(r) {
  const td = el("td", r.grade || "—", "grade");
  if (r.grade && r.provisional_grade) td.append(el("small", " 暂定"));
  return td;
}

function li(child) {
  const item = el("li");
  item.append(child);
  return item;
}

async function showDetail(tr) {
  for (const other of tr.parentNode.children) other.classList.toggle("selected", other === tr);
  let d;
  try {
    const r = await fetch(tr.dataset.detail, { cache: "no-store" });
    d = await r.json();
    if (!r.ok) return say(d.error || `出错了（${r.status}）`);
  } catch (e) {
    return say("与评分服务的连接中断");
  }
  $("detail").hidden = false;
  $("detail-title").textContent = d.file;
  const parts = [d.unit, d.project].filter(Boolean).join(" · ");
  const total = d.total === null ? "" : `核定总分 ${d.total}${d.provisional ? "（暂算）" : ""}`;
  const reviewed = d.reviewed_total === null ? "" : `复核总分 ${d.reviewed_total}${d.provisional ? "（暂算）" : ""}`;
  const g = d.grade ? `等级 ${d.grade}${d.status === "needs-review" ? "（暂定）" : ""}` : "";
  $("detail-summary").textContent = [parts, total, reviewed, g, d.status_zh].filter(Boolean).join("，");
  const downloads = $("detail-downloads");
  downloads.replaceChildren();
  if (d.downloads.workbook) downloads.append(li(link(d.downloads.workbook, `下载评分后的工作簿（${d.downloads.workbook_name}）`)));
  if (d.downloads.report) {
    const text = d.downloads.report_is_correction_list ? "下载更正清单（.docx）" : "下载自评报告（草稿，.docx）";
    downloads.append(li(link(d.downloads.report, text)));
  }

  $("indicators").hidden = !(d.indicators || []).length;
  const ind = $("indicator-table").tBodies[0];
  ind.replaceChildren();
  for (const i of d.indicators || []) {
    const tr = el("tr");
    tr.append(
      el("td", i.level1),
      el("td", i.level2),
      el("td", i.name),
      el("td", i.target),
      el("td", i.actual),
      el("td", i.rate === null || i.rate === undefined ? "" : Number(i.rate).toFixed(2) + "%", "num"),
      el("td", num(i.points), "num"),
      el("td", num(i.score), "num"),
      el("td", num(i.claimed), "num"),
      el("td", num(i.reviewed), "num"),
      el("td", i.note),
      el("td", i.review_note, "review-note"),
    );
    ind.append(tr);
  }
  // 复核意见 as the reviewer typed it (line breaks kept); the column only when a reviewer wrote one
  $("indicator-table").classList.toggle("no-review-notes", !(d.indicators || []).some((i) => i.review_note));
  const probs = $("problem-table").tBodies[0];
  probs.replaceChildren();
  for (const p of d.problems) {
    const where = p.sheet ? (p.cell ? `${p.sheet}!${p.cell}` : p.sheet) : "（整个文件）";
    const tr = el("tr", undefined, p.severity);
    tr.append(el("td", where, "cell"), el("td", p.severity === "error" ? "错误" : "警告"), el("td", p.message));
    probs.append(tr);
  }
  $("problem-table").hidden = d.problems.length === 0;
  $("no-problems").hidden = d.problems.length !== 0;
  $("detail").scrollIntoView({ behavior: "smooth", block: "start" });
}

function num(v) {
  return v === null || v === undefined ? "" : Number(v).toFixed(2);
}

// --- wiring ----------------------------------------------------------------------------------
async function loadConfig() {
  try {
    const c = await (await fetch("/api/config", { cache: "no-store" })).json();
    [FILE_LIMIT, BATCH_LIMIT, ACCEPTED] = [c.file_limit, c.batch_limit, c.accepted];
    $("files").accept = ACCEPTED.join(",");
    $("limits").textContent = `可上传 ${ACCEPTED.join("、")}；每个文件不超过 ${FILE_LIMIT / MB} MB，每批合计不超过 ${BATCH_LIMIT / MB} MB。`;
    showChosen();
  } catch (e) {
    // the defaults above stand
  }
}

document.addEventListener("DOMContentLoaded", () => {
  loadConfig();
  const drop = $("drop");
  $("files").addEventListener("change", (e) => {
    addFiles(e.target.files);
    e.target.value = "";
  });
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, (e) => {
      e.preventDefault();
      drop.classList.remove("over");
    });
  }
  drop.addEventListener("drop", async (e) => addFiles(await droppedFiles(e.dataTransfer)));
  $("start").addEventListener("click", start);
  const following = sessionStorage.getItem(BATCH_KEY);
  if (following) follow(following, true); // a reload (or Back) during or after a batch: back to it
  $("clear").addEventListener("click", () => {
    chosen = [];
    showChosen();
  });
});
