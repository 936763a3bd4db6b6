/// The page served at `GET /docs`: evserve's own API browser, embedded in the binary.
///
/// FastAPI's /docs loads Swagger UI's script and styles from a CDN, so it is blank on a machine
/// without internet access. This page has no external URL at all: its style and script are
/// inline, it uses system fonts, and it talks only to its own server (`openapi.json` for the
/// description, the routes themselves for "Try it"). Its Content-Security-Policy makes the
/// browser refuse anything else, and tests/test_docs_browser.py checks in headless Chromium that
/// nothing else is requested.
///
/// Elements the browser test relies on: `html[data-state]` becomes `ready` (or `error`) once the
/// document is rendered; each operation has a form `#try-<operationId>`, a body textarea
/// `#body-<operationId>`, and shows the answer in `#status-<operationId>` and
/// `#response-<operationId>` (the raw response body), with `data-status` set on the latter.
enum DocsPage {
    static let html: [UInt8] = Array(source.utf8)
    static let contentType = "text/html; charset=utf-8"

    private static let source = #"""
<!doctype html>
<html lang="en" data-state="loading">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; form-action 'none'; base-uri 'none'">
<title>evserve API</title>
<style>
  :root { --fg: #1d2430; --muted: #5b6573; --line: #d9dee5; --bg: #f6f8fa; --get: #1f6feb; --post: #1a7f37; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: #fff; }
  header, main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.25rem; }
  header { border-bottom: 1px solid var(--line); }
  h1 { margin: .25rem 0; font-size: 1.6rem; }
  h2 { margin: 1.5rem 0 .5rem; font-size: 1.25rem; }
  h3 { margin: 0; font-size: 1rem; display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap; }
  code, pre, textarea { font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
  .muted { color: var(--muted); }
  nav ul { margin: .25rem 0; padding-left: 1.2rem; columns: 2; }
  .op { border: 1px solid var(--line); border-radius: 6px; margin: .75rem 0; padding: .75rem 1rem; }
  .method { display: inline-block; min-width: 4.2rem; text-align: center; padding: .05rem .4rem; border-radius: 4px;
            color: #fff; font-weight: 600; font-size: .8rem; text-transform: uppercase; background: var(--muted); }
  .method.get { background: var(--get); } .method.post { background: var(--post); }
  table { border-collapse: collapse; width: 100%; margin: .4rem 0; }
  th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-top: 1px solid var(--line); }
  th { font-weight: 600; color: var(--muted); font-size: .85rem; }
  textarea { width: 100%; min-height: 7rem; padding: .5rem; border: 1px solid var(--line); border-radius: 4px; }
  button { font: inherit; padding: .3rem 1rem; border: 1px solid var(--post); border-radius: 4px; background: var(--post); color: #fff; cursor: pointer; }
  pre { background: var(--bg); border: 1px solid var(--line); border-radius: 4px; padding: .5rem; white-space: pre-wrap; word-break: break-word; margin: .4rem 0; }
  .answer:empty, .status:empty { display: none; }
  .status { font-weight: 600; }
  details > summary { cursor: pointer; color: var(--muted); }
  .error { color: #b42318; }
</style>
</head>
<body>
<header>
  <h1 id="title">evserve</h1>
  <p id="summary" class="muted"></p>
  <p id="description"></p>
  <p class="muted">OpenAPI <span id="openapi-version">?</span> &middot; version <span id="api-version">?</span> &middot;
     <a href="openapi.json">openapi.json</a> &middot; this page loads nothing from other hosts</p>
</header>
<main>
  <nav><h2>Routes</h2><ul id="toc"></ul></nav>
  <section><div id="operations"><p class="muted">Loading openapi.json&hellip;</p></div></section>
  <section><h2>Schemas</h2><div id="schemas"></div></section>
</main>
<script>
"use strict";

// Builds an element; strings become text nodes, so nothing from the document is parsed as HTML.
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function refName(ref) { return ref.split("/").pop(); }

// A one-line type, e.g. "array[1..] of array[13] of number".
function describe(schema) {
  if (!schema) return "any";
  if (schema.$ref) return refName(schema.$ref);
  if (schema.anyOf) return "(" + schema.anyOf.map(describe).join(" | ") + ")";
  if (schema.type === "array") {
    const min = schema.minItems, max = schema.maxItems;
    let size = "";
    if (min !== undefined && min === max) size = "[" + min + "]";
    else if (min !== undefined || max !== undefined) size = "[" + (min ?? 0) + ".." + (max ?? "") + "]";
    return "array" + size + " of " + describe(schema.items);
  }
  return schema.type || "any";
}

// Example bodies with each innermost array of numbers on one line.
function formatExample(value) {
  return JSON.stringify(value, null, 2)
    .replace(/\[\s*(-?[0-9][^\[\]{}"]*?)\s*\]/g, (_, inner) => "[" + inner.split(/\s*,\s*/).join(", ") + "]");
}

function schemaTable(schema) {
  const required = new Set(schema.required || []);
  const rows = Object.entries(schema.properties || {}).map(([name, prop]) =>
    el("tr", {}, el("td", {}, el("code", {}, name)), el("td", {}, el("code", {}, describe(prop))),
       el("td", {}, required.has(name) ? "required" : "optional"),
       el("td", {}, prop.description || (prop.items && prop.items.description) || prop.title || "")));
  return el("table", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, ""), el("th", {}, "about")), ...rows);
}

function responsesTable(responses) {
  const rows = Object.entries(responses || {}).map(([code, response]) => {
    const media = Object.entries(response.content || {})
      .map(([type, body]) => type + (body.schema ? ": " + describe(body.schema) : "")).join(", ");
    return el("tr", {}, el("td", {}, el("code", {}, code)), el("td", {}, response.description || ""), el("td", {}, el("code", {}, media)));
  });
  return el("table", {}, el("tr", {}, el("th", {}, "status"), el("th", {}, "meaning"), el("th", {}, "body")), ...rows);
}

// "Try it": sends the request to this server and shows the status and the raw response body.
function tryForm(path, method, op) {
  const id = op.operationId;
  const json = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
  const example = json && json.example !== undefined ? formatExample(json.example) : "";
  const body = json ? el("textarea", { id: "body-" + id, spellcheck: "false", "aria-label": "request body",
                                       rows: String(example.split("\n").length + 1) }, example) : null;
  const status = el("div", { id: "status-" + id, class: "status" });
  const answer = el("pre", { id: "response-" + id, class: "answer" });
  const form = el("form", { id: "try-" + id }, body, el("p", {}, el("button", { type: "submit" }, "Send " + method.toUpperCase() + " " + path)), status, answer);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    answer.removeAttribute("data-status");
    status.textContent = "sending\u2026";
    answer.textContent = "";
    const started = performance.now();
    try {
      const init = { method: method.toUpperCase(), headers: {} };
      if (body) { init.headers["Content-Type"] = "application/json"; init.body = body.value; }
      const response = await fetch(path, init);
      const text = await response.text();
      status.textContent = response.status + " " + response.statusText + " \u00b7 " + Math.round(performance.now() - started) + " ms";
      answer.textContent = text;
      answer.setAttribute("data-status", String(response.status));
    } catch (error) {
      status.textContent = "request failed: " + error;
      answer.setAttribute("data-status", "error");
    }
  });
  return el("details", { open: json ? "" : null }, el("summary", {}, "Try it"), form);
}

function render(spec) {
  const info = spec.info || {};
  document.title = (info.title || "API") + " \u00b7 docs";
  document.getElementById("title").textContent = info.title || "API";
  document.getElementById("summary").textContent = info.summary || "";
  document.getElementById("description").textContent = info.description || "";
  document.getElementById("openapi-version").textContent = spec.openapi || "?";
  document.getElementById("api-version").textContent = info.version || "?";

  const operations = document.getElementById("operations");
  const toc = document.getElementById("toc");
  operations.textContent = "";
  for (const [path, item] of Object.entries(spec.paths || {})) {
    for (const [method, op] of Object.entries(item)) {
      const anchor = "op-" + op.operationId;
      toc.append(el("li", {}, el("a", { href: "#" + anchor }, method.toUpperCase() + " " + path), " ", el("span", { class: "muted" }, op.summary || "")));
      const card = el("article", { class: "op", id: anchor },
        el("h3", {}, el("span", { class: "method " + method }, method), el("code", {}, path), el("span", { class: "muted" }, op.summary || "")),
        op.description ? el("p", {}, op.description) : null);
      const json = op.requestBody && op.requestBody.content && op.requestBody.content["application/json"];
      if (json) card.append(el("p", {}, "Request body (application/json" + (op.requestBody.required ? ", required" : "") + "): ", el("code", {}, describe(json.schema))));
      card.append(responsesTable(op.responses), tryForm(path, method, op));
      operations.append(card);
    }
  }

  const schemas = document.getElementById("schemas");
  for (const [name, schema] of Object.entries((spec.components || {}).schemas || {})) {
    schemas.append(el("article", { class: "op", id: "schema-" + name },
      el("h3", {}, el("code", {}, name), el("span", { class: "muted" }, schema.description || "")),
      schemaTable(schema),
      el("details", {}, el("summary", {}, "JSON Schema"), el("pre", {}, JSON.stringify(schema, null, 2)))));
  }
}

fetch("openapi.json")
  .then((response) => { if (!response.ok) throw new Error("openapi.json: HTTP " + response.status); return response.json(); })
  .then((spec) => { render(spec); document.documentElement.dataset.state = "ready"; })
  .catch((error) => {
    const operations = document.getElementById("operations");
    operations.textContent = "";
    operations.append(el("p", { class: "error" }, "Could not load the API description: " + error.message));
    document.documentElement.dataset.state = "error";
  });
</script>
</body>
</html>
"""#
}
