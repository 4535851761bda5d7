// Metadata tab: the selection behind the lazily loaded tree (tri-state checkboxes, select
// all/none, future tables, count) and Save and Process. The tree's rows come from the server
// through htmx; this file only keeps the selection and paints the checkboxes from it.
(function () {
  "use strict";
  var tree = document.getElementById("meta-tree");
  if (!tree) return;
  var api = "/api/v1/connections/" + tree.dataset.conn;
  var saveButton = document.getElementById("meta-save");
  var message = document.getElementById("meta-message");
  var confirmBox = document.getElementById("meta-confirm");

  // One entry per schema that has anything selected. A whole schema may list tables it leaves
  // out (except); otherwise tables lists the selected ones.
  var schemas = new Map();
  // Databases ticked as a whole: their schemas are ticked as they load.
  var wholeDBs = new Set();

  function entry(db, schema, create) {
    var k = db + "\u0000" + schema;
    var e = schemas.get(k);
    if (!e && create) {
      e = { db: db, schema: schema, whole: false, future: false, tables: new Set(), except: new Set() };
      schemas.set(k, e);
    }
    return e;
  }
  function tableOn(e, t) { return !!e && (e.whole ? !e.except.has(t) : e.tables.has(t)); }
  function setSchema(db, schema, on) {
    var e = entry(db, schema, true);
    e.whole = on; e.future = false; e.tables.clear(); e.except.clear();
  }
  function setTable(db, schema, t, on) {
    var e = entry(db, schema, true);
    if (e.whole) { if (on) e.except.delete(t); else e.except.add(t); }
    else if (on) e.tables.add(t); else e.tables.delete(t);
  }
  function setDatabase(node, on) {
    var db = node.dataset.db;
    if (on) wholeDBs.add(db); else wholeDBs.delete(db);
    if (!on) schemas.forEach(function (e) { if (e.db === db) setSchema(db, e.schema, false); });
    childNodes(node).forEach(function (s) { setSchema(db, s.dataset.schema, on); });
    var twisty = node.querySelector(":scope > .twisty");
    if (on && twisty && !node.querySelector(":scope > .meta-children > .meta-level")) twisty.click();
  }

  // childNodes returns the loaded rows one level below node.
  function childNodes(node) {
    var level = node.querySelector(":scope > .meta-children > .meta-level");
    return level ? rowsOf(level) : [];
  }
  function rowsOf(level) { return Array.from(level.querySelectorAll(":scope > ul > .meta-node")); }
  function box(node) { return node.querySelector(":scope > label > .meta-pick"); }
  // complete: every row of the level is loaded and shown (no "more", no filter).
  function complete(node) {
    var level = node.querySelector(":scope > .meta-children > .meta-level");
    return !!level && !level.querySelector(":scope > ul > .meta-more") && !level.querySelector(":scope .meta-filter").value;
  }
  // stateOf reads "all", "some" or "none" from the painted children, or from the model.
  function fromChildren(node, fallback) {
    var kids = childNodes(node);
    if (!complete(node) || kids.length === 0) return fallback;
    var on = kids.filter(function (k) { return box(k).checked; }).length;
    var partly = kids.some(function (k) { return box(k).indeterminate; });
    if (on === kids.length) return "all";
    return on || partly ? "some" : "none";
  }
  function schemaState(node) {
    var e = entry(node.dataset.db, node.dataset.schema, false);
    var model = "none";
    if (e && e.whole) model = e.except.size ? "some" : "all";
    else if (e && e.tables.size) model = "some";
    return model === "all" ? "all" : fromChildren(node, model);
  }
  function dbState(node) {
    var db = node.dataset.db, model = "none";
    schemas.forEach(function (e) { if (e.db === db && (e.whole || e.tables.size)) model = "some"; });
    if (wholeDBs.has(db)) model = "all";
    return fromChildren(node, model);
  }
  function show(node, state) {
    var b = box(node);
    b.checked = state === "all";
    b.indeterminate = state === "some";
  }

  function paint() {
    tree.querySelectorAll('.meta-node[data-level="tables"]').forEach(function (n) {
      box(n).checked = tableOn(entry(n.dataset.db, n.dataset.schema, false), n.dataset.table);
    });
    tree.querySelectorAll('.meta-node[data-level="schemas"]').forEach(function (n) {
      var e = entry(n.dataset.db, n.dataset.schema, false);
      show(n, schemaState(n));
      var future = n.querySelector(":scope > .meta-future");
      future.hidden = !(e && e.whole && e.except.size === 0);
      future.querySelector("input").checked = !!(e && e.future);
      var count = "";
      if (e && e.whole) count = e.except.size ? "all but " + e.except.size + " tables" : "all tables";
      else if (e && e.tables.size) count = e.tables.size + " selected";
      n.querySelector(":scope > .meta-count").textContent = count;
    });
    tree.querySelectorAll('.meta-node[data-level="databases"]').forEach(function (n) { show(n, dbState(n)); });
    var tables = 0, whole = 0;
    schemas.forEach(function (e) { if (e.whole) whole++; else tables += e.tables.size; });
    document.getElementById("meta-count").textContent = tables + " tables" +
      (whole ? " and " + whole + " whole schema" + (whole > 1 ? "s" : "") : "") + " selected";
  }

  function pick(node, on) {
    var d = node.dataset;
    if (d.level === "tables") setTable(d.db, d.schema, d.table, on);
    else if (d.level === "schemas") setSchema(d.db, d.schema, on);
    else setDatabase(node, on);
  }

  tree.addEventListener("change", function (ev) {
    var node = ev.target.closest(".meta-node");
    if (!node) return;
    if (ev.target.classList.contains("meta-pick")) pick(node, ev.target.checked);
    if (ev.target.classList.contains("meta-future-pick")) entry(node.dataset.db, node.dataset.schema, true).future = ev.target.checked;
    paint();
  });
  tree.addEventListener("click", function (ev) {
    var t = ev.target;
    if (t.classList.contains("twisty")) {
      var open = t.getAttribute("aria-expanded") !== "true";
      t.setAttribute("aria-expanded", String(open));
      t.textContent = open ? "▾" : "▸";
      t.parentElement.classList.toggle("closed", !open);
      return;
    }
    var which = t.dataset.select;
    if (!which) return;
    var level = t.closest(".meta-level");
    if (level.dataset.level === "tables") setSchema(level.dataset.db, level.dataset.schema, which === "all");
    else rowsOf(level).forEach(function (n) { pick(n, which === "all"); });
    paint();
  });
  // Newly loaded schemas of a database ticked as a whole are ticked too.
  document.body.addEventListener("htmx:afterSettle", function () {
    tree.querySelectorAll('.meta-node[data-level="schemas"]').forEach(function (n) {
      if (wholeDBs.has(n.dataset.db) && !entry(n.dataset.db, n.dataset.schema, false)) setSchema(n.dataset.db, n.dataset.schema, true);
    });
    paint();
  });
  window.LoreMetadata = { api: api, schemas: schemas, wholeDBs: wholeDBs, paint: paint, saveButton: saveButton, message: message, confirmBox: confirmBox };
})();
