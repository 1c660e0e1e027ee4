/*
 * Call-center view (/callcenter): asks /api/chat, shows a read-aloud card with 担当課 and 事業名,
 * copies them to the clipboard, and keeps the shift's questions in sessionStorage. Without this script the
 * form is a plain GET and the server renders the same card; with it the page never reloads.
 * Shortcuts: Alt+Q the question box, Alt+C copy the card, Alt+N a new call.
 * All text from the API or the operator is inserted with textContent, never innerHTML.
 */
(function () {
  "use strict";
  const root = document.getElementById("cc");
  if (!root) return;
  const apiBase = (root.dataset.api || "").replace(/\/+$/, "");
  const TIMEOUT_MS = 20000;
  const HISTORY_KEY = "npa-callcenter-history";
  const HISTORY_MAX = 10;
  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $("cc-form"), input: $("cc-q"), status: $("cc-status"), error: $("cc-error"), errorText: $("cc-error-text"),
    retry: $("cc-retry"), result: $("cc-result"), answer: $("cc-answer"), lowconf: $("cc-lowconf"), dept: $("cc-dept"),
    name: $("cc-name"), copy: $("cc-copy"), copyStatus: $("cc-copy-status"), handoff: $("cc-handoff"),
    evidence: $("cc-evidence"), citations: $("cc-citations"), history: $("cc-history"), historyEmpty: $("cc-history-empty"),
    newCall: $("cc-new-call"), clear: $("cc-clear"),
  };
  const state = { sessionId: null, pending: false, lastQuestion: "", copyText: "" };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  const unique = (items) => items.filter((item, i) => item && items.indexOf(item) === i);

  // --- history (sessionStorage: this tab, this shift) ---------------------------------------------
  function loadHistory() {
    try { return JSON.parse(sessionStorage.getItem(HISTORY_KEY) || "[]").filter((q) => typeof q === "string"); } catch (e) { return []; }
  }
  function saveHistory(list) {
    try { sessionStorage.setItem(HISTORY_KEY, JSON.stringify(list.slice(0, HISTORY_MAX))); } catch (e) { /* storage full or blocked */ }
  }
  function remember(question) {
    saveHistory([question].concat(loadHistory().filter((q) => q !== question)));
    renderHistory();
  }
  function renderHistory() {
    const list = loadHistory();
    ui.history.replaceChildren(...list.map((question) => {
      const item = el("li");
      const button = el("button", "history-item", question);
      button.type = "button";
      button.addEventListener("click", () => { ui.input.value = question; ask(question); });
      item.appendChild(button);
      return item;
    }));
    ui.historyEmpty.hidden = list.length > 0;
  }

  // --- rendering ---------------------------------------------------------------------------------
  function sourceText(src) {
    if (!src) return "";
    const lines = src.line_start === src.line_end || !src.line_end ? src.line_start + "行目" : src.line_start + "～" + src.line_end + "行目";
    return "出典：" + (src.file || "") + " " + lines;
  }

  function citationItem(c) {
    const item = el("li", "cc-citation");
    const title = el("h3", "cc-citation__name");
    if (c.url) {
      const link = el("a", null, c.name || c.id);
      link.href = apiBase + c.url;
      title.appendChild(link);
    } else {
      title.textContent = c.name || c.id;
    }
    item.appendChild(title);
    if ((c.departments || []).length) item.appendChild(el("p", "cc-citation__dept", "所管課：" + c.departments.join("、")));
    if (c.path_label) item.appendChild(el("p", "cc-citation__path", c.path_label));
    // One card per plan row: every line cited from it (its 所管課 cell, its summary…), each verbatim.
    const lines = (c.excerpts && c.excerpts.length) ? c.excerpts : [c.excerpt || ""];
    lines.forEach((line) => item.appendChild(el("blockquote", "excerpt", line)));
    item.appendChild(el("p", "muted cc-citation__source", sourceText(c.source)));
    return item;
  }

  function showAnswer(data) {
    const citations = data.citations || [];
    const projects = citations.filter((c) => c.kind === "project");
    const main = projects.length ? projects : citations;
    const depts = unique([].concat(...main.map((c) => c.departments || [])));
    const names = unique(main.map((c) => c.name));
    const deptText = depts.length ? depts.join("、") : "—";
    const nameText = names.length > 3 ? names.slice(0, 3).join("、") + " ほか" + (names.length - 3) + "件" : (names.join("、") || "—");
    ui.answer.textContent = data.answer || "";
    // The read-aloud sentence stays short; the long form (every date, the whole list) folds below it.
    $("cc-detail-text").textContent = data.detail || "";
    $("cc-detail").hidden = !data.detail;
    ui.lowconf.hidden = data.confidence !== "low";
    ui.dept.textContent = deptText;
    ui.name.textContent = nameText;
    ui.copyStatus.textContent = "";
    state.copyText = "回答：" + (data.answer || "") + "\n担当課：" + deptText + "\n事業名：" + nameText;

    // Refusals (the plan does not cover it, or only a related row): the scope card, never a phone number.
    const coverage = data.coverage || (data.answer_type === "not_found" ? "not_covered" : "covered");
    const refused = coverage !== "covered";
    ui.handoff.hidden = !refused || coverage === "nothing";
    $("cc-handoff-title").textContent = coverage === "partly" ? "お尋ねの点は計画に記載がありません" : "計画に記載がありません";
    const h = data.handoff;
    if (h && h.directory_url) {
      const link = $("cc-directory");
      link.href = h.directory_url;
      link.textContent = h.directory_label || link.textContent;
    }
    $("cc-evidence-title").textContent = coverage === "partly" ? "関連する計画の記載" : "根拠となる計画の記載";
    if (refused) {
      ui.dept.textContent = "—（計画の範囲外）";
      ui.name.textContent = "—";
      state.copyText = "回答：" + (data.answer || "") + "\n担当課：計画の範囲外";
    }
    ui.citations.replaceChildren(...citations.map(citationItem));
    ui.evidence.hidden = citations.length === 0;
    ui.result.hidden = false;
  }

  function showError(message, retryable) {
    ui.errorText.textContent = message;
    ui.retry.hidden = !retryable;
    ui.error.hidden = false;
    ui.status.textContent = "";
  }

  // --- network -----------------------------------------------------------------------------------
  async function postChat(message) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(apiBase + "/api/chat", {
        method: "POST", signal: controller.signal, credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ message: message, session_id: state.sessionId, channel: root.dataset.channel || "citizen" }),
      });
      const text = await res.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      return { status: res.status, data: data, retryAfter: res.headers.get("Retry-After") };
    } catch (err) {
      throw new Error(err && err.name === "AbortError" ? "timeout" : "network");
    } finally {
      clearTimeout(timer);
    }
  }

  function detailText(data) {
    const detail = data && data.detail;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((d) => (d && d.msg) || "").filter(Boolean).join(" ");
    return "";
  }

  async function ask(question) {
    const message = (question || "").trim();
    if (!message || state.pending) return;
    state.pending = true;
    state.lastQuestion = message;
    ui.error.hidden = true;
    ui.status.textContent = "計画から回答を探しています…";
    try {
      const res = await postChat(message);
      if (res.status >= 200 && res.status < 300 && res.data && typeof res.data.answer === "string") {
        state.sessionId = res.data.session_id || state.sessionId;
        showAnswer(res.data);
        remember(message);
        ui.status.textContent = "回答を表示しました。";
      } else if (res.status === 422 || res.status === 413) {
        showError(detailText(res.data) || "質問の内容を確認してください。", false);
      } else if (res.status === 429 || res.status === 503) {
        const seconds = parseInt(res.retryAfter || "", 10);
        showError("問い合わせが集中しています。" + (seconds > 0 ? seconds + "秒ほど" : "少し") + "待ってから再送信してください。", true);
      } else if (res.status >= 500) {
        showError("システムで問題が発生しました（エラー " + res.status + "）。再送信してください。", true);
      } else {
        showError("回答を受け取れませんでした（エラー " + res.status + "）。再送信してください。", true);
      }
    } catch (err) {
      showError(err.message === "timeout"
        ? "回答に時間がかかりすぎたため中断しました。再送信してください。"
        : "サーバーに接続できませんでした。ネットワークを確認して再送信してください。", true);
    } finally {
      state.pending = false;
    }
  }

  // --- copy --------------------------------------------------------------------------------------
  function fallbackCopy(text) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    area.remove();
    ui.copy.focus();
    return ok;
  }

  async function copyAnswer() {
    const text = state.copyText;
    if (!text) return;
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(text); ok = true; } catch (e) { ok = false; }
    }
    if (!ok) ok = fallbackCopy(text);
    ui.copyStatus.textContent = "";
    setTimeout(() => {
      ui.copyStatus.textContent = ok ? "コピーしました" : "コピーできませんでした。回答を選択してコピーしてください。";
    }, 50);
  }

  // --- wiring ------------------------------------------------------------------------------------
  function newCall() {
    state.sessionId = null;
    ui.result.hidden = true;
    ui.error.hidden = true;
    ui.input.value = "";
    ui.status.textContent = "新しい通話として受け付けます。";
    ui.input.focus();
  }

  // Alt+letter by physical key (event.code), so the shortcuts work with the Japanese IME on or off.
  const SHORTCUTS = { KeyQ: () => { ui.input.focus(); ui.input.select(); }, KeyC: copyAnswer, KeyN: newCall };
  document.addEventListener("keydown", (event) => {
    if (!event.altKey || event.ctrlKey || event.metaKey || event.isComposing) return;
    const action = SHORTCUTS[event.code];
    if (!action) return;
    event.preventDefault();
    action();
  });

  ui.form.addEventListener("submit", (event) => { event.preventDefault(); ask(ui.input.value); });
  ui.retry.addEventListener("click", () => { ui.input.focus(); ask(state.lastQuestion); });
  ui.copy.addEventListener("click", copyAnswer);
  ui.newCall.addEventListener("click", newCall);
  ui.clear.addEventListener("click", () => { saveHistory([]); renderHistory(); ui.status.textContent = "履歴を消去しました。"; });
  ["cc-side", "cc-keys", "cc-actions"].forEach((id) => { $(id).hidden = false; });
  // A card the server rendered (a GET with ?q=, e.g. from a bookmark): copyable and in the history.
  if (!ui.result.hidden && ui.input.value.trim()) {
    state.copyText = "回答：" + ui.answer.textContent + "\n担当課：" + ui.dept.textContent + "\n事業名：" + ui.name.textContent;
    remember(ui.input.value.trim());
  }
  renderHistory();
  ui.input.focus();
})();
