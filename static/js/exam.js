/* The exam page: saves every answer as it is given, survives reloads and network failures, shows the
 * server's clock, reports leaving the page, and hands in at the deadline.
 *
 * Each question carries a sequence number; every change takes the next one. Unacknowledged saves wait in
 * localStorage (keyed by attempt) and are replayed after a reload; the server refuses any save older than
 * the one it holds (409 stale), so a late replay can never overwrite a newer answer from another device.
 *
 * Reloads: the page never trusts what the browser put back into the form (Chromium restores form state on
 * reload, possibly a stale one: the form has autocomplete="off", and every control is rewritten from the
 * answers the server rendered into the config). From the moment the page starts to unload, an acknowledged
 * save no longer removes its localStorage entry: the reload's GET may have read the database before that
 * save committed, so the new page must still find it (a replay of an acknowledged save is a harmless retry).
 * The new page then asks the server for the state once more, for saves that landed after it was rendered.
 */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("exam-config").textContent);
  const form = document.getElementById("exam-form");
  const statusEl = document.getElementById("save-status");
  const timerEl = document.getElementById("timer");
  const storeKey = "peixun-exam-" + config.attemptId;
  const csrf = (document.cookie.match(/(?:^|; )csrftoken=([^;]+)/) || [])[1] ||
    JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  let pending = load();          // {questionId: {answer, seq}}
  let flushing = false, retryDelay = 1000, retryTimer = null, finished = false, leaving = false, ready = false;
  let offset = Date.parse(config.now) - Date.now();   // server clock minus ours
  let deadline = Date.parse(config.deadline);

  function load() {
    try { return JSON.parse(localStorage.getItem(storeKey) || "{}"); } catch (e) { return {}; }
  }
  function persist() {
    try { localStorage.setItem(storeKey, JSON.stringify(pending)); } catch (e) { /* private mode: memory only */ }
  }
  function setStatus(text, error) {
    statusEl.textContent = text;
    statusEl.classList.toggle("error", !!error);
  }
  function post(url, body, keepalive) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", keepalive: !!keepalive,
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify(body),
    });
  }

  function box(qid) { return form.querySelector('[data-question="' + qid + '"]'); }
  function readAnswer(el) {
    const name = "q" + el.dataset.question, type = el.dataset.qtype;
    const inputs = Array.from(form.querySelectorAll('[name="' + name + '"]'));
    if (type === "single") { const c = inputs.find(i => i.checked); return c ? c.value : null; }
    if (type === "true_false") { const c = inputs.find(i => i.checked); return c ? c.value === "true" : null; }
    if (type === "multiple") { const v = inputs.filter(i => i.checked).map(i => i.value).sort(); return v.length ? v : null; }
    if (type === "fill_blank") { const v = inputs.map(i => i.value); return v.some(x => x.trim()) ? v : null; }
    return inputs[0].value.trim() ? inputs[0].value : null;
  }
  function writeAnswer(el, answer) {
    const name = "q" + el.dataset.question, type = el.dataset.qtype;
    const inputs = Array.from(form.querySelectorAll('[name="' + name + '"]'));
    if (type === "single") inputs.forEach(i => { i.checked = i.value === answer; });
    else if (type === "true_false") inputs.forEach(i => { i.checked = answer !== null && i.value === String(answer); });
    else if (type === "multiple") inputs.forEach(i => { i.checked = (answer || []).includes(i.value); });
    else if (type === "fill_blank") inputs.forEach((i, n) => { i.value = (answer || [])[n] || ""; });
    else inputs[0].value = answer || "";
  }
  function seqOf(el) { return parseInt(el.dataset.seq || "0", 10); }

  function record(el) {
    const qid = el.dataset.question;
    const seq = Math.max(seqOf(el), pending[qid] ? pending[qid].seq : 0) + 1;
    el.dataset.seq = String(seq);
    pending[qid] = {answer: readAnswer(el), seq: seq};
    persist();
    flush();
  }

  async function flush() {
    if (flushing || finished) return;
    flushing = true;
    clearTimeout(retryTimer);
    retryTimer = null;
    try {
      for (const qid of Object.keys(pending)) {
        const save = pending[qid];
        setStatus("保存中…");
        let res;
        try {
          res = await post(config.answerUrl, {question_id: parseInt(qid, 10), answer: save.answer, seq: save.seq});
        } catch (e) {
          throw new Error("network");
        }
        if (res.status >= 500) throw new Error("server");
        // Signed out (the session ended or expired): keep the save for after the next login.
        if (res.status === 401 || res.status === 403) throw new Error("session");
        const data = await res.json().catch(() => null);
        // Not our JSON (e.g. the login page after the session expired): keep the save and retry.
        if (data === null || (res.ok && data.seq === undefined)) throw new Error("session");
        if (res.ok || (res.status === 409 && data.error && data.error.code === "stale")) {
          // Saved, or superseded by a newer save the server already holds (another tab or device).
          if (!res.ok && data.error.seq) box(qid).dataset.seq = String(Math.max(seqOf(box(qid)), data.error.seq));
          if (leaving) continue;  // keep the entry for the next page (see the top of this file)
          if (pending[qid] && pending[qid].seq === save.seq) delete pending[qid];
          persist();
        } else if (res.status === 409) {
          finish();
          return;
        } else if (!leaving) {
          delete pending[qid];  // a malformed save is dropped rather than retried for ever
          persist();
          setStatus((data.error && data.error.message) || "保存失败", true);
        }
      }
      retryDelay = 1000;
      if (leaving) return;
      setStatus("已保存 " + new Date(Date.now() + offset).toLocaleTimeString("zh-CN"));
    } catch (e) {
      setStatus("网络异常，答案已暂存在本机，正在重试…", true);
      retryTimer = setTimeout(flush, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 15000);
    } finally {
      flushing = false;
    }
    if (Object.keys(pending).length && retryTimer === null && !finished && !leaving) flush();
  }

  async function sync() {
    try {
      const res = await fetch(config.stateUrl, {credentials: "same-origin"});
      if (!res.ok) return;
      const state = await res.json();
      offset = Date.parse(state.now) - Date.now();
      deadline = Date.parse(state.deadline);
      if (state.status !== "in_progress") { finish(); return; }
      // Another device may have answered meanwhile: take the server's newer answers.
      state.questions.forEach(q => {
        const el = box(q.question_id);
        if (el && q.seq > seqOf(el) && !pending[q.question_id]) { el.dataset.seq = String(q.seq); writeAnswer(el, q.answer); }
      });
    } catch (e) { /* offline: the timer keeps running on the last known offset */ }
  }

  function tick() {
    const left = Math.max(0, Math.floor((deadline - (Date.now() + offset)) / 1000));
    const h = Math.floor(left / 3600), m = Math.floor(left % 3600 / 60), s = left % 60;
    timerEl.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(s).padStart(2, "0");
    if (left === 0 && !finished) submit(true);
  }

  async function submit(auto) {
    if (finished) return;
    if (!auto && !window.confirm("确定交卷吗？交卷后不能再修改答案。")) return;
    recordTyping();
    // A save already on its way is waited for, then whatever is left is sent, and only then the submit.
    while (flushing) await new Promise(r => setTimeout(r, 50));
    await flush();
    try {
      const res = await post(config.submitUrl, {});
      if (res.ok || res.status === 409) finish();
    } catch (e) {
      // Offline at the deadline: the server hands the attempt in by itself; keep trying meanwhile.
      setTimeout(() => submit(true), 3000);
    }
  }

  function finish() {
    finished = true;
    try { localStorage.removeItem(storeKey); } catch (e) { /* ignore */ }
    window.location.href = config.resultUrl;
  }

  function report(kind, detail) {
    if (finished) return;
    post(config.eventUrl, {kind: kind, detail: detail}, true).catch(() => {});
  }

  // The server's answers first, whatever the browser restored into the form; then the saves made before a
  // reload that the server may not hold yet.
  form.querySelectorAll("[data-question]").forEach(el => {
    const saved = (config.saved || {})[el.dataset.question];
    el.dataset.seq = String(saved ? saved.seq : 0);
    writeAnswer(el, saved ? saved.answer : null);
  });
  Object.keys(pending).forEach(qid => {
    const el = box(qid);
    if (!el) { delete pending[qid]; return; }
    if (pending[qid].seq > seqOf(el)) writeAnswer(el, pending[qid].answer); else delete pending[qid];
  });
  persist();

  let typing = {};
  // Text typed in the last moment before a reload or the submit is not lost to the typing pause.
  function recordTyping() {
    Object.keys(typing).forEach(qid => { clearTimeout(typing[qid]); const el = box(qid); if (el) record(el); });
    typing = {};
  }
  form.addEventListener("change", e => { const el = e.target.closest("[data-question]"); if (el) record(el); });
  form.addEventListener("input", e => {
    const el = e.target.closest("[data-question]");
    if (!el || !e.target.matches("input.blank, textarea")) return;
    const qid = el.dataset.question;
    clearTimeout(typing[qid]);
    typing[qid] = setTimeout(() => { delete typing[qid]; record(el); }, 800);
  });
  document.getElementById("submit-attempt").addEventListener("click", () => submit(false));
  document.addEventListener("visibilitychange", () => report(document.hidden ? "leave" : "return", "visibilitychange"));
  window.addEventListener("blur", () => report("leave", "blur"));
  window.addEventListener("online", flush);
  window.addEventListener("beforeunload", () => {
    leaving = true;
    recordTyping();
    setTimeout(() => { leaving = false; }, 5000);  // the navigation was cancelled: carry on
  });
  window.addEventListener("pagehide", () => { leaving = true; });
  window.addEventListener("pageshow", e => { if (e.persisted) { leaving = false; sync(); } });

  tick();
  setInterval(tick, 1000);
  setInterval(sync, 60000);
  sync().then(() => { ready = true; });
  flush();
  window.peixunExam = {flush: flush, pending: () => pending, ready: () => ready};
})();
