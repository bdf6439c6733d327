// The editor page: review a post through /v1/review, show findings in place, apply suggestions.
// Offsets in reports are code points, so text is handled as arrays of code points (Array.from), not UTF-16.
"use strict";

const VERDICT_ZH = { pass: "通过", revise: "修改后发布", reject: "不予发布（单项否决）" };
const SEVERITY_ZH = { info: "提示", minor: "轻微", major: "较重", critical: "严重" };
const CATEGORY_ZH = {
  typo: "错别字", sensitive: "敏感/违禁表述", expression: "规范表述", offtopic: "无关信息",
  entertainment: "过度娱乐化", timeliness: "时效", garbled: "乱码", norms: "写作规范", fluency: "语句不通",
};

const $ = (id) => document.getElementById(id);
let reviewSeq = 0;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function setStatus(text, isError = false) {
  $("status").textContent = text;
  $("status").classList.toggle("error", isError);
}

async function loadAccountTypes() {
  const select = $("account-type");
  try {
    const response = await fetch("/v1/account-types");
    const body = await response.json();
    for (const item of body.types) select.append(el("option", { value: item.type }, item.label));
  } catch (error) {
    select.append(el("option", { value: "other" }, "其他"));
  }
  select.value = [...select.options].some((o) => o.value === "government") ? "government" : select.options[0].value;
}

function currentPost() {
  const post = { text: $("post-text").value, account: { type: $("account-type").value } };
  const title = $("post-title").value;
  if (title.trim()) post.title = title;
  const accountId = $("account-id").value.trim();
  if (accountId) post.account.id = accountId;
  return post;
}

async function review() {
  const post = currentPost();
  if (!post.text.trim()) {
    setStatus("请先输入正文", true);
    return;
  }
  const seq = ++reviewSeq;
  $("review-button").disabled = true;
  setStatus("审校中…");
  try {
    const headers = { "Content-Type": "application/json" };
    const key = $("account-key").value.trim();
    if (key) headers["X-API-Key"] = key; // the account's settings apply only with its key (or the service key)
    const response = await fetch("/v1/review", { method: "POST", headers, body: JSON.stringify(post) });
    const body = await response.json();
    if (seq !== reviewSeq) return; // a newer review is on its way
    if (!response.ok) {
      setStatus((body.error && body.error.message) || `请求失败（${response.status}）`, true);
      return;
    }
    render(body, post);
    showImage(null, []); // typed text is no longer the picture's reading
    const note = body.meta.settings_note ? "；未应用账号设置（密钥缺失或错误），按默认设置审校" : "";
    setStatus(`已完成，用时 ${body.meta.elapsed_ms} 毫秒${note}`);
  } catch (error) {
    if (seq === reviewSeq) setStatus("无法连接审校服务：" + error, true);
  } finally {
    if (seq === reviewSeq) $("review-button").disabled = false;
  }
}

function annotate(container, text, findings, onPick) {
  // Overlapping spans cannot all be marked; the first one wins and the others stay in the list.
  container.replaceChildren();
  const chars = Array.from(text);
  let cursor = 0;
  const spanned = findings
    .filter((f) => f.start !== null && f.end !== null)
    .sort((a, b) => a.start - b.start || b.end - a.end);
  for (const finding of spanned) {
    if (finding.start < cursor) continue;
    container.append(chars.slice(cursor, finding.start).join(""));
    const mark = el(
      "mark",
      { class: `finding sev-${finding.severity}`, title: finding.message, "data-index": finding.index },
      chars.slice(finding.start, finding.end).join(""),
    );
    mark.addEventListener("click", () => onPick(finding.index));
    container.append(mark);
    cursor = finding.end;
  }
  container.append(chars.slice(cursor).join(""));
}

function groupFindings(findings) {
  // One group per problem (rule, severity, message, suggestion), where its first finding stands; the report keeps
  // one finding per place, the list shows the problem once with all its places (as `review check` does).
  const groups = new Map();
  for (const finding of findings) {
    const key = JSON.stringify([finding.rule, finding.severity, finding.message, finding.suggestion]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(finding);
  }
  return [...groups.values()];
}

function pick(index) {
  // Marks the place `index` and the list item of its group.
  document.querySelectorAll(".active").forEach((node) => node.classList.remove("active"));
  document.querySelectorAll(`[data-index="${index}"]`).forEach((node) => node.classList.add("active"));
  const item = document.querySelector(`li.finding[data-indices~="${index}"]`);
  if (item) {
    item.classList.add("active");
    item.scrollIntoView({ block: "nearest" });
  }
  const mark = document.querySelector(`mark[data-index="${index}"]`);
  if (mark) mark.scrollIntoView({ block: "nearest" });
}

function where(finding, source) {
  // "正文 2:5" (line:column, code points) of a spanned finding
  const before = Array.from(source).slice(0, finding.start);
  const lineStart = before.lastIndexOf("\n") + 1;
  const line = before.filter((c) => c === "\n").length + 1;
  return `${finding.field === "title" ? "标题" : ""}${line}:${finding.start - lineStart + 1}`;
}

// `text` as a form field holds it: each "\r\n", lone "\r" or (with `lineBreak` "") "\n" becomes `lineBreak`, and
// the offsets of `field`'s findings (code points, as the report gives them) and their text follow
function asField(text, findings, field, lineBreak) {
  if (!/[\r\n]/.test(text) || (lineBreak === "\n" && !text.includes("\r"))) return text;
  const chars = Array.from(text);
  const removed = new Array(chars.length + 1); // code points dropped before each offset
  const out = [];
  let dropped = 0;
  for (let i = 0; i < chars.length; i++) {
    removed[i] = dropped;
    const ch = chars[i];
    if (ch === "\r" && chars[i + 1] === "\n") {
      dropped += 1; // the pair becomes the "\n" that follows, itself a line break
    } else if (ch === "\r" || ch === "\n") {
      if (lineBreak) out.push(lineBreak);
      else dropped += 1;
    } else {
      out.push(ch);
    }
  }
  removed[chars.length] = dropped;
  const fold = (s) => (lineBreak ? s.replace(/\r\n?/g, lineBreak) : s.replace(/[\r\n]/g, ""));
  for (const finding of findings) {
    if (finding.field !== field || finding.start === null) continue;
    finding.start -= removed[finding.start];
    finding.end -= removed[finding.end];
    if (typeof finding.text === "string") finding.text = fold(finding.text);
  }
  return out.join("");
}

function render(report, post) {
  const findings = report.findings.map((finding, index) => ({ ...finding, index }));
  $("score").textContent = report.score;
  $("verdict").textContent = VERDICT_ZH[report.verdict] || report.verdict;
  $("verdict").className = `verdict-${report.verdict}`;
  // the report lists its most serious findings; meta.findings_total counts them all
  const total = (report.meta && report.meta.findings_total) || findings.length;
  $("finding-count").textContent = total > findings.length ? `${total}（列出最严重的 ${findings.length} 处）` : total;
  annotate($("annotated"), post.text, findings.filter((f) => f.field !== "title"), pick);
  if (post.title) annotate($("annotated-title"), post.title, findings.filter((f) => f.field === "title"), pick);
  else $("annotated-title").replaceChildren();

  const list = $("findings");
  list.replaceChildren();
  if (!findings.length) list.append(el("li", { class: "none" }, "未发现问题。"));
  for (const group of groupFindings(findings)) {
    const finding = group[0];
    const spanned = group.filter((f) => f.start !== null);
    const place = finding.field === "title" ? "标题" : finding.start === null ? "全文" : "正文";
    const count = group.length > 1 ? `${group.length} 处` : place;
    const confidence = Math.min(...group.map((f) => Number(f.confidence)));
    const head = el(
      "div", { class: "head" },
      el("span", { class: `tag sev-${finding.severity}` }, SEVERITY_ZH[finding.severity] || finding.severity),
      el("span", { class: "tag" }, CATEGORY_ZH[finding.category] || finding.category),
      `${count} · 置信度 ${confidence.toFixed(2)}`,
    );
    const indices = group.map((f) => f.index).join(" ");
    const item = el("li", { class: "finding", "data-index": finding.index, "data-indices": indices }, head,
      el("div", { class: "message" }, finding.message));
    const sources = [...new Set(group.filter((f) => f.source).map((f) => describeSource(f.source)))];
    if (sources.length) item.append(el("div", { class: "source" }, "出处：" + sources.slice(0, 5).join("；")));
    if (spanned.length > 1) {
      // every place of a repeated problem, each one click away
      const places = el("div", { class: "places" });
      for (const f of spanned) {
        const source = f.field === "title" ? post.title : post.text;
        places.append(el("button", { class: "place", type: "button", "data-index": f.index,
          onclick: () => pick(f.index) }, where(f, source)));
      }
      item.append(places);
    }
    if (finding.text !== null && finding.suggestion !== null && spanned.length === group.length) {
      const fix = el("div", { class: "fix" }, el("del", {}, finding.text), " → ",
        el("ins", {}, finding.suggestion === "" ? "（删除）" : finding.suggestion));
      const label = group.length > 1 ? `全部采纳（${group.length} 处）` : "采纳";
      fix.append(el("button", { class: "accept", type: "button", onclick: () => accept(group) }, label));
      item.append(fix);
    }
    item.addEventListener("click", (event) => { if (event.target.tagName !== "BUTTON") pick(finding.index); });
    list.append(item);
  }
}

function accept(group) {
  // Applies the suggestion at every place of the group, the last place first so earlier offsets stay valid.
  const places = [...group].sort((a, b) => b.start - a.start);
  const edits = { title: Array.from($("post-title").value), text: Array.from($("post-text").value) };
  for (const finding of places) {
    const chars = finding.field === "title" ? edits.title : edits.text;
    if (chars.slice(finding.start, finding.end).join("") !== finding.text) {
      setStatus("原文已改动，请重新审校", true); // the report no longer matches what is in the box
      return;
    }
  }
  for (const finding of places) {
    const chars = finding.field === "title" ? edits.title : edits.text;
    chars.splice(finding.start, finding.end - finding.start, ...Array.from(finding.suggestion));
  }
  $("post-title").value = edits.title.join("");
  $("post-text").value = edits.text.join("");
  clearTimeout(typingTimer);
  review();
}

const FORMAT_ZH = { docx: "Word 文档", pdf: "PDF", html: "网页", image: "图片", text: "文本" };

function describeSource(source) {
  // where in the uploaded file a finding's text came from (a paragraph, a page, an HTML element, an image's box)
  switch (source.kind) {
    case "paragraph": return `第 ${source.index} 段`;
    case "table": return `表格第 ${source.index} 段`;
    case "page": return `第 ${source.index} 页`;
    case "element": return `第 ${source.index} 个段落元素 <${source.element}>`;
    case "line": return `第 ${source.index} 行`;
    case "image": {
      const box = source.box ? `，位置 (${source.box[0]}, ${source.box[1]})–(${source.box[2]}, ${source.box[3]})` : "";
      const sure = source.ocr_confidence !== undefined ? `，识别置信度 ${Number(source.ocr_confidence).toFixed(2)}` : "";
      return `图片 ${source.image} 第 ${source.index} 行${box}${sure}`;
    }
    default: return source.kind;
  }
}

async function uploadFile(file) {
  // The file is read and reviewed by the service (/v1/review/file); its text then stands in the editor box, where
  // the findings are marked, and editing it reviews the text as usual.
  if (!file) return;
  const seq = ++reviewSeq;
  clearTimeout(typingTimer);
  $("review-button").disabled = true;
  setStatus(`正在读取并审校 ${file.name}…`);
  const form = new FormData();
  form.append("file", file, file.name);
  const post = currentPost();
  delete post.text;
  delete post.title; // the file's own title (a WeChat article's) is reviewed
  form.append("post", JSON.stringify(post));
  const headers = {};
  const key = $("account-key").value.trim();
  if (key) headers["X-API-Key"] = key;
  try {
    const response = await fetch("/v1/review/file", { method: "POST", headers, body: form });
    const body = await response.json();
    if (seq !== reviewSeq) return;
    if (!response.ok) {
      setStatus((body.error && body.error.message) || `上传失败（${response.status}）`, true);
      return;
    }
    const input = body.meta.input || {};
    showImage(input.format === "image" ? file : null, body.findings);
    // the textarea keeps line breaks as "\n" only and the title field keeps none; a file's text keeps its own
    // ("\r\n" from Windows): text and offsets are brought to the fields' form, so that 采纳 finds its spans
    const text = asField(input.text || "", body.findings, "text", "\n");
    const title = asField(input.title || "", body.findings, "title", "");
    $("post-text").value = text;
    $("post-title").value = title;
    render(body, { text, title });
    const parts = [FORMAT_ZH[input.format] || input.format, `${input.chars} 字`];
    if (input.sections > 1) parts.push(`分 ${input.sections} 段审校`);
    if (input.images) parts.push(`图片 ${input.images.length} 张`);
    if (input.author) parts.push(`作者 ${input.author}`);
    if (input.published_at) parts.push(`发布时间 ${input.published_at}`);
    $("file-info").textContent = `已读取 ${input.name || file.name}（${parts.join("，")}）`;
    const warnings = (body.meta.warnings || []).map((w) => w.message.split(" / ")[0]);
    const reading = input.elapsed_ms !== undefined ? `读取 ${input.elapsed_ms} 毫秒，` : "";
    setStatus(`已完成，${reading}审校 ${body.meta.elapsed_ms} 毫秒${warnings.length ? "；" + warnings.join("；") : ""}`,
      warnings.length > 0);
  } catch (error) {
    if (seq === reviewSeq) setStatus("无法连接审校服务：" + error, true);
  } finally {
    if (seq === reviewSeq) $("review-button").disabled = false;
  }
}

function showImage(file, findings) {
  // An uploaded image with a box over each finding's line (boxes are in the image's own pixels).
  const preview = $("image-preview");
  preview.replaceChildren();
  if (!file) return;
  const image = el("img", { src: URL.createObjectURL(file), alt: file.name });
  preview.append(image);
  image.addEventListener("load", () => {
    const scale = image.clientWidth / image.naturalWidth;
    findings.forEach((finding, index) => {
      const box = finding.source && finding.source.box;
      if (!box) return;
      const mark = el("div", { class: `box sev-${finding.severity}`, "data-index": index, title: finding.message });
      Object.assign(mark.style, { left: `${box[0] * scale}px`, top: `${box[1] * scale}px`,
        width: `${(box[2] - box[0]) * scale}px`, height: `${(box[3] - box[1]) * scale}px` });
      mark.addEventListener("click", () => pick(index));
      preview.append(mark);
    });
  });
}

function setUpDropZone() {
  const zone = $("drop-zone");
  $("file-input").addEventListener("change", (event) => {
    uploadFile(event.target.files[0]);
    event.target.value = ""; // the same file chosen again uploads again
  });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (event) => { event.preventDefault(); zone.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) zone.addEventListener(name, () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    if (event.dataTransfer.files.length) uploadFile(event.dataTransfer.files[0]);
  });
  // a file dropped anywhere else on the page is not opened by the browser in place of the editor
  document.addEventListener("dragover", (event) => event.preventDefault());
  document.addEventListener("drop", (event) => event.preventDefault());
}

let typingTimer = null;

function reviewSoon() {
  // Review again shortly after the editor stops typing; every answer is drawn against the text it was for.
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => { if ($("post-text").value.trim()) review(); }, 800);
}

document.addEventListener("DOMContentLoaded", () => {
  loadAccountTypes();
  setUpDropZone();
  $("review-button").addEventListener("click", () => { clearTimeout(typingTimer); review(); });
  for (const id of ["post-text", "post-title"]) $(id).addEventListener("input", reviewSoon);
  $("account-type").addEventListener("change", reviewSoon);
  $("post-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) review();
  });
});
