/*
 * 長崎市 実施計画アシスタント — embeddable chat widget (plain JS, no build step).
 * Embed: <script src="https://HOST/widget.js" defer></script>  (optional data-api="https://API-HOST").
 * The API origin is read from this script's own src, so the widget works on other sites via CORS.
 * Every piece of user text and every excerpt is inserted with textContent / createElement, never innerHTML.
 */
(function () {
  "use strict";
  if (window.__nagasakiPlanWidget) return;
  window.__nagasakiPlanWidget = true;

  const script = document.currentScript;
  const apiBase = ((script && script.getAttribute("data-api")) ||
    (script && script.src ? new URL(script.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  const TIMEOUT_MS = 20000;
  const SUGGESTIONS = ["コールセンターの担当課は？", "自治会の活動を支援する事業は？", "令和8年度に始まる取組みは？", "DX推進課の事業を一覧で"];
  const handoff = { name: "長崎市コールセンター「あじさいコール」", phone: "095-822-8888", hours: "8:00～20:00" };
  const state = { sessionId: null, pending: false, composing: false };
  let uid = 0;

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
  const root = el("div", { className: "npa-root", "data-npa": true });
  const launcher = el("button", {
    type: "button", className: "npa-launcher", "aria-expanded": "false", "aria-controls": ids.panel,
    "aria-label": "市の計画について質問する",
  }, [el("span", { className: "npa-launcher__icon", "aria-hidden": "true", text: "？" }),
    el("span", { className: "npa-launcher__text" }, [
      el("span", { className: "npa-launcher__long", text: "市の計画について" }), document.createTextNode("質問する"),
    ])]);
  const largeButton = el("button", { type: "button", className: "npa-tool", "aria-pressed": "false", text: "文字を大きく" });
  const closeButton = el("button", { type: "button", className: "npa-tool npa-close", "aria-label": "チャットを閉じる" },
    [el("span", { "aria-hidden": "true", text: "×" }), el("span", { className: "npa-close__text", text: "閉じる" })]);
  const log = el("div", {
    id: ids.log, className: "npa-log", role: "log", "aria-live": "polite", "aria-label": "会話", tabindex: "0",
  });
  const input = el("input", {
    id: ids.input, className: "npa-input", type: "text", name: "message", maxlength: "500", autocomplete: "off",
    enterkeyhint: "send", placeholder: "例：自治会の活動を支援する事業は？",
  });
  const sendButton = el("button", { type: "submit", className: "npa-send", text: "送信" });
  const form = el("form", { className: "npa-form", novalidate: true }, [
    el("label", { for: ids.input, className: "npa-label", text: "質問を入力（Enterで送信）" }),
    el("div", { className: "npa-form__row" }, [input, sendButton]),
  ]);
  const panel = el("section", {
    id: ids.panel, className: "npa-panel", role: "dialog", "aria-modal": "false", "aria-labelledby": ids.title, hidden: true,
  }, [
    el("header", { className: "npa-header" }, [
      el("div", { className: "npa-header__titles" }, [
        el("h2", { id: ids.title, className: "npa-title" }, [
          el("span", { className: "npa-title__city", text: "長崎市 " }),
          el("span", { className: "npa-title__main", text: "実施計画アシスタント" }),
        ]),
      ]),
      el("div", { className: "npa-tools" }, [largeButton, closeButton]),
    ]),
    log,
    form,
    el("p", { className: "npa-privacy", text: "氏名・住所・電話番号などの個人情報は入力しないでください。" }),
  ]);
  root.appendChild(panel);
  root.appendChild(launcher);

  // --- messages ----------------------------------------------------------------------------------
  function scrollToEnd() { log.scrollTop = log.scrollHeight; }
  function scrollToStart(node) { log.scrollTop = Math.max(0, node.offsetTop - 8); }

  function chips(list) {
    if (!list || !list.length) return null;
    return el("div", { className: "npa-chips", role: "group", "aria-label": "質問の候補" },
      list.slice(0, 5).map((text) => el("button", {
        type: "button", className: "npa-chip", text: text,
        onClick: () => { input.focus(); if (state.pending) input.value = text; else send(text); },
      })));
  }

  function addGreeting() {
    log.appendChild(el("div", { className: "npa-msg npa-msg--bot" }, [
      el("p", { className: "npa-text", text: "こんにちは。長崎市の実施計画（市の主要事業）について、担当課や実施時期などをお答えします。" }),
      el("p", { className: "npa-text npa-muted", text: "よくある質問：" }),
      chips(SUGGESTIONS),
    ]));
  }

  function addUser(text) {
    log.appendChild(el("div", { className: "npa-msg npa-msg--user" }, [
      el("span", { className: "npa-visually-hidden", text: "あなたの質問：" }),
      el("p", { className: "npa-text", text: text }),
    ]));
    scrollToEnd();
  }

  function sourceText(src) {
    if (!src) return "";
    const lines = src.line_start === src.line_end || !src.line_end ? src.line_start + "行目" : src.line_start + "～" + src.line_end + "行目";
    return "出典：" + (src.file || "") + " " + lines;
  }

  function absolute(url) { return /^https?:/i.test(url) ? url : apiBase + (url.charAt(0) === "/" ? url : "/" + url); }

  function citation(c) {
    const depts = (c.departments || []).join("、");
    const body = [el("blockquote", { className: "npa-excerpt", text: c.excerpt || "" })];
    const meta = el("p", { className: "npa-source", text: sourceText(c.source) });
    if (c.url) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(el("a", { href: absolute(c.url), target: "_blank", rel: "noopener" }, [
        document.createTextNode("事業の詳細を見る"), el("span", { className: "npa-visually-hidden", text: "（新しいタブで開きます）" }),
      ]));
    }
    body.push(meta);
    return el("details", { className: "npa-cite" }, [
      el("summary", {}, [
        el("span", { className: "npa-cite__name", text: c.name || c.id || "" }),
        depts ? el("span", { className: "npa-cite__dept", text: "所管課：" + depts }) : null,
        c.path_label ? el("span", { className: "npa-cite__path", text: c.path_label }) : null,
      ]),
      el("div", { className: "npa-cite__body" }, body),
    ]);
  }

  function handoffCard(h) {
    const phone = h.phone || handoff.phone;
    return el("div", { className: "npa-handoff" }, [
      el("p", { className: "npa-handoff__lead", text: "電話でのお問い合わせ" }),
      el("p", { className: "npa-handoff__name", text: h.name || handoff.name }),
      el("p", { className: "npa-handoff__phone" }, [
        el("a", { href: "tel:" + phone.replace(/[^0-9+]/g, ""), text: phone }),
      ]),
      el("p", { className: "npa-handoff__hours", text: "受付時間 " + (h.hours || handoff.hours) }),
    ]);
  }

  function feedback(data) {
    const box = el("div", { className: "npa-feedback" });
    const status = el("span", { className: "npa-feedback__status" });
    const post = async (helpful, buttons) => {
      buttons.forEach((b) => { b.disabled = true; });
      try {
        const res = await request("/api/feedback", {
          session_id: data.session_id, message_id: data.message_id, helpful: helpful, comment: null,
        });
        if (res.status >= 400) throw new Error("http " + res.status);
        box.replaceChildren(el("p", { className: "npa-feedback__thanks", text: "ありがとうございました" }));
      } catch (err) {
        buttons.forEach((b) => { b.disabled = false; });
        status.textContent = "送信できませんでした。もう一度お試しください。";
      }
    };
    const yes = el("button", { type: "button", className: "npa-fb", text: "役に立った" });
    const no = el("button", { type: "button", className: "npa-fb", text: "役に立たなかった" });
    yes.addEventListener("click", () => post(true, [yes, no]));
    no.addEventListener("click", () => post(false, [yes, no]));
    box.append(el("span", { className: "npa-feedback__q", text: "この回答は役に立ちましたか？" }), yes, no, status);
    return box;
  }

  function addAnswer(data) {
    if (data.handoff) Object.assign(handoff, data.handoff);
    const citations = data.citations || [];
    // A partly covered answer cites a near row as related text, not as the source of an answer.
    const citeTitle = data.coverage === "partly" ? "関連する計画の記載" : "根拠となる計画の記載";
    const node = el("div", { className: "npa-msg npa-msg--bot", "data-answer-type": data.answer_type || "",
      "data-coverage": data.coverage || "" }, [
      el("span", { className: "npa-visually-hidden", text: "回答：" }),
      el("p", { className: "npa-text npa-answer", text: data.answer || "" }),
      // Short first on a phone: the long form (every date, the whole list) folds under the answer.
      data.detail ? el("details", { className: "npa-detail" }, [
        el("summary", { text: "詳しく見る" }), el("p", { className: "npa-text", text: data.detail }),
      ]) : null,
      data.confidence === "low" ? el("p", { className: "npa-lowconf", text: "確信度が低い回答です。下の計画の記載もあわせてご確認ください。" }) : null,
      citations.length ? el("div", { className: "npa-cites" }, [
        el("p", { className: "npa-cites__title", text: citeTitle + "（" + citations.length + "件）" }),
      ].concat(citations.map(citation))) : null,
      data.handoff ? handoffCard(data.handoff) : null,
      // Rows too close to call: the choices ask again about each; otherwise the usual suggestions.
      chips(data.choices && data.choices.length ? data.choices : data.suggestions),
      data.message_id ? feedback(data) : null,
    ]);
    log.appendChild(node);
    scrollToStart(node);
  }

  function addError(message, retryText) {
    const node = el("div", { className: "npa-msg npa-msg--error" }, [el("p", { className: "npa-text", text: message })]);
    if (retryText !== null) {
      node.appendChild(el("button", {
        type: "button", className: "npa-retry", text: "再送信",
        onClick: () => {
          if (state.pending) return;
          node.remove();
          input.focus();
          send(retryText, true);
        },
      }));
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

  const urgent = () => "お急ぎの場合は " + handoff.phone + "（" + handoff.hours + "）へお電話ください。";

  async function send(text, isRetry) {
    const message = (text || "").trim();
    if (!message || state.pending) return;
    state.pending = true;
    sendButton.setAttribute("aria-disabled", "true");
    if (!isRetry) addUser(message);
    const waiting = el("div", { className: "npa-msg npa-msg--bot npa-msg--waiting", "aria-busy": "true" }, [
      el("p", { className: "npa-text", text: "回答を作成しています…" }),
    ]);
    log.appendChild(waiting);
    scrollToEnd();
    try {
      const res = await request("/api/chat", { message: message, session_id: state.sessionId });
      waiting.remove();
      if (res.status >= 200 && res.status < 300 && res.data && typeof res.data.answer === "string") {
        state.sessionId = res.data.session_id || state.sessionId;
        addAnswer(res.data);
      } else if (res.status === 422 || res.status === 413) {
        addError(detailText(res.data) || "質問の内容を確認して、もう一度入力してください。", null);
        if (!input.value) input.value = message;
      } else if (res.status === 429 || res.status === 503) {
        const seconds = parseInt(res.retryAfter || "", 10);
        addError("ただいま質問が集中しています。" + (seconds > 0 ? seconds + "秒ほど" : "少し") +
          "待ってから「再送信」を押してください。", message);
      } else if (res.status >= 500) {
        addError("システムで問題が発生したため、回答できませんでした。時間をおいて「再送信」を押してください。" + urgent(), message);
      } else {
        addError("回答を受け取れませんでした（エラー " + res.status + "）。「再送信」を押してください。", message);
      }
    } catch (err) {
      waiting.remove();
      addError(err.kind === "timeout"
        ? "回答に時間がかかりすぎたため、中断しました。「再送信」を押してもう一度お試しください。"
        : "通信できませんでした。インターネット接続を確認して「再送信」を押してください。" + urgent(), message);
    } finally {
      state.pending = false;
      sendButton.removeAttribute("aria-disabled");
      input.disabled = false;
    }
  }

  // --- behaviour ---------------------------------------------------------------------------------
  function open() {
    panel.hidden = false;
    root.classList.add("npa-open");
    launcher.setAttribute("aria-expanded", "true");
    if (!log.childElementCount) addGreeting();
    input.focus();
  }

  function close() {
    panel.hidden = true;
    root.classList.remove("npa-open");
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => (panel.hidden ? open() : close()));
  closeButton.addEventListener("click", close);
  largeButton.addEventListener("click", () => {
    const on = root.classList.toggle("npa-large");
    largeButton.setAttribute("aria-pressed", on ? "true" : "false");
  });
  root.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !panel.hidden) {
      event.preventDefault();
      close();
    }
  });
  input.addEventListener("compositionstart", () => { state.composing = true; });
  input.addEventListener("compositionend", () => { setTimeout(() => { state.composing = false; }, 0); });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (state.composing || state.pending) return;
    const text = input.value;
    if (!text.trim()) { input.focus(); return; }
    input.value = "";
    send(text);
  });

  function mount() {
    loadStyles();
    document.body.appendChild(root);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mount);
  else mount();
})();
