"use strict";
// The corpus dashboard: DATA (written by corpus/dashboard.py) is filtered and aggregated here, in the browser.
const DATA = JSON.parse(document.getElementById("corpus-data").textContent);
const T = DATA.techniques;
const $ = (id) => document.getElementById(id);
const TOP = 15;  // outlets shown at first
const BAR_PX = 24;  // chart height per bar: enough for every bar's label
const LABEL_CHARS = 28;  // longer outlet names are shortened on the axes; the tooltip shows them whole
const ACTORS_PER_OUTLET = 3;
const MONTH = /^\d{4}-\d{2}$/;
const [NAME_CALLING, LOADED] = DATA.framing_techniques;

function option(select, value, text) {
  const item = document.createElement("option");
  item.value = value; item.textContent = text; select.appendChild(item);
}
DATA.outlets.forEach((outlet, index) => option($("outlet"), index, outlet));
T.forEach((technique, index) => option($("technique"), index, technique.name + precisionText(technique.label)));
const months = DATA.articles.map((a) => a[3]).filter((m) => MONTH.test(m)).sort();
if (months.length) { $("from").min = $("to").min = months[0]; $("from").max = $("to").max = months[months.length - 1]; }
$("top").max = DATA.outlets.length;
$("top").defaultValue = Math.min(TOP, DATA.outlets.length);

function precisionText(label) {
  return label in DATA.precision ? ` (p ${DATA.precision[label].toFixed(2)})` : " (p n/a)";
}
function ratingText(outlet) {
  const ratings = DATA.ratings[outlet] || [];
  return ratings.length ? ratings.map((r) => `${r.factuality} factuality, ${r.bias} (${r.year})`).join("; ") : "not rated";
}
function shortened(text) {
  return text.length > LABEL_CHARS ? text.slice(0, LABEL_CHARS - 1) + "…" : text;
}
// Months as numbers on a linear axis, so that the distance between two points is the time between them.
function monthNumber(month) {
  return 12 * Number(month.slice(0, 4)) + Number(month.slice(5, 7)) - 1;
}
function monthText(number) {
  return `${Math.floor(number / 12)}-${String(number % 12 + 1).padStart(2, "0")}`;
}
function cell(row, text, className) {
  const td = document.createElement("td"); td.textContent = text; if (className) td.className = className; row.appendChild(td); return td;
}
// Each cell is labelled with its column's heading, shown beside it on narrow screens (a row that leaves out
// leading cells, under a cell that spans rows, is labelled from its last cell back).
function fill(tableId, rows, build) {
  const table = $(tableId), headings = Array.from(table.tHead.rows[0].cells, (th) => th.textContent);
  const body = table.tBodies[0]; body.replaceChildren();
  rows.forEach((item) => {
    const row = body.insertRow(); build(row, item);
    const skipped = headings.length - row.cells.length;
    Array.from(row.cells).forEach((td, index) => { td.dataset.label = headings[skipped + index]; });
  });
}

function showMatchingOutlets() {
  const query = $("outlet-search").value.trim().toLowerCase();
  for (const item of $("outlet").options) item.hidden = !item.selected && !item.textContent.toLowerCase().includes(query);
}

function selection() {
  const outlets = new Set(Array.from($("outlet").selectedOptions, (o) => Number(o.value)));
  const from = $("from").value, to = $("to").value, technique = $("technique").value;
  const keep = DATA.articles.map((a) => (!outlets.size || outlets.has(a[2]))
    && (!from || (a[3] >= from && MONTH.test(a[3]))) && (!to || (a[3] <= to && MONTH.test(a[3]))));
  const top = Math.max(1, Math.floor(Number($("top").value)) || TOP);
  return { keep, technique: technique === "" ? null : Number(technique), top };
}
function spansOf(article, technique) {
  const counts = article[7];
  return technique === null ? Object.values(counts).reduce((s, n) => s + n, 0) : (counts[technique] || 0);
}

const charts = {};
function chart(id, config) {
  if (charts[id]) charts[id].destroy();
  charts[id] = new Chart($(id), config);
}
// A horizontal bar chart tall enough for a readable label on every bar.
function barChart(id, labels, datasets, options) {
  $(id).parentElement.style.height = `${Math.max(200, labels.length * BAR_PX + 70)}px`;
  chart(id, {
    type: "bar", data: { labels, datasets },
    options: { indexAxis: "y", maintainAspectRatio: false, animation: false, ...options,
      scales: { ...options.scales, y: { stacked: true, ticks: { autoSkip: false,
        callback(value) { return shortened(this.getLabelForValue(value)); } } } } },
  });
}
// The months to mark: the first, the last, and between them every 1, 2, 3 or 6 months or whole years,
// as few as fit the width, on round months (January for years) and not crowding the ends.
function monthTicks(first, last, width) {
  const fitting = Math.max(2, Math.floor(width / 90));
  const step = [1, 2, 3, 6, 12, 24, 60, 120].find((s) => (last - first) / s <= fitting)
    || 12 * Math.ceil((last - first) / fitting / 12);
  const ticks = [first];
  for (let month = Math.ceil((first + 1) / step) * step; month < last; month += step) {
    if (month - first >= step / 2 && last - month >= step / 2) ticks.push(month);
  }
  if (last > first) ticks.push(last);
  return ticks;
}

function drawMix(byOutlet, technique, top) {
  // Ranked by the spans of the chosen technique, then by articles, then by name: every outlet can reach the top.
  const ranked = [...byOutlet.entries()].sort((x, y) => y[1].spans - x[1].spans || y[1].articles - x[1].articles
    || DATA.outlets[x[0]].localeCompare(DATA.outlets[y[0]])).slice(0, top);
  const shown = T.map((t, index) => index).filter((index) => technique === null || technique === index);
  barChart("mix", ranked.map(([o]) => DATA.outlets[o]), shown.map((index) => ({
    label: T[index].name + precisionText(T[index].label), backgroundColor: T[index].color,
    data: ranked.map(([, s]) => { const all = Object.values(s.counts).reduce((x, n) => x + n, 0);
      return all ? 100 * (s.counts[index] || 0) / all : 0; }),
  })), { scales: { x: { stacked: true, max: 100, title: { display: true, text: "% of the outlet's spans" } } },
    plugins: { legend: { display: false } } });
  $("mix-legend").replaceChildren(...shown.map((index) => {
    const item = document.createElement("li"), swatch = document.createElement("i");
    swatch.style.background = T[index].color; item.append(swatch, T[index].name + precisionText(T[index].label));
    return item;
  }));
  return ranked;
}

function drawTimeline(byMonth, technique) {
  const density = new Map([...byMonth.entries()].filter(([m]) => MONTH.test(m))
    .map(([m, s]) => [monthNumber(m), s.words ? 1000 * s.spans / s.words : 0]));
  const numbers = [...density.keys()];
  const first = Math.min(...numbers), last = Math.max(...numbers);
  const points = [];  // every month from the first to the last, null (a gap) where no article is
  for (let month = first; month <= last; month++) points.push({ x: month, y: density.has(month) ? density.get(month) : null });
  const ticks = numbers.length ? monthTicks(first, last, $("timeline").parentElement.clientWidth) : [];
  chart("timeline", {
    type: "line",
    data: { datasets: [{ label: technique === null ? "all techniques" : T[technique].name, data: points,
      borderColor: "#444", backgroundColor: "#444", tension: 0, spanGaps: false, pointRadius: 3 }] },
    options: { maintainAspectRatio: false, animation: false,
      scales: {
        // Half a month of margin either side, so that the first and last points are whole.
        x: { type: "linear", min: numbers.length ? first - 0.5 : undefined, max: numbers.length ? last + 0.5 : undefined,
          afterBuildTicks: (scale) => { scale.ticks = ticks.map((value) => ({ value })); },
          ticks: { maxRotation: 0, callback: monthText } },
        y: { beginAtZero: true, title: { display: true, text: "spans per 1,000 words" } },
      },
      plugins: { tooltip: { callbacks: { title: (items) => monthText(items[0].parsed.x) } } } },
  });
}

function drawFraming(keep, technique, outletOrder) {
  const weight = (e) => technique === NAME_CALLING ? e.nameCalling : technique === LOADED ? e.loaded : e.nameCalling + e.loaded;
  const byOutlet = new Map();
  for (const [articleIndex, actor, nameCalling, loaded] of DATA.framing) {
    if (!keep[articleIndex]) continue;
    const outlet = DATA.articles[articleIndex][2];
    const actors = byOutlet.get(outlet) || new Map();
    const entry = actors.get(actor) || { nameCalling: 0, loaded: 0, articles: new Set() };
    entry.nameCalling += nameCalling; entry.loaded += loaded; entry.articles.add(articleIndex);
    actors.set(actor, entry); byOutlet.set(outlet, actors);
  }
  const rows = [];
  for (const outlet of outletOrder) {
    const actors = [...(byOutlet.get(outlet) || new Map()).entries()].filter(([, e]) => weight(e) > 0)
      .sort((x, y) => weight(y[1]) - weight(x[1]) || y[1].articles.size - x[1].articles.size
        || DATA.actors[x[0]][0].localeCompare(DATA.actors[y[0]][0]))
      .slice(0, ACTORS_PER_OUTLET);
    actors.forEach(([actor, entry], position) => rows.push({ outlet, actor, entry, position, count: actors.length }));
  }
  fill("framing", rows, (row, { outlet, actor, entry, position, count }) => {
    if (position === 0) cell(row, DATA.outlets[outlet]).rowSpan = count;
    const [name, kind] = DATA.actors[actor], named = document.createElement("span"), kindText = document.createElement("span");
    kindText.className = "kind"; kindText.textContent = kind; named.append(name + " ", kindText);
    cell(row, "").appendChild(named);  // one element: on a narrow screen, one value beside the label
    cell(row, entry.nameCalling, "n"); cell(row, entry.loaded, "n"); cell(row, entry.articles.size, "n");
  });
}

function draw() {
  const { keep, technique, top } = selection();
  const articles = DATA.articles.filter((_, i) => keep[i]);
  const byOutlet = new Map();
  const byMonth = new Map();
  for (const a of articles) {
    const outlet = byOutlet.get(a[2]) || { articles: 0, words: 0, spans: 0, counts: {} };
    outlet.articles += 1; outlet.words += a[4]; outlet.spans += spansOf(a, technique);
    for (const [t, n] of Object.entries(a[7])) outlet.counts[t] = (outlet.counts[t] || 0) + n;
    byOutlet.set(a[2], outlet);
    const month = byMonth.get(a[3]) || { words: 0, spans: 0 };
    month.words += a[4]; month.spans += spansOf(a, technique); byMonth.set(a[3], month);
  }
  const total = articles.reduce((s, a) => s + spansOf(a, technique), 0);
  $("summary").textContent = `${articles.length} articles, ${total} spans, ${byOutlet.size} outlets`;

  const mixRanking = drawMix(byOutlet, technique, top);
  drawTimeline(byMonth, technique);

  const ranked = [...byOutlet.entries()].map(([o, s]) => [o, s, s.words ? 1000 * s.spans / s.words : 0])
    .sort((x, y) => y[2] - x[2] || DATA.outlets[x[0]].localeCompare(DATA.outlets[y[0]])).slice(0, top);
  barChart("ranking", ranked.map(([o]) => DATA.outlets[o]),
    [{ label: "spans per 1,000 words", data: ranked.map((r) => r[2]), backgroundColor: "#c0392b" }],
    { scales: { x: { title: { display: true, text: "spans per 1,000 words" } } }, plugins: { legend: { display: false } } });
  fill("ratings", ranked, (row, [o, s, density]) => {
    cell(row, DATA.outlets[o]); cell(row, s.articles, "n"); cell(row, density.toFixed(1), "n");
    cell(row, ratingText(DATA.outlets[o]));
  });
  drawFraming(keep, technique, mixRanking.map(([o]) => o));

  const phraseCounts = new Map();
  for (const [articleIndex, phrase, t] of DATA.occurrences) {
    if (!keep[articleIndex] || (technique !== null && technique !== t)) continue;
    const entry = phraseCounts.get(phrase) || { times: 0, articles: new Set(), technique: t };
    entry.times += 1; entry.articles.add(articleIndex); phraseCounts.set(phrase, entry);
  }
  const repeated = [...phraseCounts.entries()].filter(([, e]) => e.articles.size >= 2)
    .sort((x, y) => y[1].articles.size - x[1].articles.size || y[1].times - x[1].times).slice(0, 25);
  fill("phrases", repeated, (row, [phrase, entry]) => {
    cell(row, DATA.phrases[phrase]); cell(row, T[entry.technique].name + precisionText(T[entry.technique].label));
    cell(row, entry.times, "n"); cell(row, entry.articles.size, "n");
  });

  const densest = articles.map((a) => [a, a[4] ? 1000 * spansOf(a, technique) / a[4] : 0])
    .sort((x, y) => y[1] - x[1]).slice(0, 25);
  fill("articles", densest, (row, [a, density]) => {
    const td = cell(row, "");
    const href = DATA.links[a[0]];
    if (href) { const link = document.createElement("a"); link.href = href; link.textContent = a[1]; td.appendChild(link); }
    else td.textContent = a[1];
    cell(row, DATA.outlets[a[2]]); cell(row, a[3], "month"); cell(row, density.toFixed(1), "n");
    cell(row, (a[5] ? 100 * a[6] / a[5] : 0).toFixed(0) + "%", "n");
    cell(row, Object.entries(a[7]).sort((x, y) => y[1] - x[1]).slice(0, 3).map(([t, n]) => `${T[t].name} ${n}`).join(", "));
  });
}

$("outlet-search").addEventListener("input", showMatchingOutlets);
$("filters").addEventListener("change", draw);
$("filters").addEventListener("reset", () => setTimeout(() => { showMatchingOutlets(); draw(); }));
draw();
