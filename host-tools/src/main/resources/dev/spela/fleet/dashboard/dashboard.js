// The SPELA fleet dashboard: the live page (server-sent events from spela monitor) and the report
// (the same page with its data embedded). Data formats: dev.spela.fleet.FleetSnapshot.
'use strict';
(function () {
  const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];
  const MAX_ALERTS = 200;
  const curves = {}; // device -> {generation, layers, samples: [], accuracy: [[]], loss: [[]], heldOut: []}
  const cards = {}; // device -> {section, accuracy: uPlot, loss: uPlot, layers, title elements}
  let live = true;

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([k, v]) => node.setAttribute(k, v));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function number(n) {
    return n.toLocaleString('en-US');
  }

  function ago(ms) {
    if (ms < 0) ms = 0;
    if (ms < 1500) return 'now';
    if (ms < 90000) return Math.round(ms / 1000) + ' s ago';
    return Math.round(ms / 60000) + ' min ago';
  }

  function setStatus(text, cls) {
    const status = document.getElementById('status');
    status.textContent = text;
    status.className = 'status ' + (cls || '');
  }

  function renderTotals(t) {
    const list = document.getElementById('totals');
    list.replaceChildren();
    [['devices', t.devices], ['records stored', t.records], ['duplicates ignored', t.duplicates],
      ['records lost', t.lost], ['sequence gaps', t.gaps], ['alerts', t.alerts]].forEach(([label, value]) => {
      const item = el('li');
      item.append(el('b', {}, number(value)), ' ' + label);
      list.append(item);
    });
  }

  function percents(values) {
    return values && values.length ? values.map((v, k) => 'L' + (k + 1) + ' ' + v.toFixed(1) + '%').join(' · ') : '';
  }

  function stateCell(row) {
    const cell = el('td', {}, row.state);
    if (row.flash && row.flash.length > 0 && row.flash.phase === 'receiving') {
      const bar = el('progress', {max: row.flash.length, value: row.flash.offset});
      cell.append(' ', bar);
    }
    return cell;
  }

  function renderTable(rows, now) {
    const body = document.querySelector('#fleet tbody');
    body.replaceChildren();
    rows.forEach((row) => {
      const tr = el('tr', {'data-device': row.id});
      if (!row.online) tr.className = 'offline';
      const stepsPerSecond = row.boardStepMs ? number(Math.round(1000 / row.boardStepMs)) : '?';
      tr.append(el('td', {}, row.id), el('td', {}, row.board), el('td', {}, row.model), stateCell(row),
        el('td', {}, row.epoch), el('td', {title: 'SHA-256 of the running image'}, row.image),
        el('td', {}, number(row.samplesSeen)),
        el('td', {title: row.boardStepMs ? row.boardStepMs.toFixed(2) + ' ms per step' : 'model not known'}, stepsPerSecond),
        el('td', {}, row.reportedStepMs === null ? '' : row.reportedStepMs.toFixed(2)),
        el('td', {}, percents(row.accuracy)), el('td', {}, percents(row.heldOut)),
        el('td', {}, number(row.records)));
      const lost = el('td', {}, number(row.lost));
      if (row.lost > 0) lost.className = 'bad';
      tr.append(lost, el('td', {}, row.lastSeenMs ? ago(now - row.lastSeenMs) : ''));
      body.append(tr);
    });
  }

  function addAlerts(alerts, replace) {
    const list = document.getElementById('alerts');
    if (replace) list.replaceChildren();
    alerts.forEach((a) => {
      const item = el('li', {class: a.kind},
        new Date(a.timeMs).toLocaleTimeString('en-GB') + '  ' + a.device + ': ' + a.text);
      list.prepend(item);
    });
    while (list.children.length > MAX_ALERTS) list.lastChild.remove();
  }

  /** Median of the positive steps between consecutive points: the records' window. */
  function windowSize(samples) {
    const steps = [];
    for (let i = Math.max(1, samples.length - 50); i < samples.length; i++) {
      const d = samples[i] - samples[i - 1];
      if (d > 0) steps.push(d);
    }
    if (!steps.length) return null;
    steps.sort((a, b) => a - b);
    return steps[Math.floor(steps.length / 2)];
  }

  function accuracyData(c) {
    // One x per distinct number of samples seen: an evaluation taken where a record was shares its point.
    const xs = Array.from(new Set(c.samples.concat(c.heldOut.map((h) => h.samples)))).sort((a, b) => a - b);
    const at = new Map(xs.map((x, i) => [x, i]));
    const data = [xs];
    for (let k = 0; k < c.layers; k++) {
      const line = new Array(xs.length).fill(null);
      c.samples.forEach((x, i) => (line[at.get(x)] = c.accuracy[k][i]));
      data.push(line);
    }
    for (let k = 0; k < c.layers; k++) {
      const dots = new Array(xs.length).fill(null);
      c.heldOut.forEach((h) => {
        if (h.accuracy[k] !== undefined) dots[at.get(h.samples)] = h.accuracy[k];
      });
      data.push(dots);
    }
    return data;
  }

  function lossData(c) {
    return [c.samples.slice()].concat(c.loss.map((layer) => layer.slice()));
  }

  function chartOptions(kind, layers, width) {
    const series = [{label: 'samples seen'}];
    for (let k = 0; k < layers; k++) {
      series.push({label: 'layer ' + (k + 1), stroke: COLOURS[k % COLOURS.length], width: 1.5, spanGaps: true,
        points: {show: false}});
    }
    if (kind === 'accuracy') {
      for (let k = 0; k < layers; k++) {
        const colour = COLOURS[k % COLOURS.length];
        series.push({label: 'layer ' + (k + 1) + ' held-out', stroke: colour, width: 0, paths: () => null,
          points: {show: true, size: 10, width: 2, stroke: colour, fill: '#fff'}});
      }
    }
    const grid = {show: true, stroke: '#e4e4e4', width: 1};
    return {
      width: width,
      height: 210,
      // A little room right of the newest point, so that a dot there is drawn whole.
      scales: {x: {time: false, range: (u, min, max) => [min, max + Math.max(1, (max - min) * 0.03)]},
        y: kind === 'accuracy' ? {range: [0, 100]} : {auto: true}},
      axes: [
        {label: 'samples seen (training steps)', grid: grid, ticks: grid},
        {label: kind === 'accuracy' ? 'accuracy (%)' : 'loss −cos(h, v_label)', grid: grid, ticks: grid, size: 55},
      ],
      series: series,
      legend: {live: false},
    };
  }

  function chartWidth(section) {
    return Math.max(320, section.clientWidth - 32);
  }

  function card(device, c) {
    let entry = cards[device];
    if (entry && entry.layers === c.layers) return entry;
    if (entry) {
      entry.accuracy.destroy();
      entry.loss.destroy();
      entry.section.remove();
    }
    const section = el('section', {class: 'device panel', 'data-device': device});
    const heading = el('h3', {}, device);
    const accuracyTitle = el('p', {class: 'chart-title'});
    const accuracyBox = el('div', {class: 'chart accuracy'});
    const lossTitle = el('p', {class: 'chart-title'});
    const lossBox = el('div', {class: 'chart loss'});
    section.append(heading, accuracyTitle, accuracyBox, lossTitle, lossBox);
    const container = document.getElementById('devices');
    const after = Array.from(container.children).find((s) => s.getAttribute('data-device') > device);
    container.insertBefore(section, after || null);
    const width = chartWidth(section);
    entry = {
      section: section, heading: heading, layers: c.layers, accuracyTitle: accuracyTitle, lossTitle: lossTitle,
      accuracy: new uPlot(chartOptions('accuracy', c.layers, width), accuracyData(c), accuracyBox),
      loss: new uPlot(chartOptions('loss', c.layers, width), lossData(c), lossBox),
    };
    cards[device] = entry;
    return entry;
  }

  function draw(device, row, changed) {
    const c = curves[device];
    if (!c || c.layers === 0) return;
    const entry = card(device, c);
    if (row) entry.heading.textContent = row.id + ' · ' + row.board + ' · ' + row.model + ' · ' + row.state;
    if (!changed) return;
    entry.accuracy.setData(accuracyData(c));
    entry.loss.setData(lossData(c));
    const window = windowSize(c.samples);
    const per = window ? 'per window of ' + number(window) + ' samples' : 'per record window';
    entry.accuracyTitle.textContent = 'Training accuracy (%) ' + per + '; held-out evaluations as dots';
    entry.lossTitle.textContent = 'Local loss −cos(h, v_label) ' + per + ' (lower is better)';
    // For whoever watches the page (and its end-to-end test): how much it shows, and since when.
    entry.section.setAttribute('data-points', c.samples.length);
    entry.section.setAttribute('data-held-out', c.heldOut.length);
    entry.section.setAttribute('data-last-samples', c.samples.length ? c.samples[c.samples.length - 1] : 0);
    entry.section.setAttribute('data-updated-ms', Date.now());
  }

  function mergeCurve(device, update) {
    const c = curves[device];
    if (!c || update.from === 0 || c.generation !== update.generation || c.samples.length !== update.from
        || c.layers !== update.layers) {
      curves[device] = {generation: update.generation, layers: update.layers, samples: update.samples,
        accuracy: update.accuracy, loss: update.loss, heldOut: update.heldOut};
      return;
    }
    c.samples = c.samples.concat(update.samples);
    for (let k = 0; k < c.layers; k++) {
      c.accuracy[k] = c.accuracy[k].concat(update.accuracy[k]);
      c.loss[k] = c.loss[k].concat(update.loss[k]);
    }
    c.heldOut = update.heldOut;
  }

  function apply(rows, alerts, replaceAlerts, changedCurves, totals, now) {
    renderTotals(totals);
    renderTable(rows, now);
    addAlerts(alerts, replaceAlerts);
    Object.entries(changedCurves).forEach(([device, update]) => mergeCurve(device, update));
    const byId = {};
    rows.forEach((row) => (byId[row.id] = row));
    Object.keys(curves).forEach((device) => draw(device, byId[device], device in changedCurves));
  }

  function applySnapshot(s) {
    live = s.live;
    document.getElementById('title').textContent = s.title;
    document.title = s.title;
    document.getElementById('store').textContent = 'telemetry store: ' + s.store;
    if (!live) setStatus('report written ' + new Date(s.timeMs).toISOString().replace('T', ' ').slice(0, 19) + ' UTC');
    Object.keys(curves).forEach((d) => delete curves[d]);
    apply(s.devices, s.alerts, true, s.curves, s.totals, s.timeMs);
  }

  function applyUpdate(u) {
    apply(u.devices, u.alerts, false, u.curves, u.totals, u.timeMs);
  }

  function start() {
    const embedded = document.getElementById('spela-data');
    if (embedded) {
      applySnapshot(JSON.parse(embedded.textContent));
      return;
    }
    const source = new EventSource('events');
    source.addEventListener('snapshot', (e) => applySnapshot(JSON.parse(e.data)));
    source.addEventListener('update', (e) => applyUpdate(JSON.parse(e.data)));
    source.onopen = () => setStatus('live', 'live');
    source.onerror = () => setStatus('connection to the monitor lost; retrying', 'down');
  }

  start();
})();
