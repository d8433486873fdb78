// harx report: renders the data embedded in the page. No network, no dependencies.
// Exposes window.__harx (counters the browser tests read).
(function () {
  'use strict';
  const T = (window.__harx = { errors: [], drawn: new Set(), entries: 0, failuresShown: 0, failedEntries: 0, ready: false });
  window.addEventListener('error', (e) => T.errors.push(String(e.message)));
  const D = JSON.parse(document.getElementById('harx-data').textContent);
  const PH = ['blocked', 'dns', 'connect', 'ssl', 'send', 'wait', 'receive'];
  const app = document.getElementById('app');

  // ---- small DOM helpers -------------------------------------------------------------
  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') n.className = v;
      else if (k === 'text') n.textContent = v;
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v);
    }
    for (const k of kids) if (k != null) n.append(k instanceof Node ? k : document.createTextNode(String(k)));
    return n;
  }
  const fmtMs = (v) => (v == null || v < 0 ? '–' : v >= 120000 ? (v / 60000).toFixed(1) + ' min' : v >= 1000 ? (v / 1000).toFixed(v >= 10000 ? 1 : 2) + ' s' : v.toFixed(1) + ' ms');
  const fmtBytes = (v) => (v == null || v < 0 ? '–' : v >= 1048576 ? (v / 1048576).toFixed(1) + ' MiB' : v >= 1024 ? (v / 1024).toFixed(1) + ' KiB' : v + ' B');
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  function table(headers, rows, numeric) {
    const t = el('table');
    const tr = el('tr');
    headers.forEach((h, i) => tr.append(el('th', { class: numeric && numeric[i] ? 'num' : '', scope: 'col', text: h })));
    t.append(el('thead', {}, tr));
    const tb = el('tbody');
    for (const r of rows) {
      const row = el('tr');
      r.forEach((c, i) => {
        const td = el('td', { class: numeric && numeric[i] ? 'num' : '' });
        if (c instanceof Node) td.append(c); else td.textContent = c == null ? '' : String(c);
        row.append(td);
      });
      tb.append(row);
    }
    t.append(tb);
    return t;
  }
  function legend() {
    return el('div', { class: 'legend', role: 'list', 'aria-label': 'Timing phases' },
      ...PH.map((p) => el('span', { role: 'listitem', style: `--c: var(--ph-${p})`, text: p === 'wait' ? 'wait (TTFB)' : p })));
  }
  function header(title, sub) {
    const btn = el('button', { type: 'button', 'aria-label': 'Switch light or dark theme', text: 'Theme' });
    btn.addEventListener('click', () => {
      const r = document.documentElement;
      const dark = r.dataset.theme ? r.dataset.theme === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches;
      r.dataset.theme = dark ? 'light' : 'dark';
      redrawAll();
    });
    app.append(el('header', {}, el('h1', { text: title }), el('span', { class: 'sub', text: sub }), btn));
  }
  const redraws = [];
  function redrawAll() { for (const f of redraws) f(); }

  // ---- histogram (SVG) ---------------------------------------------------------------
  function histogram(h, label) {
    const W = 520, H = 200, L = 44, B = 34;
    const max = Math.max(1, ...h.counts);
    const n = h.counts.length;
    const bw = (W - L - 8) / n;
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
    svg.style.width = '100%';
    svg.style.maxWidth = W + 'px';
    const ns = (t, a) => { const e = document.createElementNS(svg.namespaceURI, t); for (const k in a) e.setAttribute(k, a[k]); return e; };
    svg.append(ns('line', { x1: L, y1: H - B, x2: W - 4, y2: H - B, class: 'axis' }));
    h.counts.forEach((c, i) => {
      const bh = ((H - B - 10) * c) / max;
      const r = ns('rect', { x: L + i * bw + 1, y: H - B - bh, width: Math.max(1, bw - 2), height: bh, fill: 'var(--ph-wait)' });
      const t = ns('title', {}); t.textContent = `${h.labels[i]} ms: ${c}`; r.append(t);
      svg.append(r);
      const tx = ns('text', { x: L + i * bw + bw / 2, y: H - B + 14, 'text-anchor': 'middle' });
      tx.textContent = h.labels[i];
      svg.append(tx);
    });
    const yl = ns('text', { x: L - 6, y: 14, 'text-anchor': 'end' }); yl.textContent = String(max); svg.append(yl);
    const y0 = ns('text', { x: L - 6, y: H - B, 'text-anchor': 'end' }); y0.textContent = '0'; svg.append(y0);
    const xl = ns('text', { x: (W + L) / 2, y: H - 4, 'text-anchor': 'middle' }); xl.textContent = 'TTFB (ms, bin lower bound)'; svg.append(xl);
    return svg;
  }

  // ---- line chart (SVG) --------------------------------------------------------------
  const SERIES = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#a0a0a0', '#000000'];
  const DASH = ['', '6 3', '2 3', '8 3 2 3'];
  function lineChart(title, xs, series, fmt) {
    const W = 560, H = 230, L = 56, B = 30, R = 10;
    const vals = series.flatMap((s) => s.values.filter((v) => v != null));
    const max = Math.max(1e-9, ...vals);
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', title);
    svg.style.width = '100%';
    const ns = (t, a) => { const e = document.createElementNS(svg.namespaceURI, t); for (const k in a) e.setAttribute(k, a[k]); return e; };
    const x = (i) => L + (xs.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (xs.length - 1));
    const y = (v) => H - B - ((H - B - 12) * v) / max;
    svg.append(ns('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }));
    for (const f of [0, 0.5, 1]) {
      const t = ns('text', { x: L - 6, y: y(max * f) + 4, 'text-anchor': 'end' }); t.textContent = fmt(max * f); svg.append(t);
    }
    const step = Math.max(1, Math.ceil(xs.length / 6));
    xs.forEach((d, i) => {
      if (i % step === 0 || i === xs.length - 1) {
        const anchor = xs.length > 1 && i === xs.length - 1 ? 'end' : xs.length > 1 && i === 0 ? 'start' : 'middle';
        const t = ns('text', { x: x(i), y: H - 10, 'text-anchor': anchor }); t.textContent = d; svg.append(t);
      }
    });
    series.forEach((s, k) => {
      const color = SERIES[k % SERIES.length];
      let dpath = '';
      s.values.forEach((v, i) => { if (v != null) dpath += (dpath && s.values[i - 1] != null ? 'L' : 'M') + x(i) + ' ' + y(v); });
      svg.append(ns('path', { d: dpath, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-dasharray': DASH[Math.floor(k / SERIES.length) % DASH.length] }));
      s.values.forEach((v, i) => {
        if (v == null) return;
        const c = ns('circle', { cx: x(i), cy: y(v), r: 3, fill: color });
        const t = ns('title', {}); t.textContent = `${s.name} ${xs[i]}: ${fmt(v)}`; c.append(t);
        svg.append(c);
      });
    });
    const wrap = el('div', { class: 'panel' }, el('h2', { text: title }), svg);
    wrap.append(el('div', { class: 'legend' }, ...series.map((s, k) => el('span', { style: `--c: ${SERIES[k % SERIES.length]}`, text: s.name }))));
    return wrap;
  }

  // ---- HAR report --------------------------------------------------------------------
  function renderHar() {
    const S = D.strings;
    const E = D.e;
    const N = E.t.length;
    T.entries = N;
    const str = (i) => (i < 0 ? null : S[i]);
    const sum = D.summary;
    const failedCount = sum.failures.reduce((a, g) => a + g.count, 0);
    T.failedEntries = failedCount;
    header('HAR report', `${D.files.map((f) => f.path).join(', ')} · ${D.generated_by}${D.sanitized ? ' · sanitized' : ' · NOT sanitized'}`);
    const main = el('main');
    app.append(main);
    const ov = sum.ttfb.overall;
    main.append(el('section', { 'aria-label': 'Overview' }, el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('div', { class: 'v', text: N.toLocaleString('en') }), el('div', { class: 'k', text: 'requests' })),
      el('div', { class: 'card' + (failedCount ? ' bad' : '') }, el('div', { class: 'v', id: 'failed-count', text: failedCount.toLocaleString('en') }), el('div', { class: 'k', text: 'failed' })),
      el('div', { class: 'card' }, el('div', { class: 'v', text: D.pages.length }), el('div', { class: 'k', text: 'pages' })),
      el('div', { class: 'card' }, el('div', { class: 'v', text: ov ? fmtMs(ov.p50) : '–' }), el('div', { class: 'k', text: 'TTFB p50' })),
      el('div', { class: 'card' }, el('div', { class: 'v', text: ov ? fmtMs(ov.p90) : '–' }), el('div', { class: 'k', text: 'TTFB p90' })),
      el('div', { class: 'card' }, el('div', { class: 'v', text: sum.span_ms != null ? fmtMs(sum.span_ms) : '–' }), el('div', { class: 'k', text: 'span' })))));

    // panels: failures, slowest, TTFB histogram
    const grid = el('div', { class: 'grid' });
    const fRows = sum.failures.slice(0, 500).map((g) => [
      el('span', { class: 'fail', text: '✕ ' + (g.status == null ? 'no response' : g.status) }),
      g.count, g.method, el('span', { class: 'url', text: g.host + g.path }), el('span', { style: 'white-space:nowrap', text: g.first_at }), g.tracking_ids.join(', '), g.errors.join('; ')]);
    const fPanel = el('div', { class: 'panel wide', id: 'failures' },
      el('h2', { text: `Failures: ${failedCount} requests in ${sum.failures.length} groups` }),
      sum.failures.length ? table(['status', 'n', 'method', 'request', 'first (UTC)', 'tracking IDs', 'error'], fRows, [0, 1]) : el('p', { class: 'muted', text: 'No request failed.' }));
    if (sum.failures.length > 500) fPanel.append(el('p', { class: 'muted', text: `… ${sum.failures.length - 500} more groups (harx summary --format json lists all)` }));
    T.failuresShown = fRows.reduce((a, r) => a + r[1], 0);
    grid.append(fPanel);
    const sRows = sum.slowest.map((r) => {
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' });
      const tot = r.total_ms || 1;
      for (const p of PH) { const v = r.phases[p]; if (v > 0) bar.append(el('i', { style: `width:${(100 * v) / tot}%;background:var(--ph-${p})` })); }
      return [fmtMs(r.total_ms), el('span', { style: 'white-space:nowrap' }, bar, ' ', (r.dominant_phase || '–') + (r.dominant_share != null ? ` ${Math.round(r.dominant_share * 100)}%` : '')),
        r.status == null ? 'no response' : r.status, el('span', { class: 'url', text: r.method + ' ' + r.url }), r.tracking_id || ''];
    });
    grid.append(el('div', { class: 'panel wide', id: 'slowest' }, el('h2', { text: `Slowest ${sum.slowest.length} requests` }),
      table(['total', 'dominant phase', 'status', 'request', 'tracking ID'], sRows, [1])));
    const ex = Object.entries(sum.ttfb.excluded).map(([k, v]) => `${k} ${v}`).join(', ');
    grid.append(el('div', { class: 'panel', id: 'ttfb' }, el('h2', { text: `TTFB histogram (${sum.ttfb.included} requests)` }),
      histogram(D.hist, 'TTFB histogram'), el('p', { class: 'muted', text: ex ? 'Left out: ' + ex : 'Nothing left out.' })));
    main.append(el('section', { 'aria-label': 'Findings' }, grid));

    // waterfall
    const sec = el('section', { 'aria-label': 'Waterfall' });
    main.append(sec);
    sec.append(el('h2', { text: 'Waterfall' }), legend());
    if (D.waterfall_omitted) sec.append(el('p', { class: 'muted', text: `Only the first ${E.u.length} entries are drawn; ${D.waterfall_omitted} more are counted in the summary above.` }));
    const classes = [...new Set(E.cls.map(str))].sort();
    const types = [...new Set(E.rt.map((i) => str(i) || 'unknown'))].sort();
    const pageSel = el('select', { 'aria-label': 'Page' }, el('option', { value: '-2', text: 'All pages' }),
      ...D.pages.map((p, i) => el('option', { value: String(i), text: `${p.title || p.id}` })));
    if (E.pg.some((p) => p < 0) && D.pages.length) pageSel.append(el('option', { value: '-1', text: '(no page)' }));
    const typeSel = el('select', { 'aria-label': 'Resource type' }, el('option', { value: '', text: 'All types' }), ...types.map((t) => el('option', { value: t, text: t })));
    const search = el('input', { type: 'search', placeholder: 'Filter URL, tracking ID, status…', 'aria-label': 'Text filter' });
    const boxes = classes.map((c) => { const b = el('input', { type: 'checkbox', checked: '', value: c }); return el('label', {}, b, ' ' + c.replace('_', ' ')); });
    const count = el('span', { class: 'muted', 'aria-live': 'polite' });
    sec.append(el('div', { class: 'controls' }, pageSel, typeSel, search, ...boxes, count));
    const wf = el('div', { id: 'wf', tabindex: '0', 'aria-label': 'Waterfall of requests; hover or click a row for details' });
    const spacer = el('div', { id: 'wf-spacer' });
    const canvas = el('canvas');
    wf.append(spacer, canvas);
    sec.append(wf);
    const tip = el('div', { id: 'tip', role: 'tooltip' });
    document.body.append(tip);
    const details = el('div', { id: 'details', class: 'panel' }, el('p', { class: 'muted', text: 'Click a row to see its phases and sanitized headers.' }));
    sec.append(details);

    const ROW = 20, HEAD = 24;
    const endOf = (i) => E.t[i] + Math.max(0, E.tot[i]);
    const failed = (i) => { const c = S[E.cls[i]]; return c === '4xx' || c === '5xx' || c === 'no_response'; };
    const hay = new Array(N);
    let view = [];
    let t0 = 0, t1 = 1;
    function applyFilters() {
      const pg = Number(pageSel.value);
      const ty = typeSel.value;
      const q = search.value.trim().toLowerCase();
      const on = new Set(boxes.map((b) => b.firstChild).filter((b) => b.checked).map((b) => b.value));
      view = [];
      for (let i = 0; i < N; i++) {
        if (pg !== -2 && E.pg[i] !== pg) continue;
        if (ty && (str(E.rt[i]) || 'unknown') !== ty) continue;
        if (!on.has(S[E.cls[i]])) continue;
        if (q) {
          if (hay[i] === undefined) hay[i] = [str(E.u[i]), str(E.tid[i]), E.st[i], str(E.m[i]), str(E.err[i])].join(' ').toLowerCase();
          if (!hay[i].includes(q)) continue;
        }
        view.push(i);
      }
      view.sort((a, b) => E.t[a] - E.t[b] || a - b);
      t0 = Infinity; t1 = -Infinity;
      for (const i of view) { t0 = Math.min(t0, E.t[i]); t1 = Math.max(t1, endOf(i)); }
      if (!(t1 > t0)) { t0 = 0; t1 = 1; }
      count.textContent = `${view.length.toLocaleString('en')} of ${N.toLocaleString('en')} requests`;
      spacer.style.height = HEAD + view.length * ROW + 'px';
      wf.style.height = Math.max(120, Math.min(window.innerHeight * 0.62, HEAD + view.length * ROW + 4)) + 'px';
      draw();
    }
    let colors = {};
    function loadColors() {
      colors = { fg: css('--fg'), muted: css('--muted'), line: css('--line'), alt: css('--row-alt'), failBg: css('--fail-bg'), fail: css('--fail'), sel: css('--sel'), bg: css('--bg') };
      for (const p of PH) colors[p] = css('--ph-' + p);
    }
    let selected = -1;
    let hover = -1;
    function draw() {
      const dpr = window.devicePixelRatio || 1;
      const w = wf.clientWidth, h = wf.clientHeight;
      if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
        canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
        canvas.style.width = w + 'px'; canvas.style.height = h + 'px';
      }
      canvas.style.marginBottom = -h + 'px';
      const g = canvas.getContext('2d');
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.fillStyle = colors.bg; g.fillRect(0, 0, w, h);
      const textW = Math.min(460, Math.max(220, w * 0.38));
      const x0 = textW + 8, xw = Math.max(50, w - x0 - 12);
      const X = (t) => x0 + ((t - t0) / (t1 - t0)) * xw;
      const top = wf.scrollTop;
      const first = Math.max(0, Math.floor(top / ROW));
      const last = Math.min(view.length, Math.ceil((top + h - HEAD) / ROW) + 1);
      g.font = '12px system-ui, sans-serif';
      g.textBaseline = 'middle';
      for (let k = first; k < last; k++) {
        const i = view[k];
        const y = HEAD + k * ROW - top;
        if (y + ROW < HEAD || y > h) continue;
        T.drawn.add(i);
        const bad = failed(i);
        if (i === selected) { g.fillStyle = colors.sel; g.fillRect(0, y, w, ROW); }
        else if (bad) { g.fillStyle = colors.failBg; g.fillRect(0, y, w, ROW); }
        else if (k % 2) { g.fillStyle = colors.alt; g.fillRect(0, y, w, ROW); }
        const st = E.st[i] < 0 ? '✕ —' : (bad ? '✕ ' : '') + E.st[i];
        g.fillStyle = bad ? colors.fail : colors.muted;
        g.fillText(st, 6, y + ROW / 2);
        g.fillStyle = colors.fg;
        const label = (str(E.m[i]) || '') + ' ' + (str(E.u[i]) || '');
        g.save(); g.beginPath(); g.rect(62, y, textW - 66, ROW); g.clip();
        g.fillText(label, 62, y + ROW / 2);
        g.restore();
        let t = E.t[i];
        const b = i * 7;
        let any = false;
        for (let p = 0; p < 7; p++) {
          const v = E.ph[b + p];
          if (!(v > 0)) continue;
          any = true;
          const xa = X(t), xb = X(t + v);
          g.fillStyle = colors[PH[p]];
          g.fillRect(xa, y + 4, Math.max(1, xb - xa), ROW - 8);
          t += v;
        }
        if (!any) { g.fillStyle = colors.muted; g.fillRect(X(E.t[i]), y + 4, 1, ROW - 8); }
        if (i === hover) { g.strokeStyle = colors.fg; g.strokeRect(0.5, y + 0.5, w - 1, ROW - 1); }
      }
      // time axis on top
      g.fillStyle = colors.bg; g.fillRect(0, 0, w, HEAD);
      g.strokeStyle = colors.line; g.beginPath(); g.moveTo(0, HEAD - 0.5); g.lineTo(w, HEAD - 0.5); g.stroke();
      g.fillStyle = colors.muted;
      g.fillText('status  request', 6, HEAD / 2);
      const span = t1 - t0;
      const stepRaw = span / 8;
      const mag = Math.pow(10, Math.floor(Math.log10(stepRaw || 1)));
      const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= stepRaw) || mag * 10;
      for (let tt = 0; tt <= span + 1e-9; tt += step) {
        const xx = X(t0 + tt);
        g.fillRect(xx, HEAD - 6, 1, 6);
        g.fillText(fmtMs(tt), xx + 2, HEAD / 2);
      }
    }
    function rowAt(ev) {
      const r = canvas.getBoundingClientRect();
      const y = ev.clientY - r.top;
      if (y < HEAD) return -1;
      const k = Math.floor((y - HEAD + wf.scrollTop) / ROW);
      return k >= 0 && k < view.length ? view[k] : -1;
    }
    function phaseTable(i) {
      return table(['phase', 'ms'], PH.map((p, k) => [p === 'connect' ? 'connect (TCP)' : p, E.ph[i * 7 + k] >= 0 ? E.ph[i * 7 + k].toFixed(1) : '–']).concat([['total', E.tot[i] >= 0 ? E.tot[i].toFixed(1) : '–']]), [0, 1]);
    }
    function facts(i) {
      return table(['', ''], [
        ['status', E.st[i] < 0 ? 'no response' : E.st[i]], ['error', str(E.err[i]) || ''], ['type', str(E.rt[i]) || ''],
        ['MIME', str(E.mime[i]) || ''], ['transfer', fmtBytes(E.ts[i])], ['content', fmtBytes(E.cs[i])],
        ['tracking ID', str(E.tid[i]) || ''], ['started', `+${fmtMs(E.t[i])}`], ['file', D.files[E.f[i]] ? D.files[E.f[i]].path + ' #' + E.i[i] : '']]);
    }
    wf.addEventListener('mousemove', (ev) => {
      const i = rowAt(ev);
      if (i !== hover) { hover = i; draw(); }
      if (i < 0) { tip.style.display = 'none'; return; }
      tip.replaceChildren(el('div', { class: 'u', text: (str(E.m[i]) || '') + ' ' + (str(E.u[i]) || '') }), el('div', { class: 'hdrs', style: 'display:flex;gap:12px' }, facts(i), phaseTable(i)));
      tip.style.display = 'block';
      const x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
      const y = Math.min(ev.clientY + 14, window.innerHeight - tip.offsetHeight - 8);
      tip.style.left = x + 'px'; tip.style.top = y + 'px';
    });
    wf.addEventListener('mouseleave', () => { tip.style.display = 'none'; hover = -1; draw(); });
    function headerTable(flat) {
      if (!flat) return el('p', { class: 'muted', text: 'Headers not included in this report (size budget).' });
      const rows = [];
      for (let k = 0; k < flat.length; k += 2) rows.push([str(flat[k]), str(flat[k + 1])]);
      return rows.length ? table(['name', 'value'], rows) : el('p', { class: 'muted', text: 'none' });
    }
    function showDetails(i) {
      selected = i;
      draw();
      details.replaceChildren(el('h2', { text: (str(E.m[i]) || '') + ' ' + (str(E.u[i]) || '') }),
        el('div', { class: 'hdrs' }, facts(i), phaseTable(i)),
        el('div', { class: 'hdrs' }, el('div', {}, el('h2', { text: 'Request headers' }), headerTable(E.rh[i])), el('div', {}, el('h2', { text: 'Response headers' }), headerTable(E.sh[i]))));
    }
    wf.addEventListener('click', (ev) => { const i = rowAt(ev); if (i >= 0) showDetails(i); });
    wf.addEventListener('keydown', (ev) => {
      if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
      ev.preventDefault();
      const k = Math.max(0, Math.min(view.length - 1, view.indexOf(selected) + (ev.key === 'ArrowDown' ? 1 : -1)));
      if (view.length) { showDetails(view[k]); wf.scrollTop = Math.max(0, Math.min(wf.scrollTop, k * ROW), (k + 1) * ROW - wf.clientHeight + HEAD); }
    });
    let pending = false;
    wf.addEventListener('scroll', () => { if (!pending) { pending = true; requestAnimationFrame(() => { pending = false; draw(); }); } });
    window.addEventListener('resize', draw);
    for (const c of [pageSel, typeSel]) c.addEventListener('change', applyFilters);
    for (const b of boxes) b.addEventListener('change', applyFilters);
    search.addEventListener('input', applyFilters);
    redraws.push(() => { loadColors(); draw(); });
    T.scrollWaterfallTo = (k) => { wf.scrollTop = k * ROW; draw(); return wf.scrollTop; };
    T.viewLength = () => view.length;
    T.rowsPerScreen = () => Math.max(1, Math.floor((wf.clientHeight - HEAD) / ROW));
    loadColors();
    applyFilters();
  }

  // ---- dataset report ----------------------------------------------------------------
  function renderDataset() {
    header('Fleet report', `${D.sources.join(', ')} · ${D.generated_by}`);
    const main = el('main');
    app.append(main);
    // stats groups keyed [tenant, date]
    // null keys (a null date, a __HIVE_DEFAULT_PARTITION__ directory) shown as engines show them
    const G = D.groups.map((g) => Object.assign({ tenant: g.key[0] ?? 'NULL', date: g.key[1] ?? 'NULL' }, g));
    const tenants = [...new Set(G.map((g) => g.tenant))].sort();
    const dates = [...new Set(G.map((g) => g.date))].sort();
    const total = G.reduce((a, g) => a + g.count, 0);
    const fails = G.reduce((a, g) => a + g.failures, 0);
    T.entries = total;
    T.failedEntries = fails;
    main.append(el('section', { 'aria-label': 'Overview' }, el('div', { class: 'cards' },
      el('div', { class: 'card' }, el('div', { class: 'v', text: total.toLocaleString('en') }), el('div', { class: 'k', text: 'requests' })),
      el('div', { class: 'card' + (fails ? ' bad' : '') }, el('div', { class: 'v', id: 'failed-count', text: fails.toLocaleString('en') }), el('div', { class: 'k', text: 'failed' })),
      el('div', { class: 'card' }, el('div', { class: 'v', text: tenants.length }), el('div', { class: 'k', text: 'tenants' })),
      el('div', { class: 'card' }, el('div', { class: 'v', text: dates.length }), el('div', { class: 'k', text: 'days' })))));
    const at = (t, d) => G.find((g) => g.tenant === t && g.date === d);
    const grid = el('div', { class: 'grid' });
    for (const p of ['p50', 'p90', 'p99']) {
      grid.append(lineChart(`TTFB ${p} per tenant (ms)`, dates, tenants.map((t) => ({ name: t, values: dates.map((d) => { const g = at(t, d); return g ? g[p] : null; }) })), (v) => v.toFixed(v < 10 ? 1 : 0)));
    }
    grid.append(lineChart('Failure rate per tenant (%)', dates, tenants.map((t) => ({ name: t, values: dates.map((d) => { const g = at(t, d); return g ? 100 * g.failure_rate : null; }) })), (v) => v.toFixed(1) + '%'));
    grid.append(el('div', { class: 'panel', id: 'ttfb' }, el('h2', { text: `TTFB histogram (${D.hist.counts.reduce((a, b) => a + b, 0)} requests)` }), histogram(D.hist, 'TTFB histogram')));
    main.append(el('section', { 'aria-label': 'Trends' }, grid));
    const rows = G.map((g) => [g.tenant, g.date, g.count, g.failures, (100 * g.failure_rate).toFixed(1) + '%', g.n, fmtMs(g.p50), fmtMs(g.p90), fmtMs(g.p99)]);
    main.append(el('section', { 'aria-label': 'Groups' }, el('div', { class: 'panel', id: 'failures' }, el('h2', { text: `Per tenant and day: ${fails} failed requests` }),
      table(['tenant', 'date', 'requests', 'failed', 'failure rate', 'n', 'TTFB p50', 'p90', 'p99'], rows, [0, 0, 1, 1, 1, 1, 1, 1, 1]))));
    T.failuresShown = G.reduce((a, g) => a + g.failures, 0);
    redraws.push(() => {});
  }

  try {
    if (D.kind === 'har') renderHar(); else renderDataset();
  } catch (e) {
    T.errors.push(String(e && e.stack || e));
    throw e;
  }
  T.ready = true;
})();
