// Swagger UI "Try it out", as a developer exploring the API would use it, in Debian's headless
// Chromium (playwright-core, no browser download). Run by verify/swagger.sh, which starts the
// server, makes an admin of Vejle and passes its token.
//
// For a sample of authorised operations across every tag of the served document (at least one
// GET per tag, plus a few safe writes in Vejle): expand the operation, "Try it out", fill the
// required path and query parameters (real ids fetched from the API first) and the body,
// "Execute"; the request Chromium sends must be the operation's own method and path with the
// parameters substituted, with `Authorization: Bearer <token>` (entered once through
// "Authorize"); the response Swagger UI shows must carry the status the server answered and a
// body. Any request to anything but the server on 127.0.0.1 is refused and fails the run.
//
// Environment: RETNING_URL (http://127.0.0.1:PORT), RETNING_TOKEN, OUT_DIR (screenshot),
// CHROMIUM (default /usr/bin/chromium).
import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const base = process.env.RETNING_URL;
const token = process.env.RETNING_TOKEN;
const outDir = process.env.OUT_DIR ?? ".";
if (!base || !token) throw new Error("RETNING_URL and RETNING_TOKEN must be set");
const origin = new URL(base).origin;
if (new URL(base).hostname !== "127.0.0.1") throw new Error("RETNING_URL must be on 127.0.0.1");

// --- The API, read directly first: the document and real ids to fill in.
async function api(method, path, body) {
  const res = await fetch(origin + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}
const spec = await api("GET", "/api-docs/openapi.json");
const M = "vejle";
const items = (page) => (Array.isArray(page) ? page : page.items);
const strategies = items(await api("GET", `/api/v1/municipalities/${M}/strategies`));
const targets = items(await api("GET", `/api/v1/municipalities/${M}/targets?limit=500`));
const manualTarget = targets.find((t) => t.source === "manual");
const themes = items(await api("GET", "/api/v1/themes"));
const programmes = items(await api("GET", "/api/v1/programmes"));
const me = await api("GET", "/api/v1/auth/me");
const users = items(await api("GET", `/api/v1/municipalities/${M}/users`));
// A key to revoke through the UI (made here, so the UI's DELETE removes nothing else).
const spareKey = await api("POST", `/api/v1/municipalities/${M}/api-keys`, { name: "swagger-revoke-me", scope: "read" });
if (!strategies.length || !manualTarget || !themes.length || !programmes.length || !spareKey.id) {
  throw new Error("the seeded data lacks a strategy, a manual target, a theme, a programme or the spare key");
}
const year = new Date().getUTCFullYear() - 1;
const stamp = Date.now().toString(36);

// operationId -> what to fill in. Required parameters not named here fail the run (so a new
// required parameter is noticed), and every tag of the document must be covered.
const sample = {
  health_ready: {},
  platform_get_municipality: { path: { municipality: M } },
  platform_list_modules: { path: { municipality: M } },
  platform_list_audit: { path: { municipality: M } },
  platform_get_me: {},
  platform_list_users: { path: { municipality: M } },
  platform_list_api_keys: { path: { municipality: M } },
  platform_create_api_key: { path: { municipality: M }, body: { name: `swagger-${stamp}`, scope: "read" } },
  platform_revoke_api_key: { path: { municipality: M, id: spareKey.id } },
  goals_list_themes: {},
  goals_list_strategies: { path: { municipality: M } },
  goals_get_strategy_tree: { path: { municipality: M, id: strategies[0].id } },
  goals_get_target: { path: { municipality: M, id: manualTarget.id } },
  goals_list_measurements: { path: { municipality: M, id: manualTarget.id } },
  goals_compare: { query: { theme: themes[0].slug } },
  goals_create_strategy: {
    path: { municipality: M },
    body: { title: `Strategi fra Swagger UI ${stamp}`, summary: "Oprettet gennem Swagger UI" },
  },
  goals_put_measurement: {
    path: { municipality: M, id: manualTarget.id, date: new Date(Date.now() - 86400e3).toISOString().slice(0, 10) },
    body: { value: 7, note: "sat fra Swagger UI" },
  },
  placements_list_kinds: {},
  placements_get_statistics: { path: { municipality: M }, query: { year } },
  placements_get_monthly_statistics: { path: { municipality: M }, query: { from: `${year}-01-01`, to: `${year}-12-01` } },
  evidence_list_programmes: {},
  evidence_get_programme: { path: { id: programmes[0].id } },
  evidence_list_adoptions: { path: { municipality: M } },
  evidence_list_partnerships: { path: { municipality: M } },
  offers_list_market: {},
  offers_list_offers: { path: { municipality: M } },
  offers_list_offer_figures: { path: { municipality: M }, query: { year } },
};

const operations = {};
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!["get", "put", "post", "delete", "patch"].includes(method)) continue;
    operations[op.operationId] = { method: method.toUpperCase(), path, op, params: [...(item.parameters ?? []), ...(op.parameters ?? [])] };
  }
}
const tags = [...new Set(Object.values(operations).flatMap((o) => o.op.tags ?? []))];
const declared = new Set((spec.tags ?? []).map((t) => t.name));
const problems = [];
for (const t of tags) if (!declared.has(t)) problems.push(`spec: tag "${t}" is used by operations but not declared in the top-level "tags"`);
for (const id of Object.keys(sample)) if (!operations[id]) throw new Error(`operation ${id} is not in the document`);
for (const t of tags) {
  const gets = Object.entries(sample).filter(([id]) => operations[id].op.tags?.[0] === t && operations[id].method === "GET");
  if (!gets.length) throw new Error(`no GET of tag "${t}" in the sample`);
}

// --- The browser: only 127.0.0.1 is reachable.
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const failures = [];
const outside = [];
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.origin === origin || url.protocol === "data:" || url.protocol === "blob:") return route.continue();
    outside.push(route.request().url());
    return route.abort();
  });
  const page = await context.newPage();
  const pageErrors = [];
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  const apiRequests = [];
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (u.origin === origin && !u.pathname.startsWith("/docs") && u.pathname !== "/api-docs/openapi.json") apiRequests.push(r);
  });

  await page.goto(`${origin}/docs/`, { waitUntil: "networkidle" });
  await page.locator(".opblock").first().waitFor({ timeout: 20000 });

  // Authorize: the bearer scheme's value field, then Authorize and Close.
  await page.locator("button.btn.authorize").first().click();
  const modal = page.locator(".dialog-ux .modal-ux");
  await modal.waitFor();
  const schemes = await modal.locator(".auth-container h4, .auth-container h6").allInnerTexts();
  // The scheme named `bearer` (http, Bearer); other schemes (an API key header) stay empty.
  const bearerBox = modal.locator(".auth-container").filter({ has: page.locator("h4 code", { hasText: /^bearer$/ }) });
  await bearerBox.locator("input").fill(token);
  await bearerBox.locator("button.authorize").click();
  await bearerBox.getByText("Authorized").waitFor();
  await modal.locator("button.btn-done").first().click();
  await modal.waitFor({ state: "detached" });

  const rows = [];
  let screenshotDone = false;
  for (const [opId, fill] of Object.entries(sample)) {
    const { method, path, op, params } = operations[opId];
    const tag = op.tags[0];
    // Authorised: the operation's security names the bearer scheme; public ones (`security: [{}]`)
    // must go out without credentials, as the document says.
    const authorised = (op.security ?? spec.security ?? []).some((s) => "bearer" in s);
    const row = { op: opId, tag, method, path, auth: authorised ? "bearer" : "public", status: "", ui: "", result: "", ms: 0 };
    const started = Date.now();
    rows.push(row);
    try {
      // What the request must be.
      let want = path;
      for (const p of params.filter((p) => p.in === "path")) {
        const v = fill.path?.[p.name];
        if (v === undefined) throw new Error(`no value for path parameter ${p.name}`);
        want = want.replace(`{${p.name}}`, encodeURIComponent(String(v)));
      }
      for (const p of params.filter((p) => p.required && p.in === "query")) {
        if (fill.query?.[p.name] === undefined) throw new Error(`no value for required query parameter ${p.name}`);
      }
      if (op.requestBody?.required && fill.body === undefined) throw new Error("no body for a required request body");

      const block = page.locator(`#operations-${tag}-${opId}`);
      await block.scrollIntoViewIfNeeded();
      if (!(await block.locator(".opblock-body").count())) await block.locator(".opblock-summary").first().click();
      await block.locator("button.try-out__btn").click();
      for (const [where, values] of [["path", fill.path ?? {}], ["query", fill.query ?? {}]]) {
        for (const [name, value] of Object.entries(values)) {
          const cell = block.locator(`tr[data-param-name="${name}"][data-param-in="${where}"]`);
          const select = cell.locator("select");
          if (await select.count()) await select.selectOption(String(value));
          else await cell.locator("input").first().fill(String(value));
        }
      }
      if (fill.body !== undefined) await block.locator("textarea.body-param__text").fill(JSON.stringify(fill.body, null, 2));

      const seen = apiRequests.length;
      const [response] = await Promise.all([
        page.waitForResponse((r) => apiRequests.slice(seen).includes(r.request()), { timeout: 15000 }),
        block.locator("button.execute").click(),
      ]);
      const sent = apiRequests.slice(seen);
      if (sent.length !== 1) throw new Error(`Execute sent ${sent.length} requests`);
      const req = sent[0];
      const url = new URL(req.url());
      const errs = [];
      if (req.method() !== method) errs.push(`method ${req.method()}, wanted ${method}`);
      if (url.pathname !== want) errs.push(`path ${url.pathname}, wanted ${want}`);
      for (const [name, value] of Object.entries(fill.query ?? {})) {
        if (url.searchParams.get(name) !== String(value)) errs.push(`query ${name}=${url.searchParams.get(name)}, wanted ${value}`);
      }
      const auth = (await req.allHeaders())["authorization"];
      if (authorised && auth !== `Bearer ${token}`) errs.push(`Authorization ${auth ? auth.slice(0, 16) + "…" : "missing"}`);
      if (!authorised && auth !== undefined) errs.push("credentials sent to a public operation");
      if (fill.body !== undefined && JSON.stringify(req.postDataJSON()) !== JSON.stringify(fill.body)) errs.push(`body ${req.postData()}`);

      row.status = String(response.status());
      const live = block.locator(".live-responses-table");
      await live.waitFor({ timeout: 15000 });
      const uiStatus = (await live.locator("tbody .response-col_status").first().innerText()).trim();
      row.ui = uiStatus;
      if (uiStatus !== row.status) errs.push(`UI shows ${uiStatus}, server answered ${row.status}`);
      const responseBody = await response.text();
      const uiBody = response.status() === 204 ? "" : (await live.locator(".response-col_description pre").first().innerText()).trim();
      if (response.status() === 204) {
        if (responseBody) errs.push("a 204 with a body");
      } else if (!responseBody || !uiBody) errs.push("no response body shown");
      else if (response.headers()["content-type"]?.includes("json")) {
        // The UI pretty-prints JSON: compare values, not text.
        if (JSON.stringify(JSON.parse(uiBody)) !== JSON.stringify(JSON.parse(responseBody))) errs.push("UI body differs from the response");
      }
      if (response.status() >= 400) errs.push(`server answered ${response.status()}: ${responseBody.slice(0, 200)}`);
      if (errs.length) throw new Error(errs.join("; "));
      row.result = "ok";
      if (!screenshotDone && opId === "goals_get_target") {
        // The operation from its summary down to the live response (not the documented ones).
        await block.scrollIntoViewIfNeeded();
        const top = await block.boundingBox();
        const end = await live.boundingBox();
        await page.screenshot({
          path: join(outDir, "swagger-try-it-out.png"),
          fullPage: true,
          clip: { x: top.x, y: top.y + (await page.evaluate(() => window.scrollY)), width: top.width, height: end.y + end.height - top.y },
        });
        screenshotDone = true;
      }
    } catch (e) {
      row.result = `FAIL: ${String(e.message ?? e).split("\n")[0]}`;
      failures.push(`${opId}: ${row.result}`);
    }
    // Collapse it again, passed or not: every open operation slows Swagger UI down.
    const block = page.locator(`#operations-${tag}-${opId}`);
    if (await block.locator(".opblock-body").count()) await block.locator(".opblock-summary").first().click().catch(() => {});
    row.ms = Date.now() - started;
  }

  const w = (s, n) => String(s).padEnd(n);
  console.log(`Swagger UI at ${origin}/docs/: security schemes in "Authorize": ${schemes.join(", ")}`);
  console.log(`${w("operation", 34)} ${w("tag", 14)} ${w("request", 74)} ${w("auth", 6)} ${w("status", 6)} ${w("UI", 4)} ${w("ms", 5)} result`);
  for (const r of rows) {
    console.log(`${w(r.op, 34)} ${w(r.tag, 14)} ${w(`${r.method} ${r.path}`, 74)} ${w(r.auth, 6)} ${w(r.status, 6)} ${w(r.ui, 4)} ${w(r.ms, 5)} ${r.result}`);
  }
  const ok = rows.filter((r) => r.result === "ok").length;
  const authorisedOk = rows.filter((r) => r.result === "ok" && r.auth === "bearer").length;
  console.log(`swagger: ${ok} of ${rows.length} operations driven through "Try it out" (${authorisedOk} with the bearer token) across ${tags.length} tags (${tags.join(", ")})`);
  for (const t of tags) {
    if (!rows.some((r) => r.tag === t && r.auth === "bearer" && r.method === "GET" && r.result === "ok")) {
      const any = Object.values(operations).some((o) => o.op.tags?.[0] === t && (o.op.security ?? []).some((s) => "bearer" in s));
      if (any) failures.push(`tag ${t}: no authorised GET passed`);
      else console.log(`note: tag "${t}" has no authorised operation (all are public), driven without credentials`);
    }
  }
  if (!screenshotDone) failures.push("no screenshot taken");
  else console.log(`screenshot: ${join(outDir, "swagger-try-it-out.png")}`);
  for (const p of problems) console.log(`note: ${p}`);
  if (pageErrors.length) failures.push(`page errors: ${pageErrors.join(" | ")}`);
  writeFileSync(join(outDir, "swagger-results.json"), JSON.stringify({ rows, problems }, null, 2));
} finally {
  await browser.close();
}
if (outside.length) failures.push(`requests outside ${origin} (refused): ${[...new Set(outside)].join(", ")}`);
if (failures.length) {
  for (const f of failures) console.error(`FAIL ${f}`);
  process.exit(1);
}
