// Switchboard console: live updates over the API's Server-Sent Events stream,
// star toggles, "load more" without losing the live list, and local times.
// Pages work without this script; it only adds what HTML cannot do alone.
(function () {
  "use strict";

  var data = {};
  var S = {};
  var pendingConvs = {};
  var marks = []; // the reader's highlight keywords, folded, longest first

  function pad(n) { return n < 10 ? "0" + n : "" + n; }

  // fmtTime shows times in the reader's own time zone, like the server's format.
  function fmtTime(d) {
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) +
      " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function localiseTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d.getTime())) { t.textContent = fmtTime(d); }
    });
  }

  function setText(root, sel, text) {
    var el = root.querySelector(sel);
    if (el) { el.textContent = text == null ? "" : text; }
  }

  function setTime(root, m) {
    var t = root.querySelector("time");
    var d = new Date(m.sent_at && m.sent_at.indexOf("0001-") !== 0 ? m.sent_at : m.received_at);
    t.setAttribute("datetime", d.toISOString());
    t.textContent = fmtTime(d);
  }

  function fillTags(root, tags) {
    var box = root.querySelector(".tags");
    box.textContent = "";
    (tags || []).forEach(function (tag) {
      var s = document.createElement("span");
      s.className = "tag";
      s.textContent = tag;
      box.appendChild(s);
    });
  }

  // fillClass shows what the rules decided: priority, category, confidential.
  function fillClass(root, m) {
    var box = root.querySelector(".class");
    box.textContent = "";
    [[m.priority, "badge prio prio-" + m.priority, m.priority, S["msg.priority"]],
     [m.category, "badge cat", m.category, S["msg.category"]],
     [m.confidential, "badge secret", S["msg.confidential"], ""]].forEach(function (b) {
      if (!b[0]) { return; }
      var s = document.createElement("span");
      s.className = b[1];
      s.textContent = b[2];
      if (b[3]) { s.title = b[3]; }
      box.appendChild(s);
    });
  }

  function fillKind(root, kind) {
    var k = root.querySelector(".kind");
    k.className = "kind kind-" + kind;
    k.textContent = S["kind." + kind] || kind;
  }

  function snippet(m) {
    var s = (m.text || "").replace(/\s+/g, " ").trim();
    if (!s) { s = (m.attachments || []).map(function (a) { return a.name; }).join(", "); }
    var chars = Array.from(s);
    return chars.length > 160 ? chars.slice(0, 160).join("") + "…" : s;
  }

  // fold lowers one character at a time, like the server, so positions in
  // the folded text are positions in the original.
  function fold(s) { return Array.from(s).map(function (c) { return c.toLowerCase(); }); }

  function markAt(folded, i) {
    for (var k = 0; k < marks.length; k++) {
      var kw = marks[k], j = 0;
      while (j < kw.length && folded[i + j] === kw[j]) { j++; }
      if (j === kw.length) { return j; }
    }
    return 0;
  }

  // fillMarked writes s into el as text, wrapping the reader's keywords in
  // <mark>; message text only ever becomes text nodes, never HTML.
  function fillMarked(el, s) {
    el.textContent = "";
    var chars = Array.from(s), folded = fold(s), start = 0, i = 0;
    function add(text, mark) { // joins neighbours of the same kind, like the server
      if (!text) { return; }
      var last = el.lastChild;
      if (last && (last.nodeName === "MARK") === mark) { last.textContent += text; return; }
      var node = mark ? document.createElement("mark") : document.createTextNode("");
      node.textContent = text;
      el.appendChild(node);
    }
    while (i < chars.length) {
      var n = marks.length ? markAt(folded, i) : 0;
      if (!n) { i++; continue; }
      add(chars.slice(start, i).join(""), false);
      add(chars.slice(i, i + n).join(""), true);
      i += n;
      start = i;
    }
    add(chars.slice(start).join(""), false);
  }

  function fromTemplate(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  function known(list, id) { return list.querySelector('[data-id="' + id + '"]') !== null; }

  // convTitle fills a row's conversation title, asking the API once per
  // conversation the page has not seen yet.
  function convTitle(el, convID) {
    el.setAttribute("data-conv", convID);
    if (Object.prototype.hasOwnProperty.call(data.convs, convID)) {
      el.textContent = data.convs[convID] || S["msg.untitled"];
      return;
    }
    el.textContent = S["msg.untitled"];
    if (pendingConvs[convID]) { return; }
    pendingConvs[convID] = true;
    fetch("/api/v1/conversations/" + convID, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (c) {
        data.convs[convID] = c ? c.title : "";
        document.querySelectorAll('.conv[data-conv="' + convID + '"]').forEach(function (e) {
          e.textContent = data.convs[convID] || S["msg.untitled"];
        });
      })
      .catch(function () { delete pendingConvs[convID]; });
  }

  function buildRow(m) {
    var li = fromTemplate("row-tpl");
    li.setAttribute("data-id", m.id);
    li.classList.toggle("out", m.direction === "out");
    li.classList.add("fresh");
    li.querySelector(".msg-link").setAttribute("href", "/conversations/" + m.conversation_id);
    setText(li, ".sender", m.sender_name);
    var who = li.querySelector(".person-link");
    if (who && m.sender_id) {
      who.setAttribute("href", "/people/" + m.sender_id);
      who.hidden = false;
    }
    setText(li, ".chan", data.channels[m.channel_id] || "#" + m.channel_id);
    convTitle(li.querySelector(".conv"), m.conversation_id);
    fillKind(li, m.kind);
    setTime(li, m);
    fillMarked(li.querySelector(".text"), snippet(m));
    fillTags(li, m.tags);
    fillClass(li, m);
    var star = li.querySelector(".star");
    star.setAttribute("data-id", m.id);
    star.setAttribute("aria-pressed", m.starred ? "true" : "false");
    star.title = m.starred ? S["msg.unstar"] : S["msg.star"];
    return li;
  }

  function buildBubble(m) {
    var li = fromTemplate("bubble-tpl");
    var out = m.direction === "out";
    li.setAttribute("data-id", m.id);
    var pick = li.querySelector(".pick");
    if (pick) pick.value = m.id; // the create-ticket form takes live messages too
    li.className = "bubble fresh " + (out ? "out" : "in");
    setText(li, ".sender", m.sender_name);
    if (m.sender_id) li.querySelector(".sender").setAttribute("href", "/people/" + m.sender_id);
    setText(li, ".dir", out ? S["msg.out"] : S["msg.in"]);
    fillKind(li, m.kind);
    setTime(li, m);
    setText(li, ".text", m.text);
    var atts = li.querySelector(".atts");
    (m.attachments || []).forEach(function (a, i) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "/api/v1/messages/" + m.id + "/attachments/" + i;
      link.textContent = a.name;
      item.appendChild(link);
      atts.appendChild(item);
    });
    atts.hidden = !(m.attachments && m.attachments.length);
    fillTags(li, m.tags);
    fillClass(li, m);
    return li;
  }

  // matches mirrors the server's filters for one live message; the stream is
  // already limited to the reader's departments.
  function matches(f, m) {
    if (f.channel_id && m.channel_id !== f.channel_id) { return false; }
    if (f.kind && m.kind !== f.kind) { return false; }
    if (f.org_unit_id && (data.units || []).indexOf(m.org_unit_id) < 0) { return false; }
    if (f.tag && (m.tags || []).indexOf(f.tag) < 0) { return false; }
    if (f.priority && m.priority !== f.priority) { return false; }
    if (f.category && m.category !== f.category) { return false; }
    return true;
  }

  function onInboxMessage(m) {
    var f = data.filter || {};
    if (f.cursor || !matches(f, m)) { return; }
    if (f.q) {
      // Full-text matching lives in the server; ask for a refresh instead of guessing.
      document.getElementById("new-notice").hidden = false;
      return;
    }
    var list = document.getElementById("messages");
    if (known(list, m.id)) { return; }
    list.insertBefore(buildRow(m), list.firstChild);
    document.getElementById("empty").hidden = true;
  }

  function onConversationMessage(m) {
    if (m.conversation_id !== data.conversation_id) { return; }
    var list = document.getElementById("thread");
    if (known(list, m.id)) { return; }
    var nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
    var li = buildBubble(m);
    list.appendChild(li);
    document.getElementById("empty").hidden = true;
    if (nearBottom) { li.scrollIntoView({ block: "nearest" }); }
  }

  function connect(onMessage) {
    if (!window.EventSource) { return; }
    var live = document.getElementById("live");
    var es = new EventSource("/api/v1/events");
    es.onopen = function () {
      if (!live) { return; }
      live.hidden = false;
      live.textContent = S["inbox.live"];
      live.classList.remove("off");
    };
    es.onerror = function () {
      if (!live) { return; }
      live.hidden = false;
      live.textContent = S["inbox.offline"];
      live.classList.add("off");
    };
    es.addEventListener("message", function (ev) {
      var m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      onMessage(m);
    });
  }

  function toggleStar(btn) {
    var on = btn.getAttribute("aria-pressed") !== "true";
    fetch("/api/v1/messages/" + btn.getAttribute("data-id") + "/star",
      { method: on ? "PUT" : "DELETE", credentials: "same-origin" })
      .then(function (r) {
        if (!r.ok) { return; }
        btn.setAttribute("aria-pressed", on ? "true" : "false");
        btn.title = on ? S["msg.unstar"] : S["msg.star"];
      });
  }

  // loadMore appends the next page's rows in place, so live rows stay put.
  function loadMore(a) {
    a.textContent = S["inbox.loading"];
    fetch(a.getAttribute("href"), { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var list = document.getElementById("messages");
        var island = doc.getElementById("sb-data");
        if (island) { Object.assign(data.convs, JSON.parse(island.textContent).convs || {}); }
        doc.querySelectorAll("#messages > li").forEach(function (li) {
          if (!known(list, li.getAttribute("data-id"))) { list.appendChild(document.adoptNode(li)); }
        });
        localiseTimes(list);
        var next = doc.getElementById("more");
        if (next) {
          a.setAttribute("href", next.getAttribute("href"));
          a.textContent = S["inbox.more"];
        } else {
          a.parentNode.remove();
        }
      })
      .catch(function () { a.textContent = S["inbox.more"]; });
  }

  document.addEventListener("click", function (e) {
    var star = e.target.closest("button.star");
    if (star) { toggleStar(star); return; }
    var more = e.target.closest("a#more");
    if (more && window.fetch && window.DOMParser) {
      e.preventDefault();
      loadMore(more);
    }
  });

  // testConnection runs a channel's "test connection" and shows the answer
  // beside the button and in the channel's health, without leaving the page.
  function testConnection(form) {
    var btn = form.querySelector("button"), out = form.querySelector(".test-result");
    var label = btn.textContent;
    btn.disabled = true;
    btn.textContent = btn.getAttribute("data-running");
    out.className = "test-result";
    out.textContent = "";
    fetch(form.getAttribute("action"), {
      method: "POST", credentials: "same-origin", headers: { "Accept": "application/json" },
      body: new URLSearchParams(new FormData(form))
    })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (res) {
        out.className = "test-result " + (res.ok ? "ok" : "bad");
        out.textContent = res.message;
        var scope = form.closest("[data-channel]") || document;
        var st = scope.querySelector(".hstate");
        if (st) { st.className = "hstate h-" + res.state; st.textContent = res.state_label; }
        setText(scope, ".herrors b", res.error_count);
        setText(scope, ".herr", res.last_error);
      })
      .catch(function () { form.submit(); }) // let the page show what went wrong
      .then(function () { btn.disabled = false; btn.textContent = label; });
  }

  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form.test-conn");
    if (form && window.fetch && window.URLSearchParams) {
      e.preventDefault();
      testConnection(form);
    }
  });

  function init() {
    localiseTimes(document);
    var island = document.getElementById("sb-data");
    if (!island) { return; }
    data = JSON.parse(island.textContent);
    data.convs = data.convs || {};
    data.channels = data.channels || {};
    S = data.strings || {};
    marks = (data.highlights || []).map(function (k) { return fold(k.trim()); })
      .filter(function (k) { return k.length > 0; })
      .sort(function (a, b) { return b.length - a.length; });
    if (data.page === "inbox") { connect(onInboxMessage); }
    if (data.page === "conversation") { connect(onConversationMessage); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
