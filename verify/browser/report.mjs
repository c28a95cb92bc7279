// Prints a strategy's status report (GET …/strategies/{id}/report) to PDF in headless Chromium,
// as a committee secretary would from the browser, and checks the page as printed: the document
// has the strategy's title, every target's title and the report's date, asks for nothing beyond
// the server, and the PDF has pages. The PDF's text is checked by verify/report.sh (pdftotext).
// Environment: REPORT_URL (the report), OUT (folder for report.pdf and report.png), EXPECT (JSON:
// {"title": "...", "targets": ["...", ...], "as_of": "YYYY-MM-DD"}).
import { chromium } from "playwright-core";
import { writeFileSync } from "node:fs";

const url = process.env.REPORT_URL;
const out = process.env.OUT;
const expect = JSON.parse(process.env.EXPECT);
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
  const foreign = [];
  page.on("request", (r) => { if (!r.url().startsWith(new URL(url).origin)) foreign.push(r.url()); });
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  const resp = await page.goto(url, { waitUntil: "load" });
  check(resp.status() === 200, `report answered ${resp.status()}`);
  check((resp.headers()["content-type"] || "").startsWith("text/html"), "served as HTML");
  const text = await page.evaluate(() => document.body.innerText);
  check(text.includes(expect.title), `the strategy's title "${expect.title}" is on the page`);
  const missing = expect.targets.filter((t) => !text.includes(t));
  check(expect.targets.length > 0 && missing.length === 0,
    `all ${expect.targets.length} targets are on the page${missing.length ? ` (missing: ${missing.join(" | ")})` : ""}`);
  check(text.includes(`Opgjort pr. ${expect.as_of}`), `dated ${expect.as_of}`);
  check(await page.evaluate(() => document.documentElement.lang) === "da", "lang=da");
  check(await page.evaluate(() => document.querySelectorAll("script").length) === 0, "no script");
  const headerCells = await page.evaluate(() => [...document.querySelectorAll("th")].every((th) => th.getAttribute("scope") === "col"));
  check(headerCells, "table headers carry scope=col");
  await page.screenshot({ path: `${out}/report.png`, fullPage: false });
  const pdf = await page.pdf({ format: "A4", printBackground: true, margin: { top: "15mm", bottom: "15mm", left: "12mm", right: "12mm" } });
  writeFileSync(`${out}/report.pdf`, pdf);
  const head = pdf.subarray(0, 5).toString("latin1");
  const pages = (pdf.toString("latin1").match(/\/Type\s*\/Page[^s]/g) || []).length;
  check(head === "%PDF-" && pages >= 1, `a PDF of ${pdf.length} bytes and ${pages} page(s)`);
  check(foreign.length === 0, `no request beyond the server${foreign.length ? ": " + foreign.join(", ") : ""}`);
  check(errors.length === 0, `no console error${errors.length ? ": " + errors.join("; ") : ""}`);
  console.log(`pdf: ${out}/report.pdf (${pdf.length} bytes, ${pages} pages); screenshot: ${out}/report.png`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
