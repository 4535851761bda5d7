// Metadata tab: loads the stored selection into the tree's model and runs Save and Process
// (PUT the selection, confirm removals, POST process, then wake the processing panel).
(function () {
  "use strict";
  var m = window.LoreMetadata;
  if (!m) return;

  function say(text, isError) {
    m.message.hidden = false;
    m.message.className = "flash " + (isError ? "flash-error" : "flash-success");
    m.message.textContent = text;
  }

  function load() {
    return fetch(m.api + "/selection", { credentials: "same-origin" }).then(function (res) {
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.error ? body.error.message : "Could not read the selection.");
        m.schemas.clear();
        m.wholeDBs.clear();
        (body.include || []).forEach(function (it) {
          var k = it.database + "\u0000" + it.schema;
          var e = m.schemas.get(k);
          if (!e) {
            e = { db: it.database, schema: it.schema, whole: false, future: false, tables: new Set(), except: new Set() };
            m.schemas.set(k, e);
          }
          if (it.table) e.tables.add(it.table);
          else { e.whole = true; e.future = !!it.future_tables; }
        });
        m.paint();
        m.saveButton.disabled = false;
      });
    }).catch(function (err) { say(err.message + " Reload the page to try again.", true); });
  }

  function payload() {
    var include = [], exclude = [];
    m.schemas.forEach(function (e) {
      if (e.whole) {
        include.push({ database: e.db, schema: e.schema, future_tables: e.future && e.except.size === 0 });
        e.except.forEach(function (t) { exclude.push({ database: e.db, schema: e.schema, table: t }); });
      } else {
        e.tables.forEach(function (t) { include.push({ database: e.db, schema: e.schema, table: t }); });
      }
    });
    return { include: include, exclude: exclude };
  }

  function send(method, url, body) {
    var opts = { method: method, credentials: "same-origin", headers: {} };
    if (body) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
    return fetch(url, opts).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (b) { return { status: res.status, ok: res.ok, body: b }; });
    });
  }

  function askConfirm(tables) {
    var list = document.getElementById("meta-confirm-list");
    list.textContent = "";
    tables.forEach(function (t) {
      var li = document.createElement("li");
      li.textContent = t;
      list.appendChild(li);
    });
    m.confirmBox.hidden = false;
    m.confirmBox.scrollIntoView({ block: "nearest" });
  }

  function save(confirmed) {
    m.confirmBox.hidden = true;
    m.saveButton.disabled = true;
    say("Saving the selection…", false);
    send("PUT", m.api + "/selection" + (confirmed ? "?confirm=true" : ""), payload()).then(function (r) {
      if (r.status === 409 && r.body.would_remove) {
        say("Confirm below: some processed tables are no longer selected.", true);
        askConfirm(r.body.would_remove);
        return null;
      }
      if (!r.ok) throw new Error(r.body.error ? r.body.error.message : "Saving failed (HTTP " + r.status + ").");
      // tables_selected counts named tables; whole schemas following future tables stay whole.
      var whole = ((r.body.selection || {}).include || []).filter(function (it) { return !it.table; }).length;
      var saved = r.body.tables_selected + " tables" + (whole ? " and " + whole + " whole schema" + (whole > 1 ? "s" : "") : "");
      return send("POST", m.api + "/process").then(function (p) {
        if (!p.ok) throw new Error(p.body.error ? p.body.error.message : "Processing could not start (HTTP " + p.status + ").");
        say("Saved: " + saved + " selected. Run " + p.body.run_id + " is processing them; follow it on the right.", false);
        window.htmx.trigger(document.body, "lore-run");
        return load();
      });
    }).catch(function (err) {
      say(err.message, true);
    }).finally(function () {
      m.saveButton.disabled = false;
    });
  }

  m.saveButton.addEventListener("click", function () { save(false); });
  document.getElementById("meta-confirm-yes").addEventListener("click", function () { save(true); });
  document.getElementById("meta-confirm-no").addEventListener("click", function () {
    m.confirmBox.hidden = true;
    say("Nothing saved. Tick the tables again to keep them, then save.", false);
  });
  load();
})();
