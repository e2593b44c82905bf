/* The lecture chat component (在线文字互动). No framework. User text is only ever set with textContent,
 * never as HTML. Every event has a sequence number: the component keeps the last one it saw, reconnects
 * with it, and ignores what it already has; sends carry a client id and are re-sent until acknowledged. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  var MODE_LABELS = { open: "自由发言", questions_only: "仅限提问", closed: "已关闭" };

  function ChatRoom(root) {
    this.root = root;
    this.lecture = root.dataset.lecture;
    this.role = root.dataset.role;
    this.me = Number(root.dataset.me);
    this.lastSeq = null;
    this.oldest = null;
    this.messages = new Map(); // seq -> <li>
    this.questions = new Map(); // message seq -> question body
    this.pending = new Map(); // client id -> frame, until acknowledged
    this.voted = new Set();
    this.retry = 0;
    this.list = root.querySelector("[data-chat-list]");
    this.qlist = root.querySelector("[data-chat-questions]");
    this.status = root.querySelector("[data-chat-status]");
    this.modeLabel = root.querySelector("[data-chat-mode]");
    this.error = root.querySelector("[data-chat-error]");
    this.more = root.querySelector("[data-chat-more]");
    this.form = root.querySelector("[data-chat-form]");
    this.input = this.form.querySelector("textarea");
    this.asQuestion = this.form.querySelector("[data-chat-question]");
    this.bind();
    this.connect();
  }

  ChatRoom.prototype.bind = function () {
    var self = this;
    this.form.addEventListener("submit", function (e) {
      e.preventDefault();
      self.sendText();
    });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        self.sendText();
      }
    });
    this.more.addEventListener("click", function () {
      if (self.oldest !== null) self.send({ type: "history", before: self.oldest });
    });
    var mode = this.root.querySelector("[data-chat-set-mode]");
    if (mode) {
      mode.addEventListener("change", function () {
        self.send({ type: "mode", mode: mode.value });
      });
    }
  };

  ChatRoom.prototype.url = function () {
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var url = proto + "//" + location.host + "/ws/chat/" + encodeURIComponent(this.lecture) + "/";
    return this.lastSeq === null ? url : url + "?last_seq=" + this.lastSeq;
  };

  ChatRoom.prototype.connect = function () {
    var self = this;
    this.setStatus("连接中…");
    var ws = new WebSocket(this.url());
    this.ws = ws;
    ws.onmessage = function (e) {
      var frame;
      try {
        frame = JSON.parse(e.data);
      } catch (err) {
        return;
      }
      self.onFrame(frame);
    };
    ws.onclose = function (e) {
      if (self.ws !== ws) return;
      if (e.code === 4403 || e.code === 4401 || (e.code === 1006 && self.retry > 8 && self.lastSeq === null)) {
        self.setStatus("无法进入互动室（无权限或未登录）");
        return;
      }
      var wait = Math.min(10000, 500 * Math.pow(2, self.retry++));
      self.setStatus("连接中断，正在重连…");
      setTimeout(function () {
        self.connect();
      }, wait);
    };
  };

  ChatRoom.prototype.setStatus = function (text) {
    this.status.textContent = text;
  };

  ChatRoom.prototype.send = function (frame) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  };

  ChatRoom.prototype.sendText = function () {
    var text = this.input.value.trim();
    if (!text) return;
    var frame = { type: "send", client_id: newId(), text: text, question: !!(this.asQuestion && this.asQuestion.checked) };
    this.pending.set(frame.client_id, frame);
    this.send(frame);
    this.input.value = "";
    if (this.asQuestion) this.asQuestion.checked = false;
    this.showError("");
  };

  ChatRoom.prototype.showError = function (text) {
    this.error.textContent = text;
    this.error.hidden = !text;
  };

  ChatRoom.prototype.onFrame = function (f) {
    var self = this;
    switch (f.type) {
      case "welcome":
        this.retry = 0;
        this.role = f.role;
        this.setStatus("已连接");
        this.setMode(f.mode);
        if (f.snapshot !== "resume") {
          // A fresh start or too far behind: the server sends the recent history and the questions.
          this.list.replaceChildren();
          this.messages.clear();
          this.questions.clear();
          this.lastSeq = f.last_seq;
          this.oldest = null;
        }
        // Sends that were not acknowledged before the break go again; the server stores each once.
        this.pending.forEach(function (frame) {
          self.send(frame);
        });
        break;
      case "resume":
        f.events.forEach(function (e) {
          self.onEvent(e);
        });
        break;
      case "history":
        this.prepend(f.events, f.page);
        this.more.hidden = !f.has_more;
        break;
      case "questions":
        f.events.forEach(function (e) {
          self.applyQuestion(e.q);
        });
        this.renderQuestions();
        break;
      case "event":
        this.onEvent(f);
        break;
      case "ack":
        this.pending.delete(f.client_id);
        break;
      case "error":
        if (f.client_id) this.pending.delete(f.client_id);
        this.showError(f.message);
        break;
      case "muted":
        this.showError("已禁言该学员 " + f.minutes + " 分钟");
        break;
    }
  };

  ChatRoom.prototype.onEvent = function (e) {
    if (this.lastSeq !== null && e.seq <= this.lastSeq) return; // already have it
    this.lastSeq = e.seq;
    if (e.kind === "message") {
      this.list.appendChild(this.renderMessage(e.msg));
      if (this.oldest === null) this.oldest = e.msg.seq;
      this.list.parentNode.scrollTop = this.list.parentNode.scrollHeight;
    } else if (e.kind === "delete") {
      var li = this.messages.get(e.target);
      if (li) this.markDeleted(li);
      this.questions.delete(e.target);
      this.renderQuestions();
    } else if (e.kind === "question") {
      this.applyQuestion(e.q);
      this.renderQuestions();
    } else if (e.kind === "mode") {
      this.setMode(e.mode);
    }
  };

  ChatRoom.prototype.prepend = function (events, page) {
    var first = this.list.firstChild;
    for (var i = 0; i < events.length; i++) {
      var m = events[i].msg;
      if (this.messages.has(m.seq)) continue;
      this.list.insertBefore(this.renderMessage(m), first);
      if (this.oldest === null || m.seq < this.oldest) this.oldest = m.seq;
    }
    if (!page) this.list.parentNode.scrollTop = this.list.parentNode.scrollHeight;
  };

  ChatRoom.prototype.setMode = function (mode) {
    this.mode = mode;
    this.modeLabel.textContent = MODE_LABELS[mode] || mode;
    var select = this.root.querySelector("[data-chat-set-mode]");
    if (select) select.value = mode;
  };

  ChatRoom.prototype.renderMessage = function (m) {
    var self = this;
    var li = el("li", "chat-msg");
    li.dataset.seq = m.seq;
    var head = el("div", "chat-head");
    head.appendChild(el("span", "chat-sender", m.sender));
    head.appendChild(el("span", "chat-time muted", (m.at || "").slice(11, 16)));
    if (m.question) head.appendChild(el("span", "badge", "提问"));
    li.appendChild(head);
    li.appendChild(el("div", "chat-text", m.text));
    var tools = el("div", "chat-tools");
    if (!m.deleted && !m.question && (m.sender_id === this.me || this.role === "host")) {
      tools.appendChild(this.button("设为提问", function () {
        self.send({ type: "question", seq: m.seq });
      }));
    }
    if (this.role === "host" && !m.deleted) {
      tools.appendChild(this.button("删除", function () {
        if (window.confirm("删除这条消息？")) self.send({ type: "delete", seq: m.seq });
      }));
      if (m.sender_id !== this.me) {
        tools.appendChild(this.button("禁言", function () {
          var minutes = parseInt(window.prompt("禁言多少分钟？", "10"), 10);
          if (minutes > 0) self.send({ type: "mute", user_id: m.sender_id, minutes: minutes });
        }));
      }
    }
    li.appendChild(tools);
    if (m.deleted) this.markDeleted(li);
    this.messages.set(m.seq, li);
    return li;
  };

  ChatRoom.prototype.markDeleted = function (li) {
    li.classList.add("deleted");
    li.querySelector(".chat-text").textContent = "（该消息已被主持人删除）";
    li.querySelector(".chat-tools").replaceChildren();
  };

  ChatRoom.prototype.button = function (label, onClick) {
    var b = el("button", "link chat-action", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  };

  ChatRoom.prototype.applyQuestion = function (q) {
    if (q.deleted) this.questions.delete(q.seq);
    else this.questions.set(q.seq, q);
  };

  ChatRoom.prototype.renderQuestions = function () {
    var self = this;
    var items = Array.from(this.questions.values());
    items.sort(function (a, b) {
      return b.votes - a.votes || (a.at < b.at ? -1 : a.at > b.at ? 1 : a.seq - b.seq);
    });
    var nodes = items.map(function (q) {
      var li = el("li", "chat-q" + (q.answered ? " answered" : ""));
      var head = el("div", "chat-head");
      head.appendChild(el("span", "chat-sender", q.sender));
      head.appendChild(el("span", "badge", "赞 " + q.votes));
      if (q.answered) head.appendChild(el("span", "badge", "已答"));
      li.appendChild(head);
      li.appendChild(el("div", "chat-text", q.text));
      if (q.answer) li.appendChild(el("div", "chat-answer", "答：" + q.answer));
      var tools = el("div", "chat-tools");
      if (q.sender_id !== self.me && !self.voted.has(q.seq)) {
        tools.appendChild(self.button("赞同", function () {
          self.voted.add(q.seq);
          self.send({ type: "vote", seq: q.seq });
        }));
      }
      if (self.role === "host") {
        var input = el("input", "chat-answer-input");
        input.placeholder = "输入回答（可留空）";
        input.maxLength = 2000;
        tools.appendChild(input);
        tools.appendChild(self.button(q.answered ? "更新回答" : "回答/标为已答", function () {
          self.send({ type: "answer", seq: q.seq, text: input.value });
        }));
      }
      li.appendChild(tools);
      return li;
    });
    this.qlist.replaceChildren.apply(this.qlist, nodes);
  };

  // Starts every room component in `scope` once: at page load, and for a component that a host page
  // (the live page) inserts later, e.g. by an htmx swap.
  function start(scope) {
    var roots = scope.querySelectorAll ? scope.querySelectorAll("[data-chat-room]") : [];
    Array.prototype.forEach.call(roots, function (root) {
      if (!root.chat) root.chat = new ChatRoom(root);
    });
    if (scope.matches && scope.matches("[data-chat-room]") && !scope.chat) scope.chat = new ChatRoom(scope);
  }
  window.PeixunChat = { start: start };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      start(document);
    });
  } else {
    start(document);
  }
  document.addEventListener("htmx:load", function (e) {
    start(e.target);
  });
})();
