// Open a built relpack site from file:// in Debian's chromium and check
// what an auditor relies on. Prints one JSON report; exits 0 when it ran.
//   node site.mjs <release-folder> <an item id> <a word of its text>
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [folder, itemId, word] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const url = (p) => pathToFileURL(path.join(folder, p)).href;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const report = { consoleErrors: [], requests: [], searchById: null, searchByWord: null,
                 traceLinkTarget: null, axe: {}, xssDialogs: 0, figures: [] };
const page = await browser.newPage();
page.on("console", (m) => { if (m.type() === "error") report.consoleErrors.push(m.text()); });
page.on("pageerror", (e) => report.consoleErrors.push(String(e)));
page.on("dialog", async (d) => { report.xssDialogs++; await d.dismiss(); });
page.on("request", (r) => { if (!r.url().startsWith("file://")) report.requests.push(r.url()); });

async function search(q) {
  await page.goto(url("index.html"));
  await page.fill("#search", q);
  await page.waitForSelector("#search-results li", { timeout: 5000 });
  return page.$$eval("#search-results a", (as) => as.map((a) => a.textContent));
}
report.searchById = await search(itemId);
report.searchByWord = await search(word);

await page.goto(url("trace-matrix.html"));
const href = await page.$eval(`table.trace a[href$="/${itemId}.html"], table.trace a[href$="${itemId}.html"]`, (a) => a.getAttribute("href"));
await page.click(`table.trace a[href="${href}"]`);
await page.waitForLoadState("load");
report.traceLinkTarget = { url: page.url(), h1: await page.$eval("h1", (h) => h.textContent) };

// A page with figures (FIGURE_PAGE): each image must have loaded, under
// the pages' Content-Security-Policy, from the packet's own copy.
report.figures = [];
if (process.env.FIGURE_PAGE) {
  await page.goto(url(process.env.FIGURE_PAGE));
  await page.waitForLoadState("load");
  report.figures = await page.$$eval("img.figure", (imgs) => imgs.map((i) => ({
    src: i.getAttribute("src"), complete: i.complete, naturalWidth: i.naturalWidth,
    shownWidth: i.getBoundingClientRect().width, alt: i.alt })));
}

// axe-core itself fetches stylesheets, which file:// refuses; those console
// lines are the harness's, not the site's, so stop collecting here.
const siteErrors = report.consoleErrors.slice();
// axe is injected as an inline script, which the pages' Content-Security-
// Policy refuses (as it should): it runs in a context that bypasses it.
const axePage = await (await browser.newContext({ bypassCSP: true })).newPage();
for (const p of ["index.html", `items/${itemId}.html`, "trace-matrix.html"]) {
  await axePage.goto(url(p));
  await axePage.addScriptTag({ content: axeSource });
  const result = await axePage.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  report.axe[p] = result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}
// Visit the named pages once more: a dialog means an XSS payload ran.
for (const f of (process.env.VISIT_ALL || "").split(",").filter(Boolean)) {
  await page.goto(url(f));
  await page.waitForTimeout(200);
}
await browser.close();
report.consoleErrors = siteErrors;
console.log(JSON.stringify(report));
