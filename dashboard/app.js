// Retning's reference dashboard: plain ES module, no build step, no network but this server.
// Reads only the documented API (/api/v1/...) with relative URLs; an API key, when given, is kept
// in sessionStorage and sent as `Authorization: Bearer <key>`.

const KEY_STORE = 'retning.apiKey';
const POLL_MS = 60_000;

const ASSESSMENTS = {
  achieved: 'Opnået',
  likely: 'Sandsynligt',
  uncertain: 'Usikkert',
  unlikely: 'Usandsynligt',
  not_achieved: 'Ikke opnået',
  not_assessed: 'Ikke vurderet',
};
const TRENDS = {
  positive: ['↗', 'positiv'],
  unchanged: ['→', 'uændret'],
  negative: ['↘', 'negativ'],
};
const DIRECTIONS = { increase: 'skal op', decrease: 'skal ned', keep: 'skal holdes' };
const INITIATIVE_STATUS = {
  not_started: 'Ikke startet', started: 'Startet', done: 'Gennemført', delayed: 'Forsinket', cancelled: 'Aflyst',
};
const FREQUENCIES = {
  monthly: 'månedligt', quarterly: 'kvartalsvist', half_yearly: 'halvårligt', annual: 'årligt', irregular: 'uregelmæssigt',
};
const OFFER_TYPES = {
  residential_institution: 'Døgninstitution', residential_home: 'Opholdssted', foster_family: 'Plejefamilie',
  relief_care: 'Aflastning', home_based: 'Hjemmebaseret', other: 'Andet',
};
const OFFER_STATUS = { draft: 'Kladde', open: 'Åben', closed: 'Lukket' };
const PARTNER_STATUS = { invited: 'Inviteret', accepted: 'Accepteret', declined: 'Afslået' };
const ADOPTION_STATUS = { planned: 'Planlagt', active: 'Aktiv', paused: 'Sat på pause', ended: 'Afsluttet' };
const RATE_PERIOD = { day: 'døgn', month: 'måned' };

// ---------------------------------------------------------------- small DOM helpers

const $ = (sel) => document.querySelector(sel);

/** h('p', {class: 'x'}, 'text', child) — text is always set as text, never parsed as HTML. */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}
function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const SVG_NS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  return append(el, children);
}
function fill(el, ...children) {
  el.replaceChildren();
  el.removeAttribute('aria-busy');
  return append(el, children);
}
const srOnly = (text) => h('span', { class: 'sr-only' }, text);

const nf = (digits) => new Intl.NumberFormat('da-DK', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const NF0 = nf(0);
const NF1 = nf(1);
const NF2 = nf(2);
function num(v, unit) {
  if (v === null || v === undefined) return '–';
  switch (unit) {
    case 'percent': return `${NF1.format(v)} %`;
    case 'dkk': return `${NF0.format(v)} kr.`;
    case 'ratio': return NF2.format(v);
    case 'days': return `${NF1.format(v)} ${v === 1 ? 'dag' : 'dage'}`;
    case 'months': return `${NF1.format(v)} ${v === 1 ? 'måned' : 'måneder'}`;
    default: return Number.isInteger(v) ? NF0.format(v) : NF1.format(v);
  }
}
function date(d) {
  if (!d) return '–';
  const [y, m, day] = d.slice(0, 10).split('-');
  return `${Number(day)}.${Number(m)}.${y}`;
}

// ---------------------------------------------------------------- API access

class ApiError extends Error {
  constructor(status, problem, url) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.url = url;
  }
}

const etagCache = new Map(); // credential + url -> { etag, data }
let requestCount = 0;

function apiKey() {
  try { return sessionStorage.getItem(KEY_STORE) || ''; } catch { return ''; }
}

/** GET a JSON resource; sends If-None-Match when an ETag is known and reuses the body on 304. */
async function api(path, params) {
  const url = params ? `${path}?${new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== null && v !== undefined))}` : path;
  const key = apiKey();
  const headers = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  const cacheKey = `${key ? key.slice(-8) : '-'} ${url}`;
  const cached = etagCache.get(cacheKey);
  if (cached) headers['If-None-Match'] = cached.etag;
  let res;
  try {
    requestCount += 1;
    res = await fetch(url, { headers, cache: 'no-store' });
  } catch (e) {
    throw new ApiError(0, { title: 'Serveren svarer ikke', detail: `${url}: ${e.message}` }, url);
  }
  if (res.status === 304 && cached) return cached.data;
  if (!res.ok) {
    let problem = null;
    try { problem = await res.json(); } catch { /* not JSON */ }
    throw new ApiError(res.status, problem, url);
  }
  const data = await res.json();
  const etag = res.headers.get('ETag');
  if (etag) etagCache.set(cacheKey, { etag, data });
  return data;
}

/** Every page of a list (the lists here are small; `limit` keeps it to one request). */
async function apiList(path, params = {}) {
  const items = [];
  let cursor = null;
  for (let i = 0; i < 20; i += 1) {
    const page = await api(path, { limit: 500, ...params, cursor });
    // One page: hand back its own array, so an unchanged answer (304) is the same object.
    if (i === 0 && !page.next_cursor) return page.items;
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return items;
}

/** Runs `fn` over `items` with at most `n` requests in flight. */
async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  return out;
}

function problemBox(err, what) {
  const p = err.problem || {};
  const box = h('div', { class: 'problem', role: 'alert' },
    h('p', {}, h('strong', {}, `${what}: ${p.title || err.message}`), p.status || err.status ? ` (${p.status || err.status})` : ''),
    p.detail ? h('p', {}, p.detail) : null,
    p.errors?.length && !(p.errors.length === 1 && p.detail?.startsWith(`${p.errors[0].field}:`))
      ? h('ul', {}, p.errors.map((e) => h('li', {}, `${e.field}: ${e.message || e.code}`))) : null,
    p.request_id ? h('p', { class: 'muted' }, `Forespørgsels-id: ${p.request_id}`) : null);
  return box;
}
function reportError(el, err, what) {
  console.warn(what, err); // a warning, not an error: the page shows it
  if (el) fill(el, problemBox(err, what));
  else $('#errors').append(problemBox(err, what));
}

// ---------------------------------------------------------------- state

// What each panel was last drawn from: a poll whose answers were all 304 (same objects) redraws
// nothing, so focus and scroll position stay where the reader left them.
const drawnFrom = new Map();
function unchanged(panel, refs) {
  const prev = drawnFrom.get(panel);
  drawnFrom.set(panel, refs);
  return !!prev && prev.length === refs.length && prev.every((r, i) => r === refs[i]);
}

const state = {
  me: null,
  municipalities: [],
  strategies: new Map(), // slug -> StrategyView[]
  trees: new Map(), // strategy id -> StrategyTree
  expanded: new Set(), // strategy ids whose tree is open
  touched: new Set(), // strategy ids toggled by the user
  overview: null,
  themes: [],
  asOf: '',
};
const muniName = (slug) => state.municipalities.find((m) => m.slug === slug)?.name || slug;

// ---------------------------------------------------------------- targets

function assessmentBadge(a) {
  return h('span', { class: `badge a-${a}` }, h('span', { class: 'dot', 'aria-hidden': 'true' }), ASSESSMENTS[a] || a);
}

function progressBar(t) {
  if (t.progress === null || t.progress === undefined) {
    return h('p', { class: 'progress-none' }, 'Fremdrift: ikke beregnet');
  }
  const pct = Math.round(t.progress);
  const label = `${NF0.format(pct)} %`;
  // Set through the CSSOM: the server's content security policy refuses style attributes.
  const bar = h('span', { class: 'bar' });
  bar.style.width = `${Math.max(0, Math.min(100, t.progress))}%`;
  return h('div', { class: 'progress-row' },
    h('span', { class: 'progress-label' }, 'Fremdrift'),
    h('div', {
      class: `progress a-${t.assessment}`, role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': pct, 'aria-valuetext': `${label} af vejen fra udgangspunkt til mål`, 'aria-label': `Fremdrift for ${t.title}`,
    }, bar),
    h('span', { class: 'progress-value', 'aria-hidden': 'true' }, label));
}
function trendMark(trend) {
  if (!trend) return h('span', { class: 'trend muted' }, h('span', { 'aria-hidden': 'true' }, '·'), srOnly('Tendens: ingen (under to målinger)'));
  const [arrow, word] = TRENDS[trend];
  return h('span', { class: `trend t-${trend}`, title: `Tendens: ${word}` },
    h('span', { 'aria-hidden': 'true' }, arrow), ` ${word}`, srOnly(' tendens'));
}

function targetView(t, extra) {
  const u = t.unit;
  const latest = t.latest
    ? [num(t.latest.value, u), ` pr. ${date(t.latest.date)}`, t.latest.computed ? ' (beregnet)' : '']
    : ['ingen måling'];
  const keyFigure = t.kind === 'key_figure';
  return h('article', { class: `target${keyFigure ? ' key-figure' : ''}`, dataset: { targetId: t.id, kind: t.kind } },
    h('h5', { class: 'target-title' }, t.title),
    extra,
    h('div', { class: 'target-meta' },
      keyFigure ? h('span', { class: 'badge key-figure-badge', title: 'Et tal der følges uden et mål' }, 'Nøgletal') : assessmentBadge(t.assessment),
      ' ', trendMark(t.trend),
      t.stale ? h('span', { class: 'stale', title: 'Der mangler en måling efter målingsfrekvensen' }, '⚠ Forældet') : null),
    keyFigure ? null : progressBar(t),
    h('dl', { class: 'facts' },
      h('dt', {}, 'Indikator'), h('dd', {}, `${t.indicator} (${DIRECTIONS[t.direction] || t.direction}, ${FREQUENCIES[t.frequency] || t.frequency})`),
      h('dt', {}, 'Seneste'), h('dd', {}, latest),
      h('dt', {}, 'Udgangspunkt'), h('dd', {}, t.baseline_value === null ? '–' : [num(t.baseline_value, u), t.baseline_date ? ` (${date(t.baseline_date)})` : '']),
      h('dt', {}, 'Mål'), h('dd', {}, t.target_value === null ? '–' : [num(t.target_value, u), t.deadline ? ` senest ${date(t.deadline)}` : ''])));
}

// ---------------------------------------------------------------- overview

function stackedBar(row) {
  const total = row.targets || 0;
  const w = 140;
  const parts = Object.keys(ASSESSMENTS).map((a) => [a, row.by_assessment[a] || 0]);
  const text = parts.filter(([, n]) => n).map(([a, n]) => `${ASSESSMENTS[a]}: ${n}`).join(', ') || 'ingen mål';
  const svg = s('svg', { viewBox: `0 0 ${w} 14`, width: w, height: 14, role: 'img', 'aria-label': `${row.municipality.name}: ${text}`, class: 'stack' },
    s('title', {}, `${row.municipality.name}: ${text}`));
  let x = 0;
  if (!total) svg.append(s('rect', { x: 0, y: 0, width: w, height: 14, class: 'empty' }));
  for (const [a, n] of parts) {
    if (!n) continue;
    const width = (n / total) * w;
    svg.append(s('rect', { x, y: 0, width, height: 14, class: `f-${a}` }));
    x += width;
  }
  return svg;
}

function renderOverview() {
  const el = $('#overview');
  const ov = state.overview;
  if (!ov) return;
  const rows = ov.municipalities.filter((r) => r.strategies > 0);
  const none = ov.municipalities.filter((r) => r.strategies === 0);
  fill(el,
    h('p', { class: 'muted' }, `Opgjort pr. ${date(ov.as_of)}. Offentlige strategier${state.me?.municipality ? ' og egne interne' : ''}.`),
    h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Overbliktabel' },
      h('table', { class: 'overview-table' },
        h('caption', { class: 'sr-only' }, 'Mål pr. vurdering for hver kommune'),
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, 'Kommune'), h('th', { scope: 'col' }, 'Strategier'), h('th', { scope: 'col' }, 'Mål'),
          Object.keys(ASSESSMENTS).map((a) => h('th', { scope: 'col' }, assessmentBadge(a))),
          h('th', { scope: 'col' }, 'Forældede'))),
        h('tbody', {}, rows.map((r) => h('tr', {},
          h('th', { scope: 'row' }, r.municipality.name, h('span', { class: 'block' }, stackedBar(r))),
          h('td', { class: 'n' }, r.strategies), h('td', { class: 'n' }, r.targets),
          Object.keys(ASSESSMENTS).map((a) => h('td', { class: 'n' }, r.by_assessment[a] ?? 0)),
          h('td', { class: 'n' }, r.stale)))))),
    none.length ? h('p', { class: 'muted' }, `Uden strategi: ${none.map((r) => r.municipality.name).join(', ')}.`) : null);
}

// ---------------------------------------------------------------- strategies and trees

function renderNodes(nodes, strategy, depth) {
  if (!nodes?.length) return null;
  return h('ul', { class: depth === 0 ? 'tree' : 'subtree' }, nodes.map((n) => {
    const level = strategy.level_names.indexOf(n.kind);
    return h('li', { class: 'node', dataset: { kind: n.kind } },
      h('div', { class: 'node-head' },
        h('span', { class: `kind k${level < 0 ? 'x' : level % 6}` }, n.kind),
        ' ',
        h('span', { class: 'node-title' }, n.code ? `${n.code} ` : '', n.title)),
      n.body ? h('details', { class: 'body' }, h('summary', {}, 'Tekst'), h('p', {}, n.body)) : null,
      n.targets.length ? h('div', { class: 'targets' }, n.targets.map((t) => targetView(t))) : null,
      n.initiatives?.length ? initiativesView(n.initiatives) : null,
      renderNodes(n.children, strategy, depth + 1));
  }));
}

function initiativesView(list) {
  return h('div', { class: 'initiatives' },
    h('h5', { class: 'initiatives-title' }, 'Handlinger'),
    h('ul', {}, list.map((i) => {
      const planned = i.planned_start || i.planned_end ? `planlagt ${date(i.planned_start)} – ${date(i.planned_end)}` : 'ingen planlagte datoer';
      return h('li', { class: 'initiative', dataset: { initiativeId: i.id, status: i.status } },
        h('span', { class: 'initiative-title' }, i.title), ' ',
        h('span', { class: `tag st-${i.status}` }, INITIATIVE_STATUS[i.status] || i.status),
        i.overdue ? h('span', { class: 'stale', title: 'Planlagt slut er passeret, og handlingen er hverken gennemført eller aflyst' }, '⚠ Overskredet') : null,
        h('span', { class: 'initiative-meta' },
          ` ${planned}`, i.owner_unit ? ` · ${i.owner_unit.name}` : '',
          i.latest_update ? ` · opfølgning ${date(i.latest_update.date)}${i.latest_update.note ? `: ${i.latest_update.note}` : ''}` : ''));
    })));
}

function kindCounts(tree) {
  const byKind = tree.counts.nodes_by_kind || {};
  const names = [...tree.strategy.level_names, ...Object.keys(byKind).filter((k) => !tree.strategy.level_names.includes(k))];
  return names.filter((k) => byKind[k]).map((k) => `${byKind[k]} ${k}`).join(', ');
}

function strategyCard(st) {
  const tree = state.trees.get(st.id);
  const open = state.expanded.has(st.id);
  const treeId = `tree-${st.id}`;
  const toggle = h('button', {
    type: 'button', class: 'toggle', 'aria-expanded': open ? 'true' : 'false', 'aria-controls': treeId,
    onclick: () => {
      state.touched.add(st.id);
      if (state.expanded.has(st.id)) state.expanded.delete(st.id); else state.expanded.add(st.id);
      const now = state.expanded.has(st.id);
      toggle.setAttribute('aria-expanded', String(now));
      toggle.lastChild.textContent = now ? 'Skjul strategitræ' : 'Vis strategitræ';
      $(`#${treeId}`).hidden = !now;
    },
  }, h('span', { 'aria-hidden': 'true', class: 'chev' }), open ? 'Skjul strategitræ' : 'Vis strategitræ');
  const period = st.period_start || st.period_end ? `${date(st.period_start)} – ${date(st.period_end)}` : 'Periode ikke angivet';
  return h('article', { class: 'strategy', dataset: { strategyId: st.id } },
    h('h4', { class: 'strategy-title' }, st.title),
    h('p', { class: 'strategy-meta' },
      st.visibility === 'internal' ? h('span', { class: 'tag internal' }, 'Intern') : null,
      st.status === 'archived' ? h('span', { class: 'tag' }, 'Arkiveret') : null,
      period, st.adopted_by ? ` · vedtaget af ${st.adopted_by}${st.adopted_on ? ` ${date(st.adopted_on)}` : ''}` : ''),
    st.summary ? h('p', { class: 'summary' }, st.summary) : null,
    tree?.lineage?.length ? h('p', { class: 'lineage' }, 'Bygger på: ',
      tree.lineage.map((l, i) => [i ? ' ← ' : '', h('span', { class: 'lineage-title' }, l.title),
        l.period_start || l.period_end ? ` (${date(l.period_start)} – ${date(l.period_end)})` : ''])) : null,
    st.follow_up_recipients?.length ? h('p', { class: 'recipients' }, `Følges op over for: ${st.follow_up_recipients.join(', ')}`) : null,
    h('div', { class: 'levels' },
      h('span', { class: 'levels-label', id: `lv-${st.id}` }, 'Niveauer:'),
      h('ol', { class: 'level-names', 'aria-labelledby': `lv-${st.id}` },
        st.level_names.map((n, i) => h('li', {}, h('span', { class: `kind k${i % 6}` }, n))))),
    tree ? h('p', { class: 'counts' }, `${tree.counts.nodes} ${tree.counts.nodes === 1 ? 'punkt' : 'punkter'}${tree.counts.nodes ? ` (${kindCounts(tree)})` : ''}, ${tree.counts.targets} mål og nøgletal, ${tree.counts.initiatives ?? 0} ${tree.counts.initiatives === 1 ? 'handling' : 'handlinger'} · opgjort pr. `,
      h('time', { datetime: tree.as_of, class: 'as-of' }, date(tree.as_of))) : null,
    toggle,
    h('div', { id: treeId, class: 'tree-wrap', hidden: !open },
      tree ? (renderNodes(tree.nodes, tree.strategy, 0) || h('p', { class: 'muted' }, 'Strategien har ingen punkter.'))
        : h('p', { class: 'muted' }, 'Henter træet …')));
}

function renderMunicipalities() {
  const el = $('#municipalities');
  const munis = [...state.municipalities].sort((a, b) => {
    const sa = (state.strategies.get(a.slug) || []).length ? 0 : 1;
    const sb = (state.strategies.get(b.slug) || []).length ? 0 : 1;
    return sa - sb || a.name.localeCompare(b.name, 'da');
  });
  const withStrategy = munis.filter((m) => (state.strategies.get(m.slug) || []).length || m.slug === state.me?.municipality);
  const without = munis.filter((m) => !withStrategy.includes(m));
  fill(el,
    withStrategy.map((m) => {
      const list = state.strategies.get(m.slug);
      return h('section', { class: 'muni', 'aria-labelledby': `m-${m.slug}`, dataset: { municipality: m.slug } },
        h('h3', { id: `m-${m.slug}` }, m.name),
        h('p', { class: 'muted' }, `${m.region} · kommunekode ${m.code}`),
        list instanceof Error ? problemBox(list, 'Strategierne kunne ikke hentes')
          : list?.length ? list.map(strategyCard) : h('p', { class: 'muted' }, 'Ingen strategi registreret.'));
    }),
    without.length ? h('section', { class: 'muni partners', 'aria-labelledby': 'm-partners' },
      h('h3', { id: 'm-partners' }, 'Samarbejdskommuner uden strategi'),
      h('ul', {}, without.map((m) => h('li', {}, `${m.name} (${m.region})`)))) : null);
}

async function loadStrategies() {
  await pool(state.municipalities, 4, async (m) => {
    try {
      state.strategies.set(m.slug, await apiList(`/api/v1/municipalities/${m.slug}/strategies`));
    } catch (e) {
      console.warn(e);
      state.strategies.set(m.slug, e);
    }
  });
  const all = [...state.strategies.values()].filter(Array.isArray).flat();
  await pool(all, 4, async (st) => {
    try {
      const tree = await api(`/api/v1/municipalities/${st.municipality}/strategies/${st.id}/tree`, { as_of: state.asOf });
      state.trees.set(st.id, tree);
      // Open the trees that carry targets, unless the user has chosen.
      if (!state.touched.has(st.id) && tree.counts.targets > 0) state.expanded.add(st.id);
    } catch (e) {
      reportError(null, e, `Strategitræet «${st.title}» kunne ikke hentes`);
    }
  });
  const refs = [...state.municipalities.flatMap((m) => [state.strategies.get(m.slug)]), ...all.map((st) => state.trees.get(st.id))];
  if (unchanged('municipalities', refs)) return;
  // Keep the keyboard focus on the same strategy's toggle across a redraw.
  const focused = document.activeElement?.closest?.('.strategy')?.dataset.strategyId;
  renderMunicipalities();
  if (focused) document.querySelector(`.strategy[data-strategy-id="${focused}"] .toggle`)?.focus();
}

// ---------------------------------------------------------------- themes and comparison

function renderThemeSelect() {
  const sel = $('#theme');
  const prev = sel.value;
  const pej = state.themes.filter((t) => t.kind === 'pejlemaerke');
  const opts = [];
  for (const p of pej) {
    opts.push(h('optgroup', { label: p.name },
      h('option', { value: p.slug }, `${p.name} (pejlemærke)`),
      state.themes.filter((t) => t.parent === p.slug).map((t) => h('option', { value: t.slug }, t.name))));
  }
  const rest = state.themes.filter((t) => t.kind !== 'pejlemaerke' && !pej.some((p) => p.slug === t.parent));
  if (rest.length) opts.push(h('optgroup', { label: 'Andre temaer' }, rest.map((t) => h('option', { value: t.slug }, t.name))));
  sel.replaceChildren(...opts);
  if (prev && state.themes.some((t) => t.slug === prev)) sel.value = prev;
  else {
    // Start on a theme that carries targets in several municipalities, when we know one.
    const preferred = state.themes.find((t) => t.slug === 'placement-pattern') || state.themes[0];
    if (preferred) sel.value = preferred.slug;
  }
}

async function loadCompare() {
  const el = $('#compare');
  const theme = $('#theme').value;
  if (!theme) return;
  try {
    const c = await api('/api/v1/compare', { theme, as_of: state.asOf });
    if (unchanged('compare', [c])) return;
    const t = c.theme;
    const withContent = c.municipalities.filter((m) => m.nodes.length || m.targets.length);
    const empty = c.municipalities.filter((m) => !m.nodes.length && !m.targets.length);
    fill(el,
      h('p', {}, h('strong', {}, t.name), t.description ? ` – ${t.description}` : '', h('span', { class: 'muted' }, ` Opgjort pr. ${date(c.as_of)}.`)),
      empty.length ? h('p', { class: 'muted compare-empty' }, `Intet på dette tema: ${empty.map((m) => m.municipality.name).join(', ')}.`) : null,
      h('div', { class: 'compare-grid' }, withContent.map((m) => h('section', { class: 'compare-muni', 'aria-labelledby': `c-${m.municipality.slug}` },
        h('h3', { id: `c-${m.municipality.slug}` }, m.municipality.name),
        m.nodes.length ? h('ul', { class: 'compare-nodes' }, m.nodes.map((n) => h('li', {},
          h('span', { class: 'kind' }, n.kind), ' ', n.title, h('span', { class: 'muted' }, ` (${n.strategy_title})`)))) : null,
        m.targets.map((tg) => targetView(tg, h('p', { class: 'muted small' }, tg.strategy_title)))))));
  } catch (e) {
    drawnFrom.delete('compare');
    reportError(el, e, 'Sammenligningen kunne ikke hentes');
  }
}

// ---------------------------------------------------------------- placement statistics

const isSuppressed = (cell) => !!cell && cell.suppressed === true;
function statCell(cell, unit, name, year) {
  const attrs = { class: 'n', dataset: { stat: name, year } };
  if (!cell) return h('td', attrs, '–');
  if (isSuppressed(cell)) {
    attrs.class = 'n suppressed';
    attrs.dataset.suppressed = 'true';
    return h('td', attrs, h('span', { title: 'Undertrykt: hviler på færre end fem børn' }, 'undertrykt'));
  }
  return h('td', attrs, cell.value === null || cell.value === undefined ? '–' : num(cell.value, unit));
}
const cellText = (cell, unit) => (isSuppressed(cell) ? 'undertrykt' : cell?.value === null || cell?.value === undefined ? 'intet tal' : num(cell.value, unit));

function barChart(title, rows, unit) {
  // rows: [{label, cell}] — a suppressed cell is drawn as a marked gap, never as a zero bar.
  const W = 640;
  const H = 240;
  const m = { l: 44, r: 8, t: 12, b: 28 };
  const values = rows.map((r) => (isSuppressed(r.cell) ? null : r.cell?.value)).filter((v) => typeof v === 'number');
  const max = Math.max(1, ...values) * 1.1;
  const step = niceStep(max / 4);
  const top = Math.ceil(max / step) * step;
  const y = (v) => m.t + (H - m.t - m.b) * (1 - v / top);
  const bw = (W - m.l - m.r) / rows.length;
  const desc = rows.map((r) => `${r.label}: ${cellText(r.cell, unit)}`).join('; ');
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': `${title}. ${desc}` },
    s('title', {}, title), s('desc', {}, desc));
  for (let v = 0; v <= top + 1e-9; v += step) {
    svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: m.l - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, NF0.format(v)));
  }
  rows.forEach((r, i) => {
    const x = m.l + i * bw;
    const cx = x + bw / 2;
    const g = s('g', { class: 'bar-g' });
    if (isSuppressed(r.cell)) {
      g.append(s('rect', { x: x + bw * 0.15, y: m.t, width: bw * 0.7, height: H - m.t - m.b, class: 'bar-suppressed' }),
        s('text', { x: cx, y: (H - m.b + m.t) / 2, class: 'axis small', 'text-anchor': 'middle', transform: `rotate(-90 ${cx} ${(H - m.b + m.t) / 2})` }, 'undertrykt'));
    } else if (typeof r.cell?.value === 'number') {
      g.append(s('rect', { x: x + bw * 0.15, y: y(r.cell.value), width: bw * 0.7, height: y(0) - y(r.cell.value), class: 'bar-v' }));
    }
    g.append(s('title', {}, `${r.label}: ${cellText(r.cell, unit)}`));
    svg.append(g);
    if (rows.length <= 12 || i % 2 === 0) svg.append(s('text', { x: cx, y: H - m.b + 16, class: 'axis', 'text-anchor': 'middle' }, r.label));
  });
  svg.append(s('line', { x1: m.l, x2: W - m.r, y1: y(0), y2: y(0), class: 'base' }));
  return svg;
}
function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  for (const f of [1, 2, 2.5, 5, 10]) if (f * p >= raw) return f * p;
  return 10 * p;
}

let statsToken = 0;
async function loadStats() {
  const el = $('#stats');
  const slug = $('#stat-muni').value;
  if (!slug) return;
  const token = (statsToken += 1);
  fill(el, h('p', { class: 'muted' }, 'Henter statistik …'));
  el.setAttribute('aria-busy', 'true');
  try {
    // One request finds the years with placements: month ends over the last 20 years.
    const now = new Date();
    const lastYear = now.getUTCFullYear() - 1;
    const monthly = await api(`/api/v1/municipalities/${slug}/placements/statistics/monthly`,
      { from: `${lastYear - 19}-01-01`, to: `${lastYear}-12-01` });
    const years = new Set();
    let suppressedMonths = 0;
    for (const mo of monthly.months) {
      if ((mo.placed_on_date?.value ?? 0) > 0) years.add(Number(mo.month.slice(0, 4)));
      if (isSuppressed(mo.placed_on_date)) suppressedMonths += 1;
    }
    const ys = [...years].sort((a, b) => a - b);
    const range = [];
    if (ys.length) for (let yv = ys[0]; yv <= ys[ys.length - 1]; yv += 1) range.push(yv);
    if (token !== statsToken) return;
    if (!range.length) {
      fill(el, h('p', {}, suppressedMonths === monthly.months.length
        ? `Alle månedstal for ${muniName(slug)} ${lastYear - 19}–${lastYear} er undertrykt (færre end fem børn) eller uden anbringelser.`
        : `${muniName(slug)} har ingen registrerede anbringelser i årene ${lastYear - 19}–${lastYear}.`));
      return;
    }
    const stats = await pool(range, 4, (yv) => api(`/api/v1/municipalities/${slug}/placements/statistics`, { year: yv }));
    if (token !== statsToken) return;
    renderStats(el, slug, range, stats);
  } catch (e) {
    if (token === statsToken) reportError(el, e, 'Statistikken kunne ikke hentes');
  }
}

function renderStats(el, slug, years, stats) {
  const member = stats.some((x) => x.audience === 'member');
  const synthetic = stats.some((x) => x.synthetic);
  const name = muniName(slug);
  const cols = [
    ['full_year_placements', 'Helårsanbringelser', (x) => x.placements.full_year_placements, 'count'],
    ['placed_on_date', 'Anbragt 31.12.', (x) => x.placements.placed_on_date, 'count'],
    ['new', 'Nye', (x) => x.placements.new, 'count'],
    ['ended', 'Ophørte', (x) => x.placements.ended, 'count'],
    ['foster_family_share', 'Andel i familiepleje', (x) => x.placements.foster_family_share, 'percent'],
    ['network_share', 'Andel i netværkspleje', (x) => x.placements.network_share, 'percent'],
    ['average_days', 'Gns. varighed (dage)', (x) => x.placements.duration.average_days, 'count'],
    ['support_evidence_share', 'Forebyggende med evidens', (x) => x.support.evidence_share, 'percent'],
  ];
  if (member) cols.splice(2, 0, ['children', 'Børn anbragt i året (kun medlemmer)', (x) => x.placements.children, 'count']);
  const kinds = new Map();
  stats.forEach((x) => x.placements.by_kind.forEach((k) => kinds.set(k.kind, k.label)));
  fill(el,
    member ? h('p', { class: 'member-note' }, `Medlemsvisning: præcise tal for ${name}s egne brugere.`) : null,
    synthetic ? h('p', { class: 'synthetic-note' }, 'Tallene indeholder syntetiske demodata.') : null,
    h('figure', { class: 'chart-fig' },
      h('div', { class: 'scroll chart-scroll', tabindex: 0, role: 'group', 'aria-label': 'Diagram, kan rulles vandret' }, barChart(`Helårsanbringelser i ${name} ${years[0]}–${years[years.length - 1]}`,
        years.map((yv, i) => ({ label: String(yv), cell: stats[i].placements.full_year_placements })), 'count')),
      h('figcaption', {}, `Helårsanbringelser pr. år i ${name}. Tallene står også i tabellen herunder.`)),
    h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': `Anbringelsestal for ${name} pr. år` },
      h('table', { class: 'stats-table', dataset: { municipality: slug } },
        h('caption', {}, `Anbringelser i ${name} pr. kalenderår (${member ? 'præcise tal' : 'offentlige tal'})`),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'År'), cols.map((c) => h('th', { scope: 'col' }, c[1])))),
        h('tbody', {}, years.map((yv, i) => h('tr', {}, h('th', { scope: 'row' }, String(yv)),
          cols.map(([key, , get, unit]) => statCell(get(stats[i]), unit, key, yv))))))),
    h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': `Helårsanbringelser pr. anbringelsestype for ${name}` },
      h('table', { class: 'stats-table kinds', dataset: { municipality: slug } },
        h('caption', {}, 'Helårsanbringelser pr. anbringelsestype'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Type'), years.map((yv) => h('th', { scope: 'col' }, String(yv))))),
        h('tbody', {}, [...kinds].map(([kind, label]) => h('tr', {}, h('th', { scope: 'row' }, label),
          years.map((yv, i) => statCell(stats[i].placements.by_kind.find((k) => k.kind === kind)?.full_year, 'count', `by_kind.${kind}.full_year`, yv))))))));
}

// ---------------------------------------------------------------- evidence

const CAPACITY_UNITS = { children: 'børn', families: 'familier' };
function adoptionsCell(list) {
  if (list instanceof Error) return problemBox(list, 'Kunne ikke hentes');
  if (!list.length) return h('span', { class: 'muted' }, 'ingen');
  return h('ul', { class: 'plain' }, list.map((a) => h('li', {},
    a.municipality.name, ` – ${ADOPTION_STATUS[a.status] || a.status}`,
    a.yearly_capacity !== null && a.yearly_capacity !== undefined
      ? `, ${NF0.format(a.yearly_capacity)} ${CAPACITY_UNITS[a.capacity_unit] || ''}`.trimEnd() : '')));
}

// Consecutive staircase steps as the catalogue states them: [4, 5] is "4–5".
function stepsLabel(steps) {
  if (!steps || steps.length === 0) return '–';
  return steps.length === 1 ? String(steps[0]) : `${steps[0]}–${steps[steps.length - 1]}`;
}

async function loadProgrammes() {
  const el = $('#programmes');
  try {
    const programmes = await apiList('/api/v1/programmes');
    const adoptions = await pool(programmes, 4, (p) => apiList(`/api/v1/programmes/${p.id}/adoptions`).catch((e) => e));
    const rows = programmes.map((p, i) => h('tr', {},
      h('th', { scope: 'row' }, p.name, h('span', { class: 'muted' }, ` (${p.short_name}${p.kind === 'method' ? ', metode' : ''})`),
        p.description ? h('div', { class: 'muted' }, p.description) : ''),
      h('td', {}, p.target_group || '–'),
      h('td', {}, p.age_min === null && p.age_max === null ? '–' : `${p.age_min ?? '?'}–${p.age_max ?? '?'} år`,
        p.age_note ? h('span', { class: 'muted' }, ` (${p.age_note})`) : ''),
      h('td', { class: 'n' }, stepsLabel(p.staircase_steps)),
      h('td', {}, adoptionsCell(adoptions[i]))));
    fill(el, h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Programkatalog' },
      h('table', {},
        h('caption', {}, 'Programkataloget og hvem der bruger programmerne'),
        h('thead', {}, h('tr', {}, ['Program', 'Målgruppe', 'Alder', 'Trin', 'Kommuner (status, kapacitet pr. år)'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows))));
  } catch (e) {
    reportError(el, e, 'Programkataloget kunne ikke hentes');
  }
}

async function loadPartnerships() {
  const el = $('#partnerships');
  const mine = state.me?.municipality;
  if (!mine) {
    fill(el, h('p', {}, 'Samarbejder om programmer er kun synlige for de deltagende kommuner. ',
      'Angiv en API-nøgle øverst for at se din kommunes samarbejder, delte kapaciteter og forbrug.'));
    return;
  }
  try {
    const list = await apiList(`/api/v1/municipalities/${mine}/partnerships`);
    fill(el, list.length ? list.map((p) => h('article', { class: 'partnership' },
      h('h4', {}, `${p.adoption.programme.name} hos ${p.host.name}`),
      h('p', { class: 'muted' }, `${muniName(mine)}s rolle: ${p.role === 'host' ? 'vært' : 'partner'} · `,
        p.period_start ? `${date(p.period_start)} – ${date(p.period_end)}` : 'periode ikke aftalt',
        p.adoption.yearly_capacity !== null && p.adoption.yearly_capacity !== undefined ? ` · værtens kapacitet ${p.adoption.yearly_capacity} pr. år` : ''),
      p.notes ? h('p', {}, p.notes) : null,
      h('ul', { class: 'plain' }, p.partners.map((pt) => h('li', {},
        `${pt.municipality.name}: ${PARTNER_STATUS[pt.status] || pt.status}`,
        pt.yearly_share !== null && pt.yearly_share !== undefined ? `, andel ${pt.yearly_share} pr. år` : ', andel ikke aftalt',
        pt.use?.length ? ` (henvist: ${pt.use.map((u) => `${u.year}: ${u.referred}${u.share !== null && u.share !== undefined ? ` af ${u.share}` : ''}${u.over_share ? `, ${u.over_share} ud over andelen` : ''}`).join('; ')})` : '')))))
      : h('p', {}, `${muniName(mine)} er ikke med i noget samarbejde.`));
  } catch (e) {
    reportError(el, e, 'Samarbejderne kunne ikke hentes');
  }
}

// ---------------------------------------------------------------- offers market

async function loadOffers() {
  const el = $('#offers');
  const from = $('#vac-from').value;
  const to = $('#vac-to').value;
  const places = $('#vac-places').value;
  const params = from && to ? { vacant_from: from, vacant_to: to, vacant_places: places || 1 } : {};
  try {
    const page = await api('/api/v1/offers', { limit: 100, ...params });
    if (unchanged('offers', [page])) return;
    const offers = page.items;
    fill(el,
      h('p', { class: 'muted' }, `${page.total} tilbud${from && to ? ` med mindst ${places || 1} ledige pladser hver dag ${date(from)}–${date(to)}` : ''}.`),
      offers.length ? h('div', { class: 'scroll', tabindex: 0, role: 'region', 'aria-label': 'Tilbud' },
        h('table', { class: 'offers' },
          h('caption', { class: 'sr-only' }, 'Tilbud med ledige pladser'),
          h('thead', {}, h('tr', {}, ['Tilbud', 'Udbyder', 'Type', 'Målgruppe', 'Alder', 'Pladser', 'Ledige', 'Takst', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, offers.map((o) => h('tr', {},
            h('th', { scope: 'row' }, o.name, o.provider_unit ? h('span', { class: 'muted block' }, o.provider_unit) : null),
            h('td', {}, o.provider.name),
            h('td', {}, OFFER_TYPES[o.offer_type] || o.offer_type),
            h('td', {}, o.target_groups.join(', ') || '–'),
            h('td', {}, o.age_min === null && o.age_max === null ? '–' : `${o.age_min ?? '?'}–${o.age_max ?? '?'} år`),
            h('td', { class: 'n' }, o.approved_places ?? 'ikke oplyst'),
            h('td', { class: 'n', dataset: { vacant: o.vacant_places ?? '' } }, o.vacant_places === null || o.vacant_places === undefined
              ? 'ukendt' : `${NF0.format(o.vacant_places)} af ${NF0.format(o.approved_places)} pr. ${date(o.vacancy_date)}`),
            h('td', { class: 'n' }, o.rate_dkk === null || o.rate_dkk === undefined ? 'ikke oplyst' : `${num(o.rate_dkk, 'dkk')} pr. ${RATE_PERIOD[o.rate_period] || o.rate_period}`),
            h('td', {}, OFFER_STATUS[o.status] || o.status)))))) : null);
  } catch (e) {
    drawnFrom.delete('offers');
    reportError(el, e, 'Tilbuddene kunne ikke hentes');
  }
}

// ---------------------------------------------------------------- API key

async function loadMe() {
  const status = $('#key-status');
  if (!apiKey()) {
    state.me = null;
    status.textContent = 'Offentlige data – ingen nøgle.';
    return;
  }
  try {
    state.me = await api('/api/v1/auth/me');
    const who = state.me.municipality ? muniName(state.me.municipality) : 'platformen';
    status.textContent = `Nøgle i brug: «${state.me.name}» for ${who}${state.me.scope ? ` (${state.me.scope === 'write' ? 'skriveadgang' : 'læseadgang'})` : ''}. Interne data vises.`;
  } catch (e) {
    state.me = null;
    try { sessionStorage.removeItem(KEY_STORE); } catch { /* ignore */ }
    status.textContent = `Nøglen blev afvist: ${e.problem?.title || e.message}${e.problem?.detail ? ` – ${e.problem.detail}` : ''}. Viser offentlige data.`;
    status.classList.add('bad');
  }
}

// ---------------------------------------------------------------- orchestration

function renderStatSelect() {
  const sel = $('#stat-muni');
  const prev = sel.value;
  sel.replaceChildren(...state.municipalities.map((m) => h('option', { value: m.slug }, m.name)));
  const wanted = state.me?.municipality || prev || 'vordingborg';
  sel.value = state.municipalities.some((m) => m.slug === wanted) ? wanted : state.municipalities[0]?.slug || '';
}

async function loadAll({ poll = false } = {}) {
  $('#errors').replaceChildren();
  const started = requestCount;
  try {
    if (!poll) await loadMe();
    const [munis, overview, themes] = await Promise.all([
      apiList('/api/v1/municipalities'),
      api('/api/v1/compare/overview', { as_of: state.asOf }).catch((e) => e),
      api('/api/v1/themes').catch((e) => e),
    ]);
    state.municipalities = munis;
    if (overview instanceof Error) {
      drawnFrom.delete('overview');
      reportError($('#overview'), overview, 'Overblikket kunne ikke hentes');
    }
    else if (!unchanged('overview', [overview])) { state.overview = overview; renderOverview(); }
    if (themes instanceof Error) reportError($('#compare'), themes, 'Temaerne kunne ikke hentes');
    else if (!poll) { state.themes = themes; renderThemeSelect(); }
    const jobs = [loadStrategies(), loadCompare(), loadOffers()];
    if (!poll) {
      renderStatSelect();
      jobs.push(loadStats(), loadProgrammes(), loadPartnerships());
    }
    await Promise.all(jobs);
    $('#updated').textContent = `Opdateret ${new Date().toLocaleTimeString('da-DK')} (${requestCount - started} forespørgsler)`;
  } catch (e) {
    reportError(null, e, 'Data kunne ikke hentes');
    for (const id of ['#overview', '#municipalities']) {
      const el = $(id);
      if (el.getAttribute('aria-busy') === 'true') fill(el, h('p', {}, 'Ingen data: se fejlen øverst.'));
    }
  }
}

function init() {
  $('#key-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const input = $('#api-key');
    const key = input.value.trim();
    input.value = '';
    $('#key-status').classList.remove('bad');
    if (!key) return;
    try { sessionStorage.setItem(KEY_STORE, key); } catch { /* storage off: nothing to keep */ }
    await loadAll();
  });
  $('#key-clear').addEventListener('click', async () => {
    try { sessionStorage.removeItem(KEY_STORE); } catch { /* ignore */ }
    $('#key-status').classList.remove('bad');
    state.strategies.clear();
    state.trees.clear();
    await loadAll();
  });
  $('#refresh').addEventListener('click', () => loadAll({ poll: true }));
  $('#as-of').addEventListener('change', (ev) => {
    state.asOf = ev.target.value;
    loadAll({ poll: true });
  });
  $('#theme').addEventListener('change', loadCompare);
  $('#stat-muni').addEventListener('change', loadStats);
  $('#offer-form').addEventListener('submit', (ev) => { ev.preventDefault(); loadOffers(); });
  loadAll();
  setInterval(() => { if (!document.hidden) loadAll({ poll: true }); }, POLL_MS);
}

init();
