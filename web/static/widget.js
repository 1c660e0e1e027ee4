/*
 * 長崎市 実施計画アシスタント — embeddable chat widget (plain JS, no build step).
 * Embed: <script src="https://HOST/widget.js" defer></script>  (optional data-api="https://API-HOST").
 * The API origin is read from this script's own src, so the widget works on other sites via CORS.
 * Every piece of user text and every excerpt is inserted with textContent / createElement, never innerHTML.
 * The server fills NPA_CONFIG (hand-off contact, privacy page, starter questions) from its settings.
 * One file on purpose (over 400 lines): a city page embeds it with a single script tag and nothing else.
 */
(function () {
  "use strict";
  if (window.__nagasakiPlanWidget) return;
  window.__nagasakiPlanWidget = true;

  const CONFIG = /*NPA_CONFIG*/null || {};
  const script = document.currentScript;
  const apiBase = ((script && script.getAttribute("data-api")) ||
    (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  const TIMEOUT_MS = 20000;
  const STORE_KEY = "npa-widget-v1";
  const MAX_KEPT = 40; // conversation items kept across a reload (this tab only)
  // Full screen (and so modal) on phones, upright or on their side: the same query as widget.css.
  const FULL_SCREEN = window.matchMedia("(max-width: 520px), (max-height: 520px)");
  const handoff = Object.assign({ name: "長崎市コールセンター「あじさいコール」", phone: "095-822-8888", hours: "8:00～20:00" },
    CONFIG.handoff || {});
  const starters = CONFIG.starters || { ja: ["市のコールセンターはどこの課がやってるの？"], en: ["Which office runs the city call center?"] };
  const privacyUrl = CONFIG.privacy_url || "/about#privacy";
  const PHONE = /(\+?\d{2,5}[-‐－ー]\d{1,4}[-‐－ー]\d{3,4})/;

  // Interface labels per conversation language: an English question switches the widget to English.
  const TEXT = {
    ja: {
      launcher: "市の計画について質問する", launcherLong: "市の計画について", launcherShort: "質問する",
      city: "長崎市 ", title: "実施計画アシスタント", large: "文字を大きく", reset: "最初から", close: "閉じる",
      closeLabel: "チャットを閉じる", label: "質問を入力（Enterで送信）", placeholder: "例：市長と直接話せる機会はある？",
      send: "送信", disclaimer: "自動応答です。回答は実施計画の記載に基づきます。", privacy: "個人情報の扱い",
      noPersonal: "氏名・住所・電話番号などの個人情報は入力しないでください。",
      greeting: "こんにちは。長崎市の実施計画（市の主要事業）について、担当課や実施時期などをお答えします。",
      examples: "たとえば：", you: "あなたの質問：", bot: "回答：", waiting: "回答を作成しています",
      queued: "前の回答のあとに送ります", detail: "詳しく見る", cites: "根拠となる計画の記載", related: "関連する計画の記載",
      lowconf: "確信度が低い回答です。下の計画の記載もあわせてご確認ください。", more: "事業の詳細を見る",
      newTab: "（新しいタブで開きます）", phoneLead: "電話でのお問い合わせ", hours: "受付時間 ", source: "出典：",
      line: "行目", helpful: "この回答は役に立ちましたか？", yes: "役に立った", no: "役に立たなかった",
      thanks: "ありがとうございました", comment: "よろしければ、足りなかった点を教えてください（個人情報は書かないでください）",
      commentSend: "送信", commentSkip: "コメントなしで送る", feedbackFail: "送信できませんでした。もう一度お試しください。",
      sessionReset: "前の会話の続きとしては受け付けられなかったため、新しい質問として回答しました。",
      count: (n) => "（" + n + "件）", retry: "再送信", restarted: "会話を最初からにしました。", suggestions: "質問の候補",
      urgent: (h) => "お急ぎの場合は " + h.phone + "（" + h.hours + "）へお電話ください。",
      busy: (s) => "ただいま質問が集中しています。" + (s > 0 ? s + "秒ほど" : "少し") + "待ってから「再送信」を押してください。",
      failed: "システムで問題が発生したため、回答できませんでした。時間をおいて「再送信」を押してください。",
      http: (code) => "回答を受け取れませんでした（エラー " + code + "）。「再送信」を押してください。",
      invalid: "質問の内容を確認して、もう一度入力してください。",
      timeout: "回答に時間がかかりすぎたため、中断しました。「再送信」を押してもう一度お試しください。",
      offline: "通信できませんでした。インターネット接続を確認して「再送信」を押してください。",
    },
    en: {
      launcher: "Ask about the city's plan", launcherLong: "Ask about", launcherShort: "the city's plan",
      city: "Nagasaki City ", title: "Plan assistant", large: "Larger text", reset: "Start over", close: "Close",
      closeLabel: "Close the chat", label: "Your question (Enter to send)", placeholder: "e.g. Can I talk with the mayor?",
      send: "Send", disclaimer: "Automatic answers, based on what the implementation plan says.", privacy: "Privacy",
      noPersonal: "Please do not enter your name, address or phone number.",
      greeting: "Hello. I answer questions about Nagasaki City's implementation plan: who is in charge, and when.",
      examples: "For example:", you: "You asked: ", bot: "Answer: ", waiting: "Writing the answer",
      queued: "Will be sent after the current answer", detail: "Show more", cites: "What the plan says",
      related: "Related text in the plan", lowconf: "This answer may not fit your question. Please check the plan text below.",
      more: "Project details", newTab: " (opens in a new tab)", phoneLead: "By phone", hours: "Hours ",
      source: "Source: ", line: "", helpful: "Was this helpful?", yes: "Yes", no: "No", thanks: "Thank you",
      comment: "If you like, tell us what was missing (no personal details, please)", commentSend: "Send",
      commentSkip: "Send without a comment", feedbackFail: "Could not send. Please try again.", retry: "Send again",
      count: (n) => " (" + n + ")", sessionReset: "The earlier conversation had expired, so this was answered as a new question.",
      restarted: "The conversation was cleared.", suggestions: "Suggested questions",
      urgent: (h) => "If it is urgent, please call " + h.phone + " (" + h.hours + ").",
      busy: (s) => "Many questions are arriving. Please wait " + (s > 0 ? s + " seconds" : "a moment") + " and press Send again.",
      failed: "Something went wrong on our side. Please press Send again in a little while.",
      http: (code) => "No answer was received (error " + code + "). Please press Send again.",
      invalid: "Please check your question and enter it again.",
      timeout: "The answer took too long and was stopped. Please press Send again.",
      offline: "Could not connect. Please check your connection and press Send again.",
    },
  };
  const pageLang = () => (/^en\b/i.test(document.documentElement.lang || "") ? "en" : "ja");
  const saved = restore();
  const state = {
    sessionId: saved.sessionId || null, pending: false, composing: false, queue: [],
    lang: saved.lang === "en" || saved.lang === "ja" ? saved.lang : pageLang(), items: Array.isArray(saved.items) ? saved.items : [],
  };
  const t = (key) => TEXT[state.lang][key];
  const languageOf = (text) => (/[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]/.test(text) || !/[A-Za-z]/.test(text) ? "ja" : "en");

  // --- storage (sessionStorage: this tab; closing it, or 最初から, forgets the conversation) ----------
  function restore() {
    try { return JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}") || {}; } catch (e) { return {}; }
  }
  function persist() {
    const data = { sessionId: state.sessionId, lang: state.lang, large: root.classList.contains("npa-large"),
      open: !panel.hidden, items: state.items.slice(-MAX_KEPT) };
    try { sessionStorage.setItem(STORE_KEY, JSON.stringify(data)); } catch (e) { /* storage full or blocked */ }
  }

  /** createElement with text and attributes only: no HTML parsing anywhere. */
  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => {
      if (value === null || value === undefined || value === false) return;
      if (key === "text") node.textContent = value;
      else if (key === "className") node.className = value;
      else if (key === "onClick") node.addEventListener("click", value);
      else node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach((child) => child && node.appendChild(child));
    return node;
  }

  /** Text with every phone number as a tel: link (answers, errors, the hand-off). */
  function withTel(tag, className, text) {
    const node = el(tag, { className: className });
    String(text || "").split(PHONE).forEach((part, i) => {
      if (i % 2) node.appendChild(el("a", { href: "tel:" + part.replace(/[^0-9+]/g, ""), text: part }));
      else if (part) node.appendChild(document.createTextNode(part));
    });
    return node;
  }

  function loadStyles() {
    const href = apiBase + "/static/widget.css";
    if (document.querySelector("link[data-npa-css]")) return;
    // Keep the widget hidden until its styles arrive (or fail), so it never flashes unstyled.
    root.hidden = true;
    const show = () => { root.hidden = false; };
    const link = el("link", { rel: "stylesheet", href: href, "data-npa-css": true });
    link.addEventListener("load", show);
    link.addEventListener("error", show);
    setTimeout(show, 3000);
    document.head.appendChild(link);
  }

  // --- DOM ---------------------------------------------------------------------------------------
  const ids = { panel: "npa-panel", title: "npa-title", input: "npa-input", log: "npa-log" };
  const labels = {}; // label nodes re-texted when the conversation changes language
  const label = (key, tag, className) => (labels[key] = el(tag || "span", { className: className, text: t(key) }));
  const root = el("div", { className: "npa-root", "data-npa": true });
  const launcher = el("button", { type: "button", className: "npa-launcher", "aria-expanded": "false", "aria-controls": ids.panel },
    [el("span", { className: "npa-launcher__icon", "aria-hidden": "true", text: "？" }),
      el("span", { className: "npa-launcher__text" }, [label("launcherLong", "span", "npa-launcher__long"), label("launcherShort")])]);
  const resetButton = el("button", { type: "button", className: "npa-tool npa-reset" }, [label("reset")]);
  const largeButton = el("button", { type: "button", className: "npa-tool", "aria-pressed": "false" }, [label("large")]);
  const closeButton = el("button", { type: "button", className: "npa-tool npa-close" },
    [el("span", { "aria-hidden": "true", text: "×" }), label("close", "span", "npa-close__text")]);
  const log = el("div", { id: ids.log, className: "npa-log", role: "log", "aria-live": "polite", tabindex: "0" });
  const input = el("input", { id: ids.input, className: "npa-input", type: "text", name: "message", maxlength: "500",
    autocomplete: "off", enterkeyhint: "send" });
  const sendButton = el("button", { type: "submit", className: "npa-send" }, [label("send")]);
  const form = el("form", { className: "npa-form", novalidate: true }, [
    el("label", { for: ids.input, className: "npa-label" }, [label("label")]),
    el("div", { className: "npa-form__row" }, [input, sendButton]),
  ]);
  const privacyLink = el("a", { href: absolute(privacyUrl), target: "_blank", rel: "noopener" },
    [label("privacy")]);
  const panel = el("div", { id: ids.panel, className: "npa-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": ids.title, hidden: true }, [
    el("div", { className: "npa-header" }, [
      el("h2", { id: ids.title, className: "npa-title" }, [label("city", "span", "npa-title__city"), label("title", "span", "npa-title__main")]),
      el("div", { className: "npa-tools" }, [resetButton, largeButton, closeButton]),
    ]),
    el("p", { className: "npa-disclaimer" }, [label("disclaimer"), document.createTextNode(" "), privacyLink]),
    log,
    form,
    el("p", { className: "npa-privacy" }, [label("noPersonal")]),
  ]);
  const announcer = el("p", { className: "npa-visually-hidden", role: "status" });
  root.append(panel, launcher, announcer);

  function applyLanguage(lang) {
    state.lang = lang;
    root.setAttribute("lang", lang);
    Object.entries(labels).forEach(([key, node]) => { node.textContent = t(key); });
    launcher.setAttribute("aria-label", t("launcher"));
    closeButton.setAttribute("aria-label", t("closeLabel"));
    log.setAttribute("aria-label", lang === "en" ? "Conversation" : "会話");
    input.setAttribute("placeholder", t("placeholder"));
  }

  // --- messages ----------------------------------------------------------------------------------
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  function scrollToStart(node) { log.scrollTop = Math.max(0, node.offsetTop - 8); }

  function chips(list, lang) {
    if (!list || !list.length) return null;
    return el("div", { className: "npa-chips", role: "group", "aria-label": t("suggestions") },
      list.slice(0, 5).map((item) => {
        const text = typeof item === "string" ? item : item.text;
        return el("button", { type: "button", className: "npa-chip", text: text, lang: (item && item.lang) || lang,
          onClick: () => { input.focus(); submit(text); } });
      }));
  }

  function addGreeting() {
    const own = starters[state.lang] || [];
    // A Japanese greeting still offers one English question, so a visitor sees English works too.
    const offer = state.lang === "ja" && starters.en ? own.concat([{ text: starters.en[0], lang: "en" }]) : own;
    log.appendChild(el("div", { className: "npa-msg npa-msg--bot npa-msg--greeting", lang: state.lang }, [
      el("p", { className: "npa-text", text: t("greeting") }),
      el("p", { className: "npa-text npa-muted", text: t("examples") }),
      chips(offer, state.lang),
    ]));
  }

  function addUser(text, queued) {
    const node = el("div", { className: "npa-msg npa-msg--user", lang: languageOf(text) }, [
      el("span", { className: "npa-visually-hidden", text: t("you") }),
      el("p", { className: "npa-text", text: text }),
      queued ? el("p", { className: "npa-queued", text: t("queued") }) : null,
    ]);
    log.appendChild(node);
    scrollToEnd();
    return node;
  }

  function sourceText(src) {
    if (!src) return "";
    const lines = src.line_start === src.line_end || !src.line_end ? src.line_start + t("line") : src.line_start + "～" + src.line_end + t("line");
    return t("source") + (src.file || "") + " " + lines;
  }

  function absolute(url) { return /^https?:/i.test(url) ? url : apiBase + (url.charAt(0) === "/" ? url : "/" + url); }

  function citation(c) {
    const depts = (c.departments || []).join("、");
    // One card per plan row, with every line cited from it (its 所管課 cell, its summary…), each verbatim.
    const lines = (c.excerpts && c.excerpts.length) ? c.excerpts : [c.excerpt || ""];
    const body = lines.map((line) => el("blockquote", { className: "npa-excerpt", lang: "ja", text: line }));
    const meta = el("p", { className: "npa-source", text: sourceText(c.source) });
    if (c.url) {
      meta.append(" ", el("a", { href: absolute(c.url), target: "_blank", rel: "noopener" }, [
        document.createTextNode(t("more")), el("span", { className: "npa-visually-hidden", text: t("newTab") })]));
    }
    body.push(meta);
    return el("details", { className: "npa-cite" }, [
      el("summary", { lang: "ja" }, [
        el("span", { className: "npa-cite__name", text: c.name || c.id || "" }),
        depts ? el("span", { className: "npa-cite__dept", text: "所管課：" + depts }) : null,
        c.path_label ? el("span", { className: "npa-cite__path", text: c.path_label }) : null,
      ]),
      el("div", { className: "npa-cite__body" }, body),
    ]);
  }

  function handoffCard(h) {
    return el("div", { className: "npa-handoff" }, [
      el("p", { className: "npa-handoff__lead", text: t("phoneLead") }),
      el("p", { className: "npa-handoff__name", text: h.name || handoff.name }),
      withTel("p", "npa-handoff__phone", h.phone || handoff.phone),
      el("p", { className: "npa-handoff__hours", text: t("hours") + (h.hours || handoff.hours) }),
    ]);
  }

  function feedback(data, item) {
    const box = el("div", { className: "npa-feedback" });
    const thanks = () => box.replaceChildren(el("p", { className: "npa-feedback__thanks", text: t("thanks") }));
    if (item.rated) { thanks(); return box; }
    const status = el("p", { className: "npa-feedback__status", role: "alert" });
    const post = async (helpful, comment, controls) => {
      controls.forEach((b) => { b.disabled = true; });
      try {
        const res = await request("/api/feedback", { session_id: data.session_id, message_id: data.message_id,
          helpful: helpful, comment: comment || null });
        if (res.status >= 400) throw new Error("http " + res.status);
        item.rated = true;
        persist();
        thanks();
      } catch (err) {
        controls.forEach((b) => { b.disabled = false; });
        status.textContent = t("feedbackFail");
      }
    };
    const yes = el("button", { type: "button", className: "npa-fb", text: t("yes") });
    const no = el("button", { type: "button", className: "npa-fb", text: t("no") });
    yes.addEventListener("click", () => post(true, null, [yes, no]));
    no.addEventListener("click", () => box.replaceChildren(commentForm(post), status));
    box.append(el("span", { className: "npa-feedback__q", text: t("helpful") }), yes, no, status);
    return box;
  }

  /** After 役に立たなかった: an optional comment (masked for personal details on the server, as questions are). */
  function commentForm(post) {
    const fieldId = "npa-comment-" + Math.random().toString(36).slice(2, 8);
    const area = el("textarea", { id: fieldId, className: "npa-comment", maxlength: "1000", rows: "2" });
    const sendIt = el("button", { type: "submit", className: "npa-fb", text: t("commentSend") });
    const skip = el("button", { type: "button", className: "npa-fb", text: t("commentSkip") });
    const box = el("form", { className: "npa-comment-form", novalidate: true }, [
      el("label", { for: fieldId, className: "npa-comment__label", text: t("comment") }), area,
      el("div", { className: "npa-comment__actions" }, [sendIt, skip]),
    ]);
    box.addEventListener("submit", (event) => { event.preventDefault(); post(false, area.value.trim(), [sendIt, skip, area]); });
    skip.addEventListener("click", () => post(false, null, [sendIt, skip, area]));
    setTimeout(() => area.focus(), 0);
    return box;
  }

  function addAnswer(data, item) {
    if (data.handoff) Object.assign(handoff, data.handoff);
    const lang = data.lang === "en" ? "en" : "ja";
    const citations = data.citations || [];
    // A partly covered answer cites a near row as related text, not as the source of an answer.
    const citeTitle = data.coverage === "partly" ? t("related") : t("cites");
    const node = el("div", { className: "npa-msg npa-msg--bot", lang: lang, "data-answer-type": data.answer_type || "",
      "data-coverage": data.coverage || "" }, [
      el("span", { className: "npa-visually-hidden", text: t("bot") }),
      // The server did not know the session (it expired, or the server restarted): say so, once, plainly.
      data.session_reset ? el("p", { className: "npa-text npa-muted", text: t("sessionReset") }) : null,
      withTel("p", "npa-text npa-answer", data.answer),
      // Short first on a phone: the long form (every date, the whole list) folds under the answer.
      data.detail ? el("details", { className: "npa-detail" }, [el("summary", { text: t("detail") }), withTel("p", "npa-text", data.detail)]) : null,
      data.confidence === "low" ? el("p", { className: "npa-lowconf", text: t("lowconf") }) : null,
      citations.length ? el("div", { className: "npa-cites" }, [
        el("p", { className: "npa-cites__title", text: citeTitle + t("count")(citations.length) }),
      ].concat(citations.map(citation))) : null,
      data.handoff ? handoffCard(data.handoff) : null,
      // Rows too close to call: the choices ask again about each; otherwise the usual suggestions.
      chips(data.choices && data.choices.length ? data.choices : data.suggestions, lang),
      data.message_id ? feedback(data, item) : null,
    ]);
    log.appendChild(node);
    return node;
  }

  function addError(message, retryText) {
    const node = el("div", { className: "npa-msg npa-msg--error" }, [withTel("p", "npa-text", message)]);
    if (retryText !== null) {
      node.appendChild(el("button", { type: "button", className: "npa-retry", text: t("retry"),
        onClick: () => { if (state.pending) return; node.remove(); input.focus(); send(retryText); } }));
    }
    log.appendChild(node);
    scrollToEnd();
  }

  // --- network -----------------------------------------------------------------------------------
  async function request(path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const res = await fetch(apiBase + path, {
        method: "POST", mode: "cors", credentials: "omit", signal: controller.signal,
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
      });
      const text = await res.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
      return { status: res.status, data: data, retryAfter: res.headers.get("Retry-After") };
    } catch (err) {
      const failure = new Error(err && err.name === "AbortError" ? "timeout" : "network");
      failure.kind = failure.message;
      throw failure;
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

  function showReply(res, message) {
    if (res.status >= 200 && res.status < 300 && res.data && typeof res.data.answer === "string") {
      state.sessionId = res.data.session_id || state.sessionId;
      const item = { kind: "answer", data: res.data };
      state.items.push(item);
      scrollToStart(addAnswer(res.data, item));
    } else if (res.status === 422 || res.status === 413) {
      addError(detailText(res.data) || t("invalid"), null);
      if (!input.value) input.value = message;
    } else if (res.status === 429 || res.status === 503) {
      addError(t("busy")(parseInt(res.retryAfter || "", 10)), message);
    } else if (res.status >= 500) {
      addError(t("failed") + t("urgent")(handoff), message);
    } else {
      addError(t("http")(res.status), message);
    }
  }

  /** Ask now, or queue behind the answer being written (a second Enter is never swallowed). */
  function submit(text) {
    const message = (text || "").trim();
    if (!message) return;
    applyLanguage(languageOf(message));
    state.items.push({ kind: "user", text: message });
    persist();
    const bubble = addUser(message, state.pending);
    if (state.pending) state.queue.push({ message: message, bubble: bubble });
    else send(message);
  }

  async function send(message) {
    state.pending = true;
    sendButton.setAttribute("aria-disabled", "true");
    const waiting = el("div", { className: "npa-msg npa-msg--bot npa-msg--waiting", role: "status", "aria-busy": "true" }, [
      el("span", { className: "npa-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      el("span", { className: "npa-text", text: t("waiting") }),
    ]);
    log.appendChild(waiting);
    scrollToEnd();
    try {
      const res = await request("/api/chat", { message: message, session_id: state.sessionId });
      waiting.remove();
      showReply(res, message);
    } catch (err) {
      waiting.remove();
      addError(err.kind === "timeout" ? t("timeout") : t("offline") + t("urgent")(handoff), message);
    } finally {
      state.pending = false;
      sendButton.removeAttribute("aria-disabled");
      persist();
      const next = state.queue.shift();
      if (next) {
        const note = next.bubble.querySelector(".npa-queued");
        if (note) note.remove();
        send(next.message);
      }
    }
  }

  // --- behaviour ---------------------------------------------------------------------------------
  function setModal() { panel.setAttribute("aria-modal", FULL_SCREEN.matches && !panel.hidden ? "true" : "false"); }

  function open() {
    panel.hidden = false;
    root.classList.add("npa-open");
    launcher.setAttribute("aria-expanded", "true");
    if (!log.childElementCount) addGreeting();
    setModal();
    persist();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("npa-open");
    launcher.setAttribute("aria-expanded", "false");
    setModal();
    persist();
    launcher.focus();
  }

  function reset() {
    state.items = [];
    state.queue = [];
    state.sessionId = null;
    applyLanguage(pageLang());
    log.replaceChildren();
    addGreeting();
    persist();
    announcer.textContent = t("restarted");
    input.focus();
  }

  /** Full screen, the panel is modal: Tab cycles inside it instead of walking into the page behind. */
  function trapFocus(event) {
    if (event.key !== "Tab" || panel.hidden || !FULL_SCREEN.matches) return;
    const focusable = Array.from(panel.querySelectorAll("button, input, textarea, a[href], summary, [tabindex='0']"))
      .filter((node) => !node.disabled && node.getClientRects().length);
    if (!focusable.length) return;
    const first = focusable[0], last = focusable[focusable.length - 1];
    if (event.shiftKey && (document.activeElement === first || !panel.contains(document.activeElement))) {
      event.preventDefault(); last.focus();
    } else if (!event.shiftKey && (document.activeElement === last || !panel.contains(document.activeElement))) {
      event.preventDefault(); first.focus();
    }
  }

  function replay() {
    state.items.forEach((item) => {
      if (item.kind === "user") addUser(item.text, false);
      else if (item.kind === "answer" && item.data) addAnswer(item.data, item);
    });
    scrollToEnd();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeButton.addEventListener("click", close);
  resetButton.addEventListener("click", reset);
  largeButton.addEventListener("click", () => {
    const on = root.classList.toggle("npa-large");
    largeButton.setAttribute("aria-pressed", on ? "true" : "false");
    persist();
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) { event.preventDefault(); close(); }
  });
  document.addEventListener("keydown", trapFocus);
  (FULL_SCREEN.addEventListener ? FULL_SCREEN.addEventListener("change", setModal) : FULL_SCREEN.addListener(setModal));
  input.addEventListener("compositionstart", () => { state.composing = true; });
  input.addEventListener("compositionend", () => { setTimeout(() => { state.composing = false; }, 0); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.composing) return;
    const text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    submit(text);
  });

  function mount() {
    loadStyles();
    applyLanguage(state.lang);
    if (saved.large) { root.classList.add("npa-large"); largeButton.setAttribute("aria-pressed", "true"); }
    if (state.items.length) { addGreeting(); replay(); }
    document.body.appendChild(root);
    if (saved.open) open();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
