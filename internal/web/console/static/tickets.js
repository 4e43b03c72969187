// Switchboard console: live ticket pages. The list, the board and a
// ticket's page listen for ticket events on the API's stream (already
// filtered to what the viewer may see) and refresh their live region from
// the server, so filters, permissions and wording stay the server's.
(function () {
  "use strict";
  var S = {};
  var pending = null;

  function refresh() {
    pending = null;
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("ticket-live");
        var here = document.getElementById("ticket-live");
        if (!fresh || !here) { return; }
        var kept = {};
        here.querySelectorAll("[data-keep][id]").forEach(function (el) { kept[el.id] = el.value; });
        here.innerHTML = fresh.innerHTML;
        Object.keys(kept).forEach(function (id) {
          var el = document.getElementById(id);
          if (el) { el.value = kept[id]; }
        });
        here.querySelectorAll("time[datetime]").forEach(function (t) {
          var d = new Date(t.getAttribute("datetime"));
          if (!isNaN(d)) { t.title = d.toLocaleString(); }
        });
        document.dispatchEvent(new CustomEvent("sb:tickets-refreshed"));
      })
      .catch(function () {});
  }

  // Several events arrive together (a move publishes status and queue
  // changes): one refresh serves them all, and a busy desk refreshes a
  // page at most once a second.
  var last = 0;
  function soon() {
    if (pending !== null) { return; }
    var wait = Math.max(150, last + 1000 - Date.now());
    pending = setTimeout(function () { last = Date.now(); refresh(); }, wait);
  }

  function connect(wants) {
    if (!window.EventSource || !window.fetch || !window.DOMParser) { return; }
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
    ["ticket.created", "ticket.updated", "ticket.status_changed"].forEach(function (type) {
      es.addEventListener(type, function (ev) {
        var e;
        try { e = JSON.parse(ev.data); } catch (err) { return; }
        if (e.ticket && wants(e)) { soon(); }
      });
    });
  }

  function init() {
    var island = document.getElementById("sb-data");
    if (!island) { return; }
    var data = JSON.parse(island.textContent);
    S = data.strings || {};
    if (data.page === "tickets" || data.page === "ticket_board") {
      connect(function () { return true; });
    }
    if (data.page === "ticket") {
      connect(function (e) { return e.ticket.id === data.ticket_id; });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
