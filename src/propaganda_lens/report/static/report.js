// The report's own script, inlined into every report by report.html.j2: explanations of the highlighted
// passages, and the review. A reviewer accepts, rejects or relabels a passage's technique, or selects text and
// adds a span; the page redraws the highlights, the counts and the legend at once. Corrections stay in the page
// until it is closed and download as a corrections file (review/corrections.py); with a review URL, each one
// is also POSTed there. Article text reaches the page only as text nodes and textContent, never as markup.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("review-data").textContent);
  var text = Array.from(JSON.parse(document.getElementById("analysis-data").textContent).article.text);  // code points
  var techniques = {};
  data.techniques.forEach(function (technique) { techniques[technique.label] = technique; });
  var corrections = data.corrections.slice();  // oldest first; a later decision on a span replaces an earlier one
  var steps = [];  // how many corrections each of this page's decisions made, for undo
  var shown = [];  // the spans as reviewed, as drawn now
  var currentKey = null;  // the span of the shown passage that the keys act on
  var panel = document.getElementById("explanation");
  var holder = panel.parentElement;
  var containers = Array.from(document.querySelectorAll("[data-offset]"));
  var reviewer = document.getElementById("reviewer");  // absent when the text was not analyzed (not English)
  var reviewing = Boolean(reviewer);
  var reviewStatus = document.getElementById("review-status");
  var downloadButton = document.getElementById("download-corrections");
  var undoButton = document.getElementById("undo-correction");
  var WORDS = { accept: "accepted", relabel: "technique changed", add: "added by the reviewer" };

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content) { node.textContent = content; }
    return node;
  }
  function slice(start, end) { return text.slice(start, end).join(""); }
  function keyOf(start, end, label) { return start + ":" + end + ":" + label; }
  function spanKey(span) { return keyOf(span.start, span.end, span.label); }
  function percent(share) { return Math.floor(100 * share + 0.5); }  // as the template rounds

  // The spans with the corrections applied, exactly as review/corrections.apply_corrections does it.
  function reviewedSpans() {
    var latest = new Map();
    corrections.forEach(function (correction) {
      latest.set(keyOf(correction.start, correction.end, correction.model_technique || correction.technique), correction);
    });
    var result = [], seen = new Set();
    data.spans.forEach(function (span) {
      var key = spanKey(span), decision = latest.get(key);
      seen.add(key);
      if (!decision) {
        result.push(Object.assign({}, span, { action: null, model_label: span.label }));
      } else if (decision.action === "accept") {
        result.push(Object.assign({}, span, { action: "accept", model_label: span.label }));
      } else if (decision.action !== "reject") {
        result.push(changedSpan(decision, span.label));
      }
    });
    latest.forEach(function (decision, key) {
      if (!seen.has(key) && decision.action !== "reject") { result.push(changedSpan(decision, null)); }
    });
    return result.sort(function (a, b) {
      var first = a.label || "", second = b.label || "";
      return a.start - b.start || a.end - b.end || (first < second ? -1 : first > second ? 1 : 0);
    });
  }
  function changedSpan(decision, modelLabel) {
    var technique = techniques[decision.technique];
    var modelName = modelLabel && techniques[modelLabel] ? techniques[modelLabel].name : "";
    return {
      start: decision.start, end: decision.end, label: decision.technique, technique: technique.name,
      color: technique.color, probability: null, text: slice(decision.start, decision.end), cues: [],
      explanation: decision.action === "relabel" ? "The reviewer changed the model's " + modelName + " to " + technique.name + "."
                                                  : "Added by the reviewer.",
      example: technique.example, action: decision.action, model_label: decision.action === "add" ? null : modelLabel
    };
  }

  function uncertain(span) { return span.action === null && span.probability !== null && span.probability < data.uncertain_below; }
  function titleOf(span) {
    return span.technique + (span.probability === null ? "" : " (" + Math.round(100 * span.probability) + "%)") +
      (span.action ? ", reviewed: " + WORDS[span.action] : "");
  }

  // One container's stretch of text [low, high), cut at every span boundary: each piece lists the spans over it.
  function draw(container, low, high) {
    var cuts = new Set([low, high]);
    shown.forEach(function (span) {
      [span.start, span.end].forEach(function (cut) { if (cut > low && cut < high) { cuts.add(cut); } });
    });
    var order = shown.map(function (span, index) { return index; })
      .sort(function (a, b) { return (shown[b].probability || 0) - (shown[a].probability || 0); });
    var points = Array.from(cuts).sort(function (a, b) { return a - b; });
    var pieces = [];
    for (var i = 0; i + 1 < points.length; i++) {
      var start = points[i], end = points[i + 1];
      var covering = order.filter(function (index) { return shown[index].start <= start && end <= shown[index].end; });
      pieces.push(covering.length ? mark(start, end, covering) : document.createTextNode(slice(start, end)));
    }
    container.replaceChildren.apply(container, pieces);
  }
  function mark(start, end, covering) {
    var spans = covering.map(function (index) { return shown[index]; });
    var node = element("mark", "span", slice(start, end));
    var reviewed = spans.filter(function (span) { return span.action; });
    if (uncertain(spans[0])) { node.classList.add("uncertain"); }
    if (reviewed.length) { node.classList.add("reviewed"); }
    if (reviewed.some(function (span) { return span.end === end; })) { node.classList.add("reviewed-end"); }
    node.tabIndex = 0;
    node.dataset.spans = covering.join(" ");
    node.dataset.start = start;
    node.dataset.end = end;
    var stripes = spans.slice(1).map(function (span, depth) { return "inset 0 -" + 3 * (depth + 1) + "px 0 " + span.color; });
    node.style.backgroundColor = spans[0].color + "59";
    if (stripes.length) { node.style.boxShadow = stripes.join(", "); }
    node.title = spans.map(titleOf).join("; ");
    var notes = Array.from(new Set(reviewed.map(function (span) { return "note-" + span.action; })));
    if (notes.length) { node.setAttribute("aria-describedby", notes.join(" ")); }
    return node;
  }

  function counts() {
    var found = new Map();
    shown.forEach(function (span) { if (span.label) { found.set(span.label, (found.get(span.label) || 0) + 1); } });
    return Array.from(found).sort(function (a, b) { return b[1] - a[1]; });  // stable: ties keep their order
  }
  function coveredShare() {
    var covered = 0, reach = 0;
    shown.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (span) {
      covered += Math.max(0, span.end - Math.max(span.start, reach));
      reach = Math.max(reach, span.end);
    });
    return text.length ? covered / text.length : 0;
  }
  function drawSummary() {
    var perTechnique = counts(), top = perTechnique.length ? perTechnique[0][1] : 1;
    document.getElementById("stat-spans").textContent = shown.length;
    document.getElementById("stat-techniques").textContent = perTechnique.length;
    document.getElementById("stat-covered").textContent = percent(coveredShare()) + "%";
    document.getElementById("stat-reviewed").textContent = shown.filter(function (span) { return span.action; }).length;
    var unsure = shown.filter(uncertain).length;
    document.getElementById("uncertain-count").textContent = unsure;
    document.getElementById("show-uncertain").parentElement.hidden = unsure === 0;
    var chart = document.getElementById("chart"), legend = document.getElementById("legend");
    chart.replaceChildren.apply(chart, perTechnique.map(function (entry) {
      var technique = techniques[entry[0]];
      var bar = element("div", "bar"), track = element("span", "track"), fill = element("span", "fill");
      fill.style.display = "block";
      fill.style.width = Math.round(1000 * entry[1] / top) / 10 + "%";
      fill.style.background = technique.color;
      track.append(fill);
      bar.append(element("span", "", technique.name), track, element("span", "n", String(entry[1])));
      return bar;
    }));
    document.getElementById("no-techniques").hidden = perTechnique.length > 0;
    legend.replaceChildren.apply(legend, [].concat.apply([], perTechnique.map(function (entry) {
      var technique = techniques[entry[0]];
      var term = element("dt"), swatch = element("span", "swatch");
      swatch.style.background = technique.color;
      term.append(swatch, technique.name);
      if (technique.precision !== null) {
        var precision = element("span", "precision", "· " + percent(technique.precision) + "% right on dev");
        precision.title = "Share of the model's spans of this technique that annotators marked too, on PTC dev";
        term.append(" ", precision);
      }
      var definition = element("dd", "", technique.definition);
      definition.append(element("br"), "Example: " + technique.example);
      return [term, definition];
    })));
    legend.parentElement.hidden = perTechnique.length === 0;
    document.getElementById("correction-count").textContent = corrections.length;
    downloadButton.disabled = corrections.length === 0;
    if (undoButton) { undoButton.disabled = steps.length === 0; }
  }
  function redraw() {
    shown = reviewedSpans();
    containers.forEach(function (container) { draw(container, Number(container.dataset.offset), Number(container.dataset.end)); });
    drawSummary();
  }

  // The explanation panel: one card per technique of the passage, with the review controls.
  function passageSpans(passage) { return passage.dataset.spans.split(" ").map(function (index) { return shown[Number(index)]; }); }
  function currentOf(passage) {
    var spans = passageSpans(passage);
    return spans.filter(function (span) { return spanKey(span) === currentKey; })[0] || spans[0];
  }
  function show(passage) {
    panel.replaceChildren(element("h2", "", "Explanation"));
    var current = currentOf(passage);
    currentKey = spanKey(current);
    passageSpans(passage).forEach(function (span) {
      var card = element("div", span === current ? "card current" : "card");
      if (span === current) { card.setAttribute("aria-current", "true"); }
      card.style.borderColor = span.color;
      var quote = element("blockquote", "");  // the passage, with the words that weighed most in bold
      var done = 0, spanText = Array.from(span.text);
      span.cues.slice().sort(function (a, b) { return a[0] - b[0]; }).forEach(function (cue) {
        quote.append(spanText.slice(done, cue[0]).join(""), element("b", "", spanText.slice(cue[0], cue[1]).join("")));
        done = cue[1];
      });
      quote.append(spanText.slice(done).join(""));
      card.append(element("h3", "", span.technique), quote, element("p", "", span.explanation),
                  element("p", "example", span.example ? "Example: " + span.example : ""),
                  element("p", "review-state", span.action ? "Reviewed: " + WORDS[span.action] + "." : "Not reviewed yet."),
                  controls(passage, span));
      panel.append(card);
    });
    document.querySelectorAll("mark.active").forEach(function (other) { other.classList.remove("active"); });
    passage.classList.add("active");
    placeBeside(passage.getBoundingClientRect());
  }
  function button(label, action) {
    var node = element("button", "", label);
    node.type = "button";
    node.addEventListener("click", action);
    return node;
  }
  function techniqueChoice(selected, prompt) {
    var choice = element("select");
    if (prompt) { choice.append(new Option(prompt, "", true, true)); choice.options[0].disabled = true; }
    data.techniques.forEach(function (technique) {
      choice.append(new Option(technique.name, technique.label, false, technique.label === selected));
    });
    return choice;
  }
  function controls(passage, span) {
    var box = element("div", "review-controls");
    if (!span.label) {
      box.append(element("p", "", "This span has no technique: select its text to add it with one."));
      return box;
    }
    var position = Number(passage.dataset.start);
    var act = function (kind) { return function () { decide(span, kind, choice.value, position); }; };
    var choice = techniqueChoice(span.label);
    choice.setAttribute("aria-label", "Technique of this passage");
    choice.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); act("relabel")(); }
      if (event.key === "Escape") { event.preventDefault(); focusAt(position); }
    });
    if (span.action !== "add") {
      var keep = span.label === span.model_label ? "Accept" : "Back to " + techniques[span.model_label].name;
      box.append(button(keep, act("accept")));
    }
    box.append(button("Reject", act("reject")), choice, button("Change technique", act("relabel")));
    return box;
  }

  // A decision on a shown span: accept (the model's technique), reject, or relabel to `label`. An added span
  // is the reviewer's own (nothing to accept); it is rejected under its own technique, and relabelled by
  // rejecting it and adding it again.
  function decide(span, kind, label, position) {
    var made = [];
    if (span.action === "add") {
      if (kind === "reject" || (kind === "relabel" && label !== span.label)) {
        made.push(correction("reject", span, span.label, span.label));
      }
      if (kind === "relabel" && label !== span.label) { made.push(correction("add", span, label, null)); }
    } else if (kind === "accept" || (kind === "relabel" && label === span.model_label)) {
      if (span.action !== "accept") { made.push(correction("accept", span, span.model_label, span.model_label)); }
    } else if (kind === "reject") {
      made.push(correction("reject", span, span.model_label, span.model_label));
    } else if (label !== span.label) {
      made.push(correction("relabel", span, label, span.model_label));
    }
    record(made, position);
  }
  function correction(action, span, label, modelLabel) {
    return { action: action, start: span.start, end: span.end, technique: label, model_technique: modelLabel,
             reviewer: reviewer.value.trim(), time: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
  }
  function record(made, position) {
    if (!made.length) { focusAt(position); return; }
    corrections.push.apply(corrections, made);
    steps.push(made.length);
    document.getSelection().removeAllRanges();  // the selected nodes are about to be redrawn
    var last = made[made.length - 1];
    currentKey = keyOf(last.start, last.end, last.technique);
    redraw();
    focusAt(position);
    send(made, said(made.length > 1 ? "relabel" : last.action, last.technique));
  }
  // What a decision did, in a few words, for the status line (which screen readers read out).
  function said(action, label) {
    return { accept: "Accepted: ", reject: "Rejected: ", relabel: "Changed to ", add: "Added: " }[action] + techniques[label].name + ".";
  }
  // After a redraw: the passage at `position` (or the next one, when its span is gone) takes the focus.
  function focusAt(position) {
    var marks = Array.from(document.querySelectorAll("mark.span"));
    var target = marks.filter(function (node) {
      return Number(node.dataset.start) <= position && position < Number(node.dataset.end);
    })[0] ||
      marks.filter(function (node) { return Number(node.dataset.start) >= position; })[0] || marks[marks.length - 1];
    if (target) { target.focus(); show(target); }
  }

  function documentOf(items) {
    return { format: "propaganda-lens-corrections", version: 1, articles: [
      { article: data.article, text_sha256: data.text_sha256, model: data.model, corrections: items }] };
  }
  var sending = Promise.resolve();  // one POST at a time, in the order the corrections were made
  function send(items, done) {
    reviewStatus.textContent = done;
    if (!data.review_url) { return; }
    reviewStatus.textContent = done + " Saving…";
    sending = sending.then(function () {
      return fetch(data.review_url, { method: "POST", headers: { "Content-Type": "application/json" },
                                      body: JSON.stringify(documentOf(items)) })
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (body) {
            if (!response.ok) {
              var reason = body.error && (body.error.message || body.error);
              throw new Error(typeof reason === "string" ? reason : "the server answered " + response.status);
            }
            var problems = body.problems && body.problems.length ? body.problems.join("; ") : "";
            reviewStatus.textContent = done + (problems ? " Saved, with problems: " + problems : " Saved.");
          });
        })
        .catch(function (problem) {
          reviewStatus.textContent = done + " Not saved: " + problem.message.replace(/\.$/, "") +
            ". Download the corrections to keep them.";
        });
    });
  }
  function download() {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([JSON.stringify(documentOf(corrections), null, 1) + "\n"], { type: "application/json" }));
    var name = String(data.article).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
    link.download = (name || "article") + ".corrections.json";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }
  if (reviewing) { downloadButton.addEventListener("click", download); }
  if (undoButton) {
    undoButton.addEventListener("click", function () {
      corrections.splice(corrections.length - steps.pop());
      redraw();
      reviewStatus.textContent = "Undone.";
      panel.replaceChildren(element("h2", "", "Explanation"));
    });
  }

  // Adding a span: selected text of the article (or of the title when it is part of the text).
  function offsetOf(node, offset) {
    var container = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentNode).closest("[data-offset]");
    if (!container) { return null; }
    var before = document.createRange();
    before.setStart(container, 0);
    before.setEnd(node, offset);
    return Number(container.dataset.offset) + Array.from(before.toString()).length;
  }
  function offerAdd() {
    var selection = document.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var start = offsetOf(range.startContainer, range.startOffset), end = offsetOf(range.endContainer, range.endOffset);
    if (start === null || end === null) { return; }
    while (start < end && /\s/.test(text[start])) { start++; }
    while (end > start && /\s/.test(text[end - 1])) { end--; }
    if (start >= end) { return; }
    var card = element("div", "card");
    card.style.borderColor = "#20303f";
    var choice = techniqueChoice(null, "Choose a technique…");
    choice.setAttribute("aria-label", "Technique of the new span");
    var add = button("Add span", function () {
      if (!choice.value) { choice.focus(); return; }
      record([correction("add", { start: start, end: end }, choice.value, null)], start);
    });
    var box = element("div", "review-controls");
    box.append(choice, add);
    card.append(element("h3", "", "Add a span"), element("blockquote", "", slice(start, end)), box);
    panel.replaceChildren(element("h2", "", "Explanation"), card);
    placeBeside(range.getBoundingClientRect());
  }
  var pending = null;
  if (reviewing) {
    document.addEventListener("selectionchange", function () {
      clearTimeout(pending);
      pending = setTimeout(offerAdd, 250);  // once the selection stops changing
    });
  }

  // The panel moves to the clicked passage: beside it when the aside is a column of its own, just below it when
  // the page is one column. Sticky positioning is not enough: in the web page the frame is as tall as the
  // report, so a sticky panel stays at the top of the frame, far from a passage lower down.
  function placeBeside(passage) {
    holder.classList.add("beside");
    holder.style.top = "0px";
    var natural = holder.getBoundingClientRect();
    var besideArticle = natural.left >= passage.right;
    var target = besideArticle ? passage.top : passage.bottom + 8;
    var room = document.documentElement.scrollHeight - (natural.top + window.scrollY) - natural.height;
    holder.style.top = Math.min(target - natural.top, Math.max(room, 0)) + "px";
  }
  if (window.parent !== window) {  // shown in a frame (the web page): tell it how tall the content is
    var tell = function () {
      window.parent.postMessage({ type: "propaganda-lens-height", height: document.body.getBoundingClientRect().height }, "*");
    };
    window.addEventListener("load", tell);
    new ResizeObserver(tell).observe(document.body);
  }
  var toggle = document.getElementById("show-uncertain");
  toggle.addEventListener("change", function () { document.body.classList.toggle("show-uncertain", toggle.checked); });
  function hidden(passage) { return passage.classList.contains("uncertain") && !document.body.classList.contains("show-uncertain"); }
  function passageOf(event) {
    var passage = event.target.closest && event.target.closest("mark.span");
    return passage && !hidden(passage) ? passage : null;
  }
  var KEYS = { a: "accept", r: "reject" };
  containers.forEach(function (container) {
    container.addEventListener("click", function (event) {
      var passage = passageOf(event);
      if (passage && document.getSelection().isCollapsed) { show(passage); }
    });
    container.addEventListener("keydown", function (event) {
      var passage = passageOf(event), key = event.key.toLowerCase();
      if (!passage || event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        show(passage);
      } else if (key === "n") {
        var spans = passageSpans(passage), at = spans.indexOf(currentOf(passage));
        currentKey = spanKey(spans[(at + 1) % spans.length]);
        show(passage);
      } else if (reviewing && (KEYS[key] || key === "l")) {
        event.preventDefault();
        var span = currentOf(passage);
        if (!span.label) { show(passage); return; }
        if (KEYS[key]) {
          decide(span, KEYS[key], span.label, Number(passage.dataset.start));
        } else {
          show(passage);
          panel.querySelector(".card.current select").focus();
        }
      }
    });
  });
  if (reviewing) { redraw(); }  // the template drew the page as it opens; the script redraws it the same way
})();
