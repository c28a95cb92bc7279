// End-to-end test of the reference dashboard in headless Chromium (verify/dashboard.sh runs it).
// Asserts on content, read from the API and compared with what the page shows.
// Environment: BASE_URL (the page), API_URL (the API, default BASE_URL), API_KEY (a write key of
// vejle), OUT (screenshot folder), EXPECT_TITLE_SUFFIX (appended to the expected titles: set it to
// show the test failing).
import { chromium } from 'playwright-core';
import { statSync } from 'node:fs';
import path from 'node:path';

const BASE = process.env.BASE_URL;
const API = process.env.API_URL || BASE;
const KEY = process.env.API_KEY;
const OUT = process.env.OUT;
const SUFFIX = process.env.EXPECT_TITLE_SUFFIX || '';
if (!BASE || !KEY || !OUT || !process.env.VORDINGBORG_KEY) throw new Error('BASE_URL, API_KEY, VORDINGBORG_KEY and OUT are required');

const failures = [];
const passed = [];
function check(ok, what, detail = '') {
  if (ok) passed.push(what);
  else failures.push(`${what}${detail ? `: ${detail}` : ''}`);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}${detail && !ok ? ` — ${detail}` : ''}`);
}

async function get(p, key) {
  const res = await fetch(new URL(p, API), { headers: key ? { Authorization: `Bearer ${key}` } : {} });
  if (!res.ok) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return res.json();
}
async function post(p, body, key, expect = 201) {
  const res = await fetch(new URL(p, API), {
    method: 'POST', body: JSON.stringify(body),
    headers: { Authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });
  if (res.status !== expect) throw new Error(`POST ${p}: ${res.status} ${await res.text()}`);
  return res.json();
}

// ---------------------------------------------------------------- what the API says

const SEEDED = ['randers', 'vejle', 'skanderborg', 'vordingborg'];
const strategies = {};
for (const m of SEEDED) strategies[m] = (await get(`/api/v1/municipalities/${m}/strategies?limit=500`)).items;
const expectedTitles = SEEDED.flatMap((m) => strategies[m].map((s) => s.title + SUFFIX));
check(SEEDED.every((m) => strategies[m].length > 0), 'API: each of the four seeded municipalities has a public strategy');
const levelSets = SEEDED.map((m) => JSON.stringify(strategies[m][0].level_names));
check(new Set(levelSets).size >= 2, 'API: level names differ between municipalities', levelSets.join(' | '));
const trees = {};
for (const m of SEEDED) for (const s of strategies[m]) trees[s.id] = await get(`/api/v1/municipalities/${m}/strategies/${s.id}/tree`);
const progressById = new Map();
const walk = (nodes) => nodes.forEach((n) => { n.targets.forEach((t) => progressById.set(String(t.id), t)); walk(n.children); });
Object.values(trees).forEach((t) => walk(t.nodes));

// An internal strategy of vejle, written with the key: it must appear only once the key is given.
const internalTitle = `Intern opfølgningsplan ${Date.now()}`;
const internal = await post('/api/v1/municipalities/vejle/strategies', { title: internalTitle, visibility: 'internal', level_names: ['indsats'] }, KEY);
// On it a monthly target last measured long ago: stale, with progress 50 and no trend (one value).
const node = await post(`/api/v1/municipalities/vejle/strategies/${internal.id}/nodes`, { kind: 'indsats', title: 'Tidlig opsporing i dagtilbud' }, KEY);
const staleTarget = await post(`/api/v1/municipalities/vejle/nodes/${node.id}/targets`, {
  title: 'Underretninger behandlet inden for 24 timer', indicator: 'Andel behandlet inden for 24 timer', unit: 'percent',
  direction: 'increase', baseline_value: 60, baseline_date: '2024-01-01', target_value: 90, deadline: '2030-12-31', frequency: 'monthly',
}, KEY);
const put = await fetch(new URL(`/api/v1/municipalities/vejle/targets/${staleTarget.id}/measurements/2025-06-30`, API), {
  method: 'PUT', body: JSON.stringify({ value: 75 }), headers: { Authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
});
if (!put.ok) throw new Error(`PUT measurement: ${put.status} ${await put.text()}`);

// An offer of vejle with approved places, and an accepted request of vordingborg for 2 of them
// today: the market must show the vacancy the API computes.
const VKEY = process.env.VORDINGBORG_KEY;
const iso = (d) => d.toISOString().slice(0, 10);
const offerName = `Testhuset ${Date.now()}`;
const offer = await post('/api/v1/municipalities/vejle/offers', {
  name: offerName, offer_type: 'residential_home', approved_places: 6, status: 'open', rate_dkk: 3100, rate_period: 'day',
}, KEY);
const pr = await post('/api/v1/municipalities/vordingborg/place-requests', {
  offer_id: offer.id, places: 2, period_start: iso(new Date(Date.now() - 10 * 864e5)), period_end: iso(new Date(Date.now() + 30 * 864e5)),
}, VKEY);
await post(`/api/v1/municipalities/vejle/place-requests/${pr.id}/accept`, {}, KEY, 200);

// ---------------------------------------------------------------- the browser

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'da-DK' });
const page = await context.newPage();
const requests = [];
const consoleErrors = [];
const responses = [];
page.on('request', (r) => requests.push(r.url()));
page.on('response', (r) => responses.push({ url: r.url(), status: r.status(), inm: r.request().headers()['if-none-match'] }));
let phase = 'public';
page.on('console', (msg) => { if (msg.type() === 'error') consoleErrors.push({ phase, text: msg.text() }); });
page.on('pageerror', (e) => consoleErrors.push({ phase, text: `pageerror: ${e.message}` }));

const t0 = Date.now();
await page.goto(BASE, { waitUntil: 'load' });
await page.waitForSelector('.strategy-title');
await page.waitForSelector('#stats table.stats-table', { timeout: 30000 });
await page.waitForSelector('#programmes table');
await page.waitForSelector('#offers p');
await page.waitForFunction(() => /Opdateret/.test(document.querySelector('#updated')?.textContent || ''));
console.log(`page loaded and filled in ${Date.now() - t0} ms`);

const shownTitles = await page.$$eval('.strategy-title', (els) => els.map((e) => e.textContent.trim()));
for (const title of expectedTitles) check(shownTitles.includes(title), `strategy title shown: «${title}»`, `page shows ${JSON.stringify(shownTitles)}`);
check(!shownTitles.includes(internalTitle), 'without a key the internal strategy is not shown');

// Level names per strategy, as the API gives them, and at least two municipalities differ.
const shownLevels = await page.$$eval('article.strategy', (els) => els.map((e) => ({
  id: e.dataset.strategyId, levels: [...e.querySelectorAll('.level-names li')].map((li) => li.textContent.trim()),
})));
let levelMatches = 0;
for (const m of SEEDED) {
  for (const s of strategies[m]) {
    const shown = shownLevels.find((x) => x.id === String(s.id));
    const ok = shown && JSON.stringify(shown.levels) === JSON.stringify(s.level_names);
    if (ok) levelMatches += 1;
    check(ok, `level names of ${m} shown as the API gives them (${s.level_names.join(' › ')})`, JSON.stringify(shown?.levels));
  }
}
const distinctShown = new Set(shownLevels.filter((x) => x.levels.length).map((x) => JSON.stringify(x.levels)));
check(distinctShown.size >= 2, `at least two different sets of level names on the page (${distinctShown.size})`);

// Progress: a percentage tied to a progressbar whose aria-valuenow is the API's progress.
const bars = await page.$$eval('.target [role=progressbar]', (els) => els.map((b) => ({
  id: b.closest('.target').dataset.targetId,
  now: b.getAttribute('aria-valuenow'),
  text: b.parentElement.querySelector('.progress-value')?.textContent.trim(),
  visible: !!b.offsetParent,
})));
const goodBars = bars.filter((b) => {
  const t = progressById.get(b.id);
  return t && t.progress !== null && Number(b.now) === Math.round(t.progress) && b.text === `${Math.round(t.progress)} %`;
});
check(goodBars.some((b) => b.visible), `a visible progress figure matches the API (${goodBars.length} of ${bars.length} bars checked)`,
  JSON.stringify(bars.slice(0, 5)));
const apiWithProgress = [...progressById.values()].filter((t) => t.progress !== null).length;
check(apiWithProgress > 0, `API: targets with progress exist (${apiWithProgress})`);
const assessmentLabels = await page.$$eval('.target .badge', (els) => els.map((e) => e.textContent.trim()));
check(assessmentLabels.length > 0 && assessmentLabels.every((l) => l.length > 2), `assessments carry a text label (${[...new Set(assessmentLabels)].join(', ')})`);
// Key figures (#13): each target the API calls a key figure carries «Nøgletal» and no progress bar.
const kfShown = await page.$$eval('.target[data-kind=key_figure]', (els) => els.map((e) => ({
  id: e.dataset.targetId, badge: e.querySelector('.key-figure-badge')?.textContent.trim(), bar: !!e.querySelector('[role=progressbar]'),
})));
const apiKeyFigures = [...progressById.values()].filter((t) => t.kind === 'key_figure');
check(apiKeyFigures.length > 0 && apiKeyFigures.every((t) => kfShown.some((k) => k.id === String(t.id) && k.badge === 'Nøgletal' && !k.bar)),
  `key figures shown as «Nøgletal» without a progress bar (${kfShown.length} shown, ${apiKeyFigures.length} in the API)`, JSON.stringify(kfShown.slice(0, 3)));
// Initiatives (#13): every one in the API's trees, with its status in Danish and the overdue mark where the API sets it.
const STATUS_DA = { not_started: 'Ikke startet', started: 'Startet', done: 'Gennemført', delayed: 'Forsinket', cancelled: 'Aflyst' };
const apiInitiatives = [];
const walkI = (nodes) => nodes.forEach((n) => { apiInitiatives.push(...(n.initiatives || [])); walkI(n.children); });
Object.values(trees).forEach((t) => walkI(t.nodes));
const shownInitiatives = await page.$$eval('li.initiative', (els) => els.map((e) => ({
  id: e.dataset.initiativeId, title: e.querySelector('.initiative-title')?.textContent, status: e.querySelector('.tag')?.textContent,
  overdue: !!e.querySelector('.stale'),
})));
const initiativeMisses = apiInitiatives.filter((i) => !shownInitiatives.some((x) => x.id === String(i.id) && x.title === i.title
  && x.status === STATUS_DA[i.status] && x.overdue === i.overdue));
check(apiInitiatives.length >= 15 && initiativeMisses.length === 0,
  `initiatives shown with their status as the API gives it (${shownInitiatives.length} shown, ${apiInitiatives.length} in the API)`, JSON.stringify(initiativeMisses.slice(0, 3)));
// Lineage and follow-up recipients (#13): Vejle's 2017-2020 strategy builds on Faglig Omstilling 2.0.
const mer = strategies.vejle.find((x) => trees[x.id]?.lineage?.length);
const lineageShown = mer ? await page.$eval(`article.strategy[data-strategy-id="${mer.id}"]`, (e) => ({
  lineage: e.querySelector('.lineage')?.textContent, recipients: e.querySelector('.recipients')?.textContent,
})) : {};
check(!!mer && lineageShown.lineage?.includes(trees[mer.id].lineage[0].title) && lineageShown.recipients?.includes(mer.follow_up_recipients[0]),
  `lineage and follow-up recipients shown for «${mer?.title}»`, JSON.stringify(lineageShown));
const asOfShown = await page.$$eval('time.as-of', (els) => els.map((e) => e.getAttribute('datetime')));
check(asOfShown.includes(Object.values(trees)[0].as_of), `as_of date shown (${asOfShown[0]})`);

// Suppressed statistics: every cell the API suppresses reads "undertrykt", never 0.
const statMuni = await page.$eval('#stats table.stats-table', (t) => t.dataset.municipality);
const statYears = await page.$$eval('#stats table.stats-table:not(.kinds) tbody th', (els) => els.map((e) => Number(e.textContent)));
const cells = await page.$$eval('#stats td[data-stat]', (els) => els.map((e) => ({
  stat: e.dataset.stat, year: Number(e.dataset.year), text: e.textContent.trim(), suppressed: e.dataset.suppressed === 'true',
})));
const fieldOf = {
  full_year_placements: (x) => x.placements.full_year_placements,
  placed_on_date: (x) => x.placements.placed_on_date,
  new: (x) => x.placements.new,
  ended: (x) => x.placements.ended,
  foster_family_share: (x) => x.placements.foster_family_share,
  network_share: (x) => x.placements.network_share,
  average_days: (x) => x.placements.duration.average_days,
  support_evidence_share: (x) => x.support.evidence_share,
};
let apiSuppressed = 0;
let shownSuppressed = 0;
const wrong = [];
for (const year of statYears) {
  const st = await get(`/api/v1/municipalities/${statMuni}/placements/statistics?year=${year}`);
  for (const c of cells.filter((x) => x.year === year)) {
    let cell;
    if (c.stat.startsWith('by_kind.')) cell = st.placements.by_kind.find((k) => k.kind === c.stat.split('.')[1])?.full_year;
    else if (fieldOf[c.stat]) cell = fieldOf[c.stat](st);
    else continue;
    if (cell?.suppressed) {
      apiSuppressed += 1;
      if (c.suppressed && c.text === 'undertrykt') shownSuppressed += 1;
      else wrong.push(`${c.stat} ${year} shows «${c.text}»`);
    } else if (c.suppressed) wrong.push(`${c.stat} ${year} marked suppressed but the API gives ${JSON.stringify(cell)}`);
  }
}
console.log(`statistics of ${statMuni} ${statYears[0]}-${statYears[statYears.length - 1]}: ${cells.length} cells, ${apiSuppressed} suppressed by the API`);
check(apiSuppressed > 0, `API: the public statistics shown have suppressed cells (${apiSuppressed})`);
check(wrong.length === 0 && shownSuppressed === apiSuppressed, `every suppressed cell shows «undertrykt», never a number (${shownSuppressed}/${apiSuppressed})`, wrong.slice(0, 5).join('; '));
const chartLabel = await page.$eval('#stats svg[role=img]', (e) => e.getAttribute('aria-label'));
check(/undertrykt|\d/.test(chartLabel) && chartLabel.includes(String(statYears[0])), 'the chart has a text alternative giving the figures', chartLabel.slice(0, 200));

// Comparison, evidence, offers: content from the API.
const themes = await get('/api/v1/themes');
const theme = await page.$eval('#theme', (e) => e.value);
const cmp = await get(`/api/v1/compare?theme=${theme}`);
const cmpShown = await page.$$eval('#compare h3', (els) => els.map((e) => e.textContent.trim()));
const cmpEmpty = await page.$eval('#compare', (e) => e.querySelector('.compare-empty')?.textContent || '');
const withContent = cmp.municipalities.filter((m) => m.nodes.length || m.targets.length);
const cmpTargetsShown = await page.$$eval('#compare .target', (els) => els.map((e) => e.dataset.targetId));
const cmpTargets = cmp.municipalities.flatMap((m) => m.targets.map((x) => String(x.id)));
check(withContent.length >= 2 && JSON.stringify(cmpShown) === JSON.stringify(withContent.map((m) => m.municipality.name))
  && cmp.municipalities.filter((m) => !withContent.includes(m)).every((m) => cmpEmpty.includes(m.municipality.name))
  && JSON.stringify(cmpTargetsShown) === JSON.stringify(cmpTargets),
  `theme comparison «${theme}»: the API's ${withContent.length} municipalities with content and their ${cmpTargets.length} targets side by side, the rest named as without`,
  JSON.stringify({ cmpShown, cmpEmpty, cmpTargetsShown, cmpTargets }));
const themeOptions = await page.$$eval('#theme option', (els) => els.length);
check(themeOptions === themes.length, `every shared theme can be chosen (${themeOptions}/${themes.length})`);
const programmes = (await get('/api/v1/programmes?limit=500')).items;
const progText = await page.$eval('#programmes', (e) => e.textContent);
check(programmes.every((p) => progText.includes(p.name)), `the programme catalogue is shown (${programmes.length} programmes)`);
const offers = await get('/api/v1/offers?limit=100');
const offerNames = await page.$$eval('#offers tbody th', (els) => els.map((e) => e.textContent));
check(offers.items.every((o) => offerNames.some((n) => n.startsWith(o.name))) && offerNames.length === offers.items.length,
  `the offers market lists the API's ${offers.items.length} offers`);
const apiOffer = offers.items.find((o) => o.name === offerName);
const vacancyShown = await page.$$eval('#offers tbody tr', (rows, name) => {
  const row = rows.find((r) => r.querySelector('th').textContent.startsWith(name));
  const cell = row?.querySelector('td[data-vacant]');
  return cell ? { vacant: cell.dataset.vacant, text: cell.textContent } : null;
}, offerName);
check(apiOffer?.vacant_places === 4 && vacancyShown?.vacant === '4' && vacancyShown.text.startsWith('4 af 6'),
  `vacancy of an offer with 6 places and 2 booked today is shown as the API's ${apiOffer?.vacant_places} («${vacancyShown?.text}»)`);

// Accessibility basics: charts and stacked bars named, buttons named, inputs labelled, text contrast.
const a11y = await page.evaluate(() => {
  const problems = [];
  document.querySelectorAll('svg[role=img]').forEach((s) => {
    if (!(s.getAttribute('aria-label') || '').trim() && !s.querySelector('title')?.textContent.trim()) problems.push('svg without a name');
  });
  document.querySelectorAll('img').forEach((i) => { if (!i.hasAttribute('alt')) problems.push('img without alt'); });
  document.querySelectorAll('button').forEach((b) => { if (!b.textContent.trim() && !b.getAttribute('aria-label')) problems.push('button without a name'); });
  document.querySelectorAll('input, select').forEach((i) => {
    if (!(i.id && document.querySelector(`label[for="${i.id}"]`)) && !i.getAttribute('aria-label')) problems.push(`unlabelled ${i.tagName} ${i.id}`);
  });
  const landmarks = ['header', 'nav', 'main', 'footer'].filter((t) => !document.querySelector(t));
  if (landmarks.length) problems.push(`missing landmarks ${landmarks}`);
  if (!document.querySelector('h1')) problems.push('no h1');
  // Contrast of every text node's element against its effective background (WCAG 2 formula).
  const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const bgOf = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  let checked = 0;
  let worst = 21;
  const low = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!walker.currentNode.textContent.trim() || seen.has(el) || el.closest('svg') || !el.offsetParent) continue;
    if (el.closest('.sr-only')) continue;
    seen.add(el);
    const cs = getComputedStyle(el);
    const L1 = lum(rgb(cs.color).slice(0, 3));
    const L2 = lum(bgOf(el));
    const ratio = (Math.max(L1, L2) + 0.05) / (Math.min(L1, L2) + 0.05);
    const large = parseFloat(cs.fontSize) >= 24 || (parseFloat(cs.fontSize) >= 18.66 && Number(cs.fontWeight) >= 700);
    checked += 1;
    worst = Math.min(worst, ratio);
    if (ratio < (large ? 3 : 4.5)) low.push(`${el.tagName}.${el.className} «${el.textContent.trim().slice(0, 30)}» ${ratio.toFixed(2)}`);
  }
  return { problems, checked, worst: Math.round(worst * 100) / 100, low: low.slice(0, 10) };
});
check(a11y.problems.length === 0, 'charts, buttons and fields are named; landmarks and h1 present', a11y.problems.join('; '));
check(a11y.low.length === 0, `text contrast at least WCAG AA (${a11y.checked} elements, lowest ${a11y.worst}:1)`, a11y.low.join('; '));

// "Opgjort pr.": judging as of another date redraws the trees with the API's figures for that date.
const pastDate = '2016-12-31';
await page.fill('#as-of', pastDate);
await page.dispatchEvent('#as-of', 'change');
await page.waitForFunction((d) => [...document.querySelectorAll('time.as-of')].every((e) => e.getAttribute('datetime') === d), pastDate, { timeout: 15000 });
const pastById = new Map();
for (const m of SEEDED) for (const s of strategies[m]) {
  const tr = await get(`/api/v1/municipalities/${m}/strategies/${s.id}/tree?as_of=${pastDate}`);
  const w = (nodes) => nodes.forEach((n) => { n.targets.forEach((x) => pastById.set(String(x.id), x)); w(n.children); });
  w(tr.nodes);
}
const pastShown = await page.$$eval('#municipalities .target', (els) => els.map((e) => ({
  id: e.dataset.targetId, badge: e.querySelector('.badge').className, now: e.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') ?? null,
})));
const pastWrong = pastShown.filter((x) => {
  const a = pastById.get(x.id);
  // A key figure is never assessed: it carries «Nøgletal» where a target carries its assessment.
  const badge = a?.kind === 'key_figure' ? 'key-figure-badge' : `a-${a?.assessment}`;
  return !a || !x.badge.includes(badge) || (a.progress === null ? x.now !== null : Number(x.now) !== Math.round(a.progress));
});
const changedTargets = pastShown.filter((x) => { const a = pastById.get(x.id); const b = progressById.get(x.id); return a && b && (a.assessment !== b.assessment || a.progress !== b.progress); }).length;
check(pastShown.length > 0 && pastWrong.length === 0 && changedTargets > 0,
  `as of ${pastDate} every target's assessment and progress is the API's for that date (${pastShown.length} targets, ${changedTargets} differ from today)`, JSON.stringify(pastWrong.slice(0, 3)));
await page.fill('#as-of', '');
await page.dispatchEvent('#as-of', 'change');
await page.waitForFunction((d) => [...document.querySelectorAll('time.as-of')].every((e) => e.getAttribute('datetime') === d), Object.values(trees)[0].as_of);

// ETag: a refresh sends If-None-Match and gets 304 for an unchanged view.
const before = responses.length;
await page.click('#refresh');
await page.waitForFunction(() => !document.querySelector('[aria-busy=true]'));
await page.waitForTimeout(1500);
const polled = responses.slice(before).filter((r) => r.url.includes('/api/'));
const n304 = polled.filter((r) => r.status === 304 && r.inm).length;
check(n304 > 0, `refresh revalidates with If-None-Match (${n304} of ${polled.length} answered 304)`);

// Keyboard: Tab from the top reaches the API-key field and a strategy toggle, with a visible focus.
await page.goto(BASE, { waitUntil: 'load' });
await page.waitForSelector('.toggle');
let reachedKey = false;
let reachedToggle = null;
for (let i = 0; i < 80 && !(reachedKey && reachedToggle); i += 1) {
  await page.keyboard.press('Tab');
  const f = await page.evaluate(() => {
    const e = document.activeElement;
    const cs = getComputedStyle(e);
    return { id: e.id, cls: e.className, tag: e.tagName, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0, controls: e.getAttribute('aria-controls'), expanded: e.getAttribute('aria-expanded') };
  });
  if (f.id === 'api-key') reachedKey = true;
  if (f.cls === 'toggle' && !reachedToggle) reachedToggle = { ...f, tabs: i + 1 };
}
check(reachedKey, 'Tab reaches the API-key field');
check(!!reachedToggle, `Tab reaches a strategy toggle${reachedToggle ? ` (after ${reachedToggle.tabs} tabs)` : ''}`);
check(reachedToggle?.outline, 'the focused toggle shows a visible focus outline');
if (reachedToggle) {
  // A poll whose answers are all 304 redraws nothing: the focused toggle stays the same element.
  await page.evaluate(() => { window.__focused = document.activeElement; document.querySelector('#refresh').click(); });
  await page.waitForFunction(() => /Opdateret/.test(document.querySelector('#updated').textContent) && !document.querySelector('[aria-busy=true]'));
  await page.waitForTimeout(1000);
  const kept = await page.evaluate(() => document.activeElement === window.__focused && window.__focused.isConnected);
  check(kept, 'a refresh with unchanged data keeps the keyboard focus on the same toggle (nothing redrawn)');
  await page.keyboard.press('Enter');
  const after = await page.evaluate((id) => ({ expanded: document.querySelector(`[aria-controls="${id}"]`).getAttribute('aria-expanded'), hidden: document.getElementById(id).hidden }), reachedToggle.controls);
  check(after.expanded !== reachedToggle.expanded && after.hidden === (after.expanded === 'false'), `Enter on the toggle opens/closes its tree (aria-expanded ${reachedToggle.expanded} → ${after.expanded})`);
}

// Screenshots at a laptop's and a phone's size.
const shots = [];
async function shoot(name, full) {
  const file = path.join(OUT, name);
  await page.screenshot({ path: file, fullPage: full });
  shots.push(file);
}
await page.reload({ waitUntil: 'load' });
await page.waitForSelector('#stats table.stats-table', { timeout: 30000 });
await page.evaluate(() => window.scrollTo(0, 0));
await shoot('dashboard-1280x800.png', false);
await shoot('dashboard-1280x800-full.png', true);
await page.setViewportSize({ width: 390, height: 844 });
await page.waitForTimeout(300);
const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
check(overflow <= 1, `at 390 px the page does not scroll sideways (overflow ${overflow} px)`);
await shoot('dashboard-390x844.png', false);
await page.$eval('#anbringelser', (e) => e.scrollIntoView());
await shoot('dashboard-390x844-statistics.png', false);
await page.setViewportSize({ width: 1280, height: 800 });

// A refusal of the API is shown with its problem title and detail: a vacancy period ending before it starts.
phase = 'bad filter';
const badFilter = await fetch(new URL('/api/v1/offers?limit=100&vacant_from=2027-02-01&vacant_to=2027-01-01&vacant_places=1', API));
const badProblem = await badFilter.json();
await page.fill('#vac-from', '2027-02-01');
await page.fill('#vac-to', '2027-01-01');
await page.click('#offer-form button[type=submit]');
await page.waitForSelector('#offers .problem');
const problemText = await page.$eval('#offers .problem', (e) => e.textContent);
check(badFilter.status === 422 && problemText.includes(badProblem.title) && problemText.includes(badProblem.detail.replace(/^query\.vacant_to: /, '')),
  `an API refusal is shown with its problem («${problemText.slice(0, 120)}»)`);
await page.fill('#vac-from', '');
await page.fill('#vac-to', '');
await page.click('#offer-form button[type=submit]');
await page.waitForSelector('#offers table');

// A refused key: the page says why and still shows the public data.
phase = 'refused key';
await page.fill('#api-key', 'rtn_this-is-not-a-key');
await page.press('#api-key', 'Enter');
await page.waitForFunction(() => /afvist/.test(document.querySelector('#key-status').textContent));
const refused = await page.$eval('#key-status', (e) => e.textContent);
await page.waitForSelector('.strategy-title');
const stillThere = await page.$$eval('.strategy-title', (els) => els.length);
check(/afvist/.test(refused) && stillThere >= expectedTitles.length, `a refused key is reported («${refused.trim()}») and public data stays`);

// With vejle's key: the internal strategy and the member-only statistics appear.
phase = 'keys';
await page.fill('#api-key', KEY);
await page.press('#api-key', 'Enter');
await page.waitForFunction(() => /Vejle/.test(document.querySelector('#key-status').textContent));
await page.waitForFunction((t) => [...document.querySelectorAll('.strategy-title')].some((e) => e.textContent === t), internalTitle, { timeout: 15000 });
const internalTag = await page.$$eval('article.strategy', (els, t) => els.find((e) => e.querySelector('.strategy-title').textContent === t)?.querySelector('.tag.internal')?.textContent, internalTitle);
check(internalTag === 'Intern', `with vejle's key its internal strategy is shown, marked «${internalTag}»`);
const apiStale = await get(`/api/v1/municipalities/vejle/targets/${staleTarget.id}`, KEY);
const staleShown = await page.$eval(`.target[data-target-id="${staleTarget.id}"]`, (e) => ({
  stale: e.querySelector('.stale')?.textContent, now: e.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow'),
  trend: e.querySelector('.trend')?.textContent, badge: e.querySelector('.badge').textContent,
})).catch(() => null);
check(apiStale.stale === true && staleShown?.stale?.includes('Forældet') && Number(staleShown.now) === Math.round(apiStale.progress)
  && /ingen/.test(staleShown.trend) && staleShown.badge.trim().length > 0,
  `its stale target shows the stale marker, progress ${apiStale.progress} and no trend (${JSON.stringify(staleShown)})`);
await page.waitForFunction(() => document.querySelector('#stats table.stats-table')?.dataset.municipality === 'vejle' && document.querySelector('#stats .member-note'), null, { timeout: 30000 });
const memberCells = await page.$$eval('#stats td[data-stat=children]', (els) => els.map((e) => ({ year: Number(e.dataset.year), text: e.textContent.trim() })));
const sample = memberCells.find((c) => c.text !== '–');
let memberOk = false;
if (sample) {
  const st = await get(`/api/v1/municipalities/vejle/placements/statistics?year=${sample.year}`, KEY);
  const pub = await get(`/api/v1/municipalities/vejle/placements/statistics?year=${sample.year}`);
  memberOk = st.audience === 'member' && String(st.placements.children?.value) === sample.text.replace(/\./g, '') && pub.placements.children == null;
  console.log(`member figure: children placed in ${sample.year} = ${sample.text} (public view has no such figure: ${pub.placements.children == null})`);
}
check(memberOk, 'with the key a member-only figure (children placed in the year) is shown and equals the API', JSON.stringify(memberCells.slice(0, 3)));
const partnerText = await page.$eval('#partnerships', (e) => e.textContent);
check(!/API-nøgle øverst/.test(partnerText), 'with the key the partnerships panel reads the municipality\'s partnerships');
await page.$$eval('article.strategy', (els, t) => els.find((e) => e.querySelector('.strategy-title').textContent === t)?.closest('section').scrollIntoView(), internalTitle);
await shoot('dashboard-1280x800-vejle-key.png', false);

// With vordingborg's key: its partnership (host, programme, every partner and status) is shown.
await page.fill('#api-key', VKEY);
await page.press('#api-key', 'Enter');
await page.waitForFunction(() => /Vordingborg/.test(document.querySelector('#key-status').textContent));
await page.waitForSelector('#partnerships .partnership', { timeout: 15000 });
const ships = (await get('/api/v1/municipalities/vordingborg/partnerships', VKEY)).items;
const shipText = await page.$eval('#partnerships', (e) => e.textContent);
const shipWords = ships.flatMap((s) => [s.host.name, s.adoption.programme.name, ...s.partners.map((x) => x.municipality.name)]);
check(ships.length > 0 && shipWords.every((w) => shipText.includes(w)),
  `with vordingborg's key its ${ships.length} partnership(s) show host, programme and partners (${shipWords.slice(2).join(', ')})`,
  shipText.slice(0, 300));
const keyInUrl = requests.some((u) => u.includes(KEY) || u.includes(VKEY));
check(!keyInUrl, 'the key never appears in a URL');

// Every request stayed on 127.0.0.1; no console errors.
const foreign = requests.filter((u) => { const h = new URL(u); return !(h.protocol === 'data:' || h.hostname === '127.0.0.1'); });
check(foreign.length === 0, `all ${requests.length} requests went to 127.0.0.1`, foreign.slice(0, 5).join(', '));
// Chromium logs a refused request as a failed resource load: expected only for the refused key's 401
// and the 422 of the reversed vacancy period.
const expectedLoad = (e) => (e.phase === 'refused key' && /status of 401/.test(e.text)) || (e.phase === 'bad filter' && /status of 422/.test(e.text));
const unexpected = consoleErrors.filter((e) => !expectedLoad(e));
check(unexpected.length === 0, `no console errors (${consoleErrors.length - unexpected.length} expected load messages: the refused key's 401, the reversed period's 422)`,
  unexpected.slice(0, 5).map((e) => `[${e.phase}] ${e.text}`).join(' | '));

await browser.close();
for (const f of shots) console.log(`screenshot ${f} ${statSync(f).size} bytes`);
console.log(`${passed.length} checks passed, ${failures.length} failed`);
if (failures.length) {
  console.log(failures.map((f) => `  - ${f}`).join('\n'));
  process.exit(1);
}
