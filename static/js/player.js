/* The live and replay player (templates: live/player_box.html).
 *
 * Live: the page asks the app for the broadcast's state (waiting / live / interrupted / ended) and, while
 * live, for a signed playlist URL that expires after a few minutes. hls.js plays it; before the URL
 * expires the player fetches a fresh one and rewrites every later request to the new token path (the
 * token is a path prefix, /hls/<uid>/<expires>/<token>/, so segments inherit it). When the studio drops
 * (fatal network error, the playlist ends, or the picture stops), the player tears hls.js down, shows
 * "waiting for recovery" and polls the state until the studio is back, then starts afresh.
 *
 * Watch time: while the video is really playing the player POSTs a heartbeat every N seconds; the server
 * decides what counts (one count however many tabs). The attention prompt ("点击继续") is shown at the
 * time the server says; heartbeats after it are not credited until it is answered.
 *
 * Watermark: the viewer's name and employee number, moving over the picture. It is re-created when removed
 * or hidden (a MutationObserver and a 1 s check); nothing on the client can be made tamper-proof, this only
 * makes casual removal pointless, and the screenshot still names the viewer.
 */
(function () {
  "use strict";

  var TOKEN_PATH = /\/hls\/\d+\/\d+\/[A-Za-z0-9_-]{22}\//;
  var REFRESH_MARGIN = 45; // seconds before the signed URL expires
  var STALL_SECONDS = 12;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function postJSON(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, status: r.status, data: data }; },
        function () { return { ok: false, status: r.status, data: {} }; });
    });
  }

  // --- Watermark --------------------------------------------------------------------------------------

  function Watermark(container, text) {
    var el = null;
    var pos = { x: 6, y: 12 };
    var STYLE = {
      position: "absolute", "z-index": "5", display: "block", visibility: "visible", opacity: "1",
      transform: "none", color: "rgba(255,255,255,0.6)", "font-size": "18px", "font-weight": "600",
      "text-shadow": "0 0 3px rgba(0,0,0,0.9)", "white-space": "nowrap", "user-select": "none",
      "pointer-events": "auto", cursor: "default", "line-height": "1.2", margin: "0", padding: "0",
      background: "transparent", transition: "left 4s linear, top 4s linear", width: "auto", height: "auto",
      "clip-path": "none", filter: "none", "font-family": "sans-serif",
    };

    function apply() {
      for (var k in STYLE) el.style.setProperty(k, STYLE[k], "important");
      el.style.setProperty("left", pos.x + "%", "important");
      el.style.setProperty("top", pos.y + "%", "important");
    }

    function build() {
      if (el && el.parentNode) el.parentNode.removeChild(el);
      el = document.createElement("div");
      el.id = "live-watermark";
      el.className = "live-watermark";
      el.setAttribute("aria-hidden", "true");
      el.textContent = text;
      apply();
      container.appendChild(el);
    }

    function intact() {
      if (!el || el.parentNode !== container || el.textContent !== text) return false;
      var cs = window.getComputedStyle(el);
      return cs.display !== "none" && cs.visibility === "visible" && parseFloat(cs.opacity) >= 0.5 &&
        el.offsetWidth > 0 && el.offsetHeight > 0;
    }

    function check() { if (!intact()) build(); else apply(); }

    function move() {
      var maxX = Math.max(2, 100 - (el ? (el.offsetWidth / Math.max(1, container.clientWidth)) * 100 : 30) - 2);
      pos = { x: 2 + Math.random() * (maxX - 2), y: 8 + Math.random() * 78 };
      check();
    }

    build();
    new MutationObserver(function () { if (!intact()) build(); })
      .observe(container, { childList: true, subtree: true, attributes: true, characterData: true });
    setInterval(check, 1000);
    setInterval(move, 5000);
    setTimeout(move, 500);
    return { element: function () { return el; } };
  }

  // --- Player ---------------------------------------------------------------------------------------------

  function Player(root) {
    var video = root.querySelector("video");
    var badge = root.querySelector("#live-badge");
    var latencyEl = root.querySelector("#live-latency");
    var message = root.querySelector("#live-message");
    var attention = root.querySelector("#live-attention");
    var watched = document.getElementById("live-watched");
    var mode = root.dataset.mode;
    var isReplay = mode === "replay";
    var heartbeatSeconds = parseInt(root.dataset.heartbeatSeconds, 10) || 20;
    var venue = root.dataset.venue ? parseInt(root.dataset.venue, 10) : null;
    var hls = null;
    var prefix = null;
    var statusTimer = null;
    var refreshTimer = null;
    var attentionTimer = null;
    var mediaRecoveries = 0;
    var lastBeatPos = -1;
    var lastTime = 0;
    var lastAdvance = Date.now();
    var replayParts = [];
    var replayIndex = 0;

    function say(text) {
      if (text) { message.textContent = text; message.hidden = false; } else { message.hidden = true; }
    }

    // --- hls.js life cycle ---
    function rewrite(url) {
      return prefix ? url.replace(TOKEN_PATH, prefix) : url;
    }

    function setUrl(url) {
      var m = url.match(TOKEN_PATH);
      prefix = m ? m[0] : null;
    }

    function teardown() {
      if (hls) { hls.destroy(); hls = null; }
      badge.hidden = true;
      latencyEl.hidden = true;
    }

    function start(url) {
      teardown();
      setUrl(url);
      mediaRecoveries = 0;
      lastAdvance = Date.now();
      if (window.Hls && window.Hls.isSupported()) {
        hls = new window.Hls({
          liveSyncDurationCount: 3,
          liveMaxLatencyDurationCount: 10,
          maxLiveSyncPlaybackRate: 1.2,
          backBufferLength: 30,
          manifestLoadingMaxRetry: 2,
          levelLoadingMaxRetry: 4,
          fragLoadingMaxRetry: 4,
          xhrSetup: function (xhr, u) { xhr.open("GET", rewrite(u), true); },
        });
        hls.on(window.Hls.Events.ERROR, onError);
        hls.on(window.Hls.Events.MANIFEST_PARSED, function () { play(); });
        hls.loadSource(url);
        hls.attachMedia(video);
      } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
        video.src = url;
        play();
      } else {
        say("当前浏览器不支持直播播放，请使用新版浏览器");
      }
    }

    function play() {
      var p = video.play();
      if (p && p.catch) p.catch(function () { /* autoplay refused: the user presses play */ });
    }

    function onError(event, data) {
      if (data.response && data.response.code === 403) {
        // The signed URL ran out or was refused: ask for a fresh one at once.
        pollStatus(0);
      }
      if (!data.fatal) return;
      if (data.type === window.Hls.ErrorTypes.MEDIA_ERROR && mediaRecoveries < 3) {
        mediaRecoveries += 1;
        hls.recoverMediaError();
        return;
      }
      interrupted();
    }

    function interrupted() {
      teardown();
      say("直播信号中断，正在等待恢复…");
      pollStatus(3000);
    }

    // --- the app's state and fresh URLs ---
    function pollStatus(delay) {
      clearTimeout(statusTimer);
      statusTimer = setTimeout(fetchStatus, delay);
    }

    function scheduleRefresh(expiresIn) {
      clearTimeout(refreshTimer);
      if (!expiresIn) return;
      refreshTimer = setTimeout(function () {
        fetch(root.dataset.statusUrl, { credentials: "same-origin" })
          .then(function (r) { return r.json(); })
          .then(function (s) {
            if (s.playback_url) { setUrl(s.playback_url); scheduleRefresh(s.expires_in); }
          })
          .catch(function () { scheduleRefresh(REFRESH_MARGIN + 10); });
      }, Math.max(5, expiresIn - REFRESH_MARGIN) * 1000);
    }

    function fetchStatus() {
      fetch(root.dataset.statusUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(onStatus)
        .catch(function () { pollStatus(5000); });
    }

    function onStatus(s) {
      root.dataset.state = s.state;
      if (s.error) { say(s.error.message); return; }
      if (s.state === "live" && s.playback_url) {
        scheduleRefresh(s.expires_in);
        if (!hls) { say("正在连接直播…"); start(s.playback_url); } else { setUrl(s.playback_url); }
        return;
      }
      if (s.state === "ended") {
        teardown();
        say(s.replay ? "直播已结束，可观看回放" : "直播已结束");
        if (s.replay && !document.getElementById("replay-link")) {
          var a = document.createElement("a");
          a.href = s.replay; a.id = "replay-link"; a.textContent = "观看回放";
          message.appendChild(document.createElement("br"));
          message.appendChild(a);
        }
        return;
      }
      if (hls) teardown();
      say(s.message);
      pollStatus(s.state === "waiting" && s.starts_in > 120 ? 15000 : 4000);
    }

    // --- the picture: live badge, delay, stalls ---
    function tick() {
      var t = video.currentTime;
      if (t !== lastTime) { lastTime = t; lastAdvance = Date.now(); }
      if (hls && !isReplay) {
        var playing = !video.paused && video.readyState >= 2 && Date.now() - lastAdvance < 3000;
        var latency = hls.latency;
        if (playing) {
          message.hidden = true;
          badge.hidden = false;
          if (latency > 0) {
            latencyEl.hidden = false;
            latencyEl.textContent = "延迟 " + latency.toFixed(1) + " 秒";
            root.dataset.latency = latency.toFixed(2);
          }
        } else {
          badge.hidden = true;
        }
        if (!video.paused && Date.now() - lastAdvance > STALL_SECONDS * 1000) {
          lastAdvance = Date.now();
          interrupted();
        }
      }
    }

    // --- heartbeats and the attention check ---
    function reallyPlaying() {
      return !video.paused && !video.ended && video.readyState >= 2 && video.currentTime !== lastBeatPos;
    }

    function position() {
      var offset = replayParts[replayIndex] ? replayParts[replayIndex].offset : 0;
      return offset + video.currentTime;
    }

    function beat() {
      if (!reallyPlaying()) return;
      lastBeatPos = video.currentTime;
      var body = { is_replay: isReplay, venue: venue };
      if (isReplay) body.position = Math.round(position() * 10) / 10;
      postJSON(root.dataset.heartbeatUrl, body).then(function (res) {
        if (!res.ok) {
          if (watched && res.data.error) watched.textContent = res.data.error.message;
          return;
        }
        var d = res.data;
        if (watched) watched.textContent = "已计观看时长 " + Math.floor(d.watched_seconds / 60) + " 分钟";
        root.dataset.watchedSeconds = d.watched_seconds;
        if (d.attention_required) showAttention();
        else if (d.attention_due_in !== null && d.attention_due_in !== undefined) scheduleAttention(d.attention_due_in);
      }).catch(function () { /* the next beat tries again */ });
    }

    function scheduleAttention(seconds) {
      clearTimeout(attentionTimer);
      attentionTimer = setTimeout(showAttention, seconds * 1000);
    }

    function showAttention() {
      attention.hidden = false;
    }

    attention.querySelector("button").addEventListener("click", function () {
      postJSON(root.dataset.attentionUrl, { is_replay: isReplay }).then(function (res) {
        if (res.ok) {
          attention.hidden = true;
          scheduleAttention(res.data.attention_due_in);
          lastBeatPos = -1;
          beat();
        }
      });
    });

    // --- replay ---
    function startReplay() {
      var node = document.getElementById("live-replay-parts");
      replayParts = node ? JSON.parse(node.textContent) : [];
      if (!replayParts.length) return;
      video.src = replayParts[0].url;
      video.addEventListener("ended", function () {
        if (replayIndex + 1 < replayParts.length) {
          replayIndex += 1;
          video.src = replayParts[replayIndex].url;
          play();
        }
      });
      video.addEventListener("playing", function () { say(""); });
      video.addEventListener("error", function () { say("回放加载失败，请刷新页面重试"); });
    }

    // --- controls ---
    root.querySelector("#live-unmute").addEventListener("click", function (e) {
      video.muted = !video.muted;
      e.target.textContent = video.muted ? "开启声音" : "静音";
      play();
    });
    root.querySelector("#live-fullscreen").addEventListener("click", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (root.requestFullscreen) root.requestFullscreen();
    });
    // The picture must stay under the watermark: no native full screen of the bare video element.
    video.addEventListener("dblclick", function (e) { e.preventDefault(); });
    if (!isReplay) video.addEventListener("ended", interrupted);
    video.addEventListener("playing", function () { setTimeout(beat, 3000); }, { once: true });

    var mark = document.getElementById("live-watermark-text");
    Watermark(root, mark ? JSON.parse(mark.textContent) : "");
    setInterval(tick, 1000);
    setInterval(beat, heartbeatSeconds * 1000);
    if (isReplay) startReplay(); else fetchStatus();

    return {
      get hls() { return hls; },
      video: video,
      beat: beat,
    };
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("live-player");
    if (root) window.peixunPlayer = Player(root);
  });
})();
