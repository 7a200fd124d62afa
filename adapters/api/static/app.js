// Tape's dashboard: a thin client of the API under /api/v1. It keeps the bearer token in
// sessionStorage (handed over in the URL's #fragment by `tape serve --open`, never sent to the
// server in a URL), reloads its panels when the event stream says something happened, and
// draws the PnL series with uPlot (vendored in /static).
"use strict";

const TOKEN_KEY = "tape.token";
const state = { token: null, chart: null, lastEvent: null, refreshTimer: null };

function takeToken() {
  const match = location.hash.match(/token=([^&]+)/);
  if (match) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  state.token = sessionStorage.getItem(TOKEN_KEY);
}

function headers(extra) {
  const h = Object.assign({ Accept: "application/json" }, extra || {});
  if (state.token) h.Authorization = "Bearer " + state.token;
  return h;
}

async function api(path, options) {
  const opts = Object.assign({}, options || {});
  opts.headers = headers(opts.headers);
  const answer = await fetch("/api/v1" + path, opts);
  const body = await answer.json().catch(() => ({ error: answer.statusText }));
  if (!answer.ok) {
    if (answer.status === 401) setStatus("needs the API token: open the URL `tape serve --open` prints");
    throw new Error(body.error || answer.statusText);
  }
  return body;
}

function setStatus(text) { document.getElementById("status").textContent = text; }

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function num(value, cls) {
  const n = Number(value);
  const sign = cls && n !== 0 ? (n > 0 ? " pos" : " neg") : "";
  const text = value === null || value === undefined ? "-" : Number.isFinite(n) ? fmt(n) : value;
  return el("td", { class: "num" + sign }, text);
}

function fmt(n) {
  return Math.abs(n) >= 1000 ? n.toFixed(0) : Number(n.toFixed(4)).toString();
}

// Recorded texts with their numbers as people write them, as projections/numbers.py does for
// the command line: exponents spelled out (2E+1 -> 20), percentages to two decimals.
function plainNumber(text) {
  const [mantissa, exponent] = text.toLowerCase().split("e");
  const negative = mantissa.startsWith("-");
  const [whole, fraction = ""] = (negative ? mantissa.slice(1) : mantissa).split(".");
  let digits = whole + fraction;
  let point = whole.length + Number(exponent);
  if (point <= 0) { digits = "0".repeat(1 - point) + digits; point = 1; }
  if (point > digits.length) digits += "0".repeat(point - digits.length);
  let out = digits.slice(0, point).replace(/^0+(?=\d)/, "");
  const rest = digits.slice(point).replace(/0+$/, "");
  if (rest) out += "." + rest;
  return (negative && /[1-9]/.test(out) ? "-" : "") + out;
}

function readable(text) {
  if (typeof text !== "string") return text;
  return text
    .replace(/(?<![\w.])-?\d+(?:\.\d+)?[eE][+-]\d+(?![\w.])/g, (m) => plainNumber(m))
    .replace(/(?<![\w.])(-?\d+(?:\.\d+)?)\s?%/g, (_, n) => percentText(n));
}

function percentText(text) {
  // two decimals, half up, on the digits themselves (no binary float in between)
  const negative = text.startsWith("-");
  const [whole, fraction = ""] = (negative ? text.slice(1) : text).split(".");
  const padded = fraction.padEnd(3, "0");
  let kept = BigInt(whole + padded.slice(0, 2));
  if (padded[2] >= "5") kept += 1n;
  const digits = kept.toString().padStart(3, "0");
  const shown = digits.slice(0, -2) + "." + digits.slice(-2);
  return (negative && kept !== 0n ? "-" : "") + shown + "%";
}

function short(text, keep) {
  text = String(text || "");
  return text.length > keep ? text.slice(0, keep - 1) + "…" : text;
}

function time(text) { return text ? String(text).replace("T", " ").replace("Z", "") : "-"; }

function fill(id, rows, render, empty) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren(...(rows.length ? rows.map(render) : [
    el("tr", {}, el("td", { class: "muted", colspan: "12" }, empty || "none")),
  ]));
}

function whyLink(ident) {
  return el("a", { href: "#why", class: "why-link", "data-id": ident, onclick: (e) => {
    e.preventDefault(); showWhy(ident);
  } }, "why");
}

// -- panels ---------------------------------------------------------------------------------

function agentKeys(keys) {
  // Names only: which of the variables the agent names are set, never a value.
  const set = Object.entries(keys.variables).filter(([, on]) => on).map(([name]) => name);
  const title = keys.source + ": " + (set.join(", ") || "none set");
  const ready = keys.venues_with_key.length ? "key for " + keys.venues_with_key.join(", ") : "no key (paper)";
  return el("td", { class: keys.venues_with_key.length ? "" : "muted", title: title, "data-role": "keys" }, ready);
}

async function loadAgents() {
  const agents = await api("/agents");
  fill("agents", agents, (a) => el("tr", { "data-agent": a.name },
    el("td", {}, el("b", {}, a.name)),
    el("td", {}, el("span", { class: "state " + a.state, "data-role": "state" }, a.state)),
    el("td", { class: "muted" }, short(a.reason, 40)),
    el("td", {}, a.strategy),
    el("td", {}, a.venues.join(", ")),
    agentKeys(a.keys),
    num(a.trades_today), num(a.deployed), num(a.realised_pnl, true), num(a.marked_pnl, true),
    el("td", {},
      el("button", { "data-action": "activate", onclick: () => switchAgent(a.name, "activate") }, "activate"), " ",
      el("button", { "data-action": "reduce", onclick: () => switchAgent(a.name, "reduce") }, "reduce"), " ",
      el("button", { "data-action": "halt", class: "danger", onclick: () => confirmHalt(a.name) }, "halt")),
  ), "no agents registered");
}

async function loadPositions() {
  const rows = await api("/positions");
  fill("positions", rows, (p) => el("tr", {},
    el("td", {}, p.agent), el("td", {}, p.venue), el("td", {}, p.outcome),
    el("td", { title: p.token_id }, short(p.token_id, 12)),
    num(p.size), num(p.avg_cost), num(p.mark), num(p.marked_pnl, true),
  ), "no open positions");
}

async function loadOrders() {
  const rows = (await api("/orders?limit=50")).reverse();
  fill("orders", rows, (o) => el("tr", {},
    el("td", {}, time(o.placed_at)), el("td", {}, o.agent), el("td", {}, o.side),
    num(o.price), num(o.size), num(o.filled), el("td", {}, o.status), el("td", {}, whyLink(o.order_id)),
  ), "no orders");
}

async function loadDenials() {
  const rows = (await api("/intents?denied=true&limit=50")).reverse();
  fill("denials", rows, (i) => el("tr", { class: "denial" },
    el("td", {}, time(i.received_at)), el("td", {}, i.agent), el("td", {}, i.side),
    el("td", {}, el("b", {}, i.reason)), el("td", { title: readable(i.detail) || "" }, short(readable(i.detail), 48)),
    el("td", {}, whyLink(i.intent_id)),
  ), "no denials");
}

function connectivity(v) {
  // Probed by the venue's own health check (cached server-side); null: nothing to reach.
  const failing = v.agents_with_failures.length ? "; failing: " + v.agents_with_failures.join(", ") : "";
  if (v.connected === null) return el("td", { class: "muted", title: v.probe }, "n/a" + failing);
  return el("td", { class: v.connected && !failing ? "pos" : "neg", title: v.probe + (v.probed_at ? " (" + v.probed_at + ")" : "") },
    (v.connected ? "yes" : "no: " + short(v.probe, 40)) + failing);
}

async function loadHealth() {
  const [health, errors] = await Promise.all([api("/health"), api("/errors")]);
  fill("venues", health.venues, (v) => {
    const present = Object.entries(v.keys_present).filter(([, on]) => on).map(([name]) => name);
    return el("tr", {}, el("td", {}, v.venue), el("td", {}, v.mode),
      connectivity(v),
      el("td", { class: present.length ? "" : "muted" }, present.join(", ") || "none"));
  });
  fill("errors", errors.slice(0, 20), (e) => el("tr", {},
    el("td", {}, time(e.at)), el("td", {}, e.event),
    el("td", { title: JSON.stringify(e) }, short(e.reason || e.message || e.error || e.last_error || e.detail || "", 70)),
  ), "no errors");
  setStatus(health.store.events + " events");
}

async function loadPnl() {
  const pnl = await api("/pnl");
  document.getElementById("pnl-day").textContent = pnl.day ? "(" + pnl.day + ", UTC)" : "";
  const names = Object.keys(pnl.series).sort();
  const times = new Set();
  for (const name of names) for (const [t] of pnl.series[name]) times.add(Date.parse(t) / 1000);
  const xs = [...times].sort((a, b) => a - b);
  const data = [xs];
  for (const name of names) {
    const byTime = new Map(pnl.series[name].map(([t, v]) => [Date.parse(t) / 1000, Number(v)]));
    let last = null;
    data.push(xs.map((x) => (byTime.has(x) ? (last = byTime.get(x)) : last)));
  }
  const box = document.getElementById("pnl-chart");
  const colours = ["#2f5bd3", "#1a7f4b", "#b3261e", "#b26a00", "#7a3fc0", "#0c8599"];
  const opts = {
    width: Math.max(box.clientWidth, 320), height: 260,
    series: [{}, ...names.map((name, i) => ({ label: name, stroke: colours[i % colours.length], width: 2 }))],
    axes: [{}, { label: "USDC", size: 60 }],
    scales: { x: { time: true } },
  };
  if (state.chart) state.chart.destroy();
  state.chart = new uPlot(opts, data, box);
  box.dataset.series = String(names.length);
  box.dataset.points = String(xs.length);
}

async function refresh() {
  const results = await Promise.allSettled([loadAgents(), loadPositions(), loadOrders(), loadDenials(), loadHealth(), loadPnl()]);
  const failed = results.find((r) => r.status === "rejected");
  if (failed) setStatus("error: " + failed.reason.message);
  document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
}

function scheduleRefresh() {
  clearTimeout(state.refreshTimer);
  state.refreshTimer = setTimeout(refresh, 300);
}

// -- actions --------------------------------------------------------------------------------

async function switchAgent(name, action) {
  try {
    await api("/agents/" + encodeURIComponent(name) + "/" + action, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({}),
    });
  } catch (error) { setStatus(action + " " + name + ": " + error.message); }
  await loadAgents();
}

function confirmHalt(name) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent =
    "Halt " + name + "? It places nothing until it is activated again.";
  dialog.returnValue = "";
  dialog.onclose = () => { if (dialog.returnValue === "ok") switchAgent(name, "halt"); };
  dialog.showModal();
}

async function showWhy(ident) {
  const dialog = document.getElementById("why");
  const body = document.getElementById("why-body");
  document.getElementById("why-id").textContent = short(ident, 60);
  body.replaceChildren(el("p", { class: "muted" }, "loading…"));
  dialog.showModal();
  try {
    const trail = await api("/why/" + encodeURIComponent(ident));
    const intent = trail.intent || {};
    const parts = [el("p", {}, `${intent.agent} ${intent.side} ${intent.size} @ ${intent.price} on ${intent.venue} (${intent.outcome})`)];
    const steps = [...trail.events, ...Object.values(trail.orders || {}).flat()];
    for (const step of steps) {
      const item = el("div", { class: "why-step" }, el("h3", {}, step.step + ". " + step.event + " ", el("small", { class: "muted" }, time(step.timestamp))));
      if (step.reason) item.append(el("p", {}, el("b", {}, step.reason), ": " + (readable(step.detail) || "")));
      if (step.checks) {
        item.append(el("ul", {}, ...step.checks.map((c) => el("li", { class: c.passed ? "" : "check-fail" },
          (c.passed ? "✓ " : "✗ ") + c.name + ": " + readable(c.detail)))));
      }
      parts.push(item);
    }
    parts.push(el("details", {}, el("summary", {}, "raw JSON"), el("pre", {}, JSON.stringify(trail, null, 2))));
    body.replaceChildren(...parts);
  } catch (error) { body.replaceChildren(el("p", { class: "neg" }, error.message)); }
}

// -- live updates: server-sent events read with fetch (so the token goes in a header) ----------

async function follow() {
  const pill = document.getElementById("live");
  for (;;) {
    try {
      const query = state.lastEvent ? "?after=" + state.lastEvent : "";
      const answer = await fetch("/api/v1/events" + query, { headers: headers({ Accept: "text/event-stream" }) });
      if (!answer.ok) throw new Error(answer.statusText);
      pill.textContent = "live"; pill.className = "pill on";
      const reader = answer.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0 || (cut = buffer.indexOf("\r\n\r\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + (buffer[cut] === "\r" ? 4 : 2));
          const id = block.match(/^id: ?(\d+)/m);
          if (id) state.lastEvent = id[1];
          if (/^data:/m.test(block)) scheduleRefresh();
        }
      }
    } catch (error) { /* reconnect below */ }
    pill.textContent = "reconnecting…"; pill.className = "pill off";
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

takeToken();
refresh().then(follow);
window.addEventListener("resize", () => { if (state.chart) loadPnl(); });
