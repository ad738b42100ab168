// A page served by `relpack serve`, open in Debian's chromium, reloads by
// itself when the evidence changes, and shows the overlay when it becomes
// invalid. Prints one JSON report; exits 0 when it ran.
//   node serve.mjs <base url> <item id> <evidence file> <old text> <new text>
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";

const [base, itemId, file, before, after] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const report = { consoleErrors: [], first: null, reloadedWithEdit: false, overlay: null };
const page = await browser.newPage();
page.on("pageerror", (e) => report.consoleErrors.push(String(e)));
let loads = 0;
page.on("load", () => { loads++; });
try {
  await page.goto(`${base}items/${itemId}.html`);
  report.first = await page.locator("h1").innerText();
  const original = readFileSync(file, "utf8");
  // Nobody navigates from here on: the page must reload itself.
  writeFileSync(file, original.replace(before, after));
  await page.waitForFunction((t) => document.body.innerText.includes(t), after, { timeout: 60000 });
  report.reloadedWithEdit = true;
  report.loadsAfterEdit = loads;
  writeFileSync(file, original.replace(before, after) + "\n[[test]]\nid = 5\n");
  await page.waitForSelector("#relpack-overlay", { timeout: 60000 });
  report.overlay = await page.locator("#relpack-overlay").innerText();
} catch (e) {
  report.error = String(e);
}
await browser.close();
console.log(JSON.stringify(report));
