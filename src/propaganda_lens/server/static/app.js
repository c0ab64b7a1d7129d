// The web page: sends the pasted text or the URL to /api/report and shows the returned report, the same
// HTML that `propaganda-lens analyze -f html` writes, in a sandboxed frame. Article text never becomes
// markup in this page: the report is isolated in the frame, and messages are set with textContent.
// The report's own script does the review (accept, reject, relabel, add) and downloads the corrections, so
// the frame may start downloads; it still has no access to this page.
"use strict";

(function () {
  var form = document.getElementById("analyze-form");
  var textInput = document.getElementById("article-text");
  var urlInput = document.getElementById("article-url");
  var analyzeButton = document.getElementById("analyze");
  var jsonButton = document.getElementById("download-json");
  var htmlButton = document.getElementById("download-html");
  var statusLine = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var frame = document.getElementById("report");
  var lastReport = null;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
  }

  function download(content, type, name) {
    var link = document.createElement("a");
    link.href = URL.createObjectURL(new Blob([content], { type: type }));
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  function analysisJson(reportHtml) {
    // DOMParser builds an inert document: nothing in it runs or loads.
    var parsed = new DOMParser().parseFromString(reportHtml, "text/html");
    return parsed.getElementById("analysis-data").textContent;
  }

  function reportName(extension) {
    var title = (JSON.parse(analysisJson(lastReport)).article.metadata.title || "article").toLowerCase();
    return title.replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) + extension;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = textInput.value, url = urlInput.value.trim();
    errorBox.hidden = true;
    statusLine.textContent = "";
    if (!text.trim() && !url) { showError("Paste an article or give a web address first."); return; }
    if (text.trim() && url) { showError("Give either a text or a web address, not both."); return; }
    analyzeButton.disabled = true;
    statusLine.textContent = url ? "Fetching and analyzing…" : "Analyzing…";
    fetch("/api/report", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(url ? { url: url } : { text: text })
    }).then(function (response) {
      return response.text().then(function (body) {
        if (!response.ok) {
          var message;
          try { message = JSON.parse(body).error.message; } catch (problem) { message = "The server answered " + response.status + "."; }
          throw new Error(message);
        }
        return body;
      });
    }).then(function (reportHtml) {
      lastReport = reportHtml;
      frame.srcdoc = reportHtml;
      frame.hidden = false;
      jsonButton.disabled = htmlButton.disabled = false;
      statusLine.textContent = "Done.";
    }).catch(function (problem) {
      statusLine.textContent = "";
      showError(problem.message || "The analysis failed.");
    }).finally(function () {
      analyzeButton.disabled = false;
    });
  });

  jsonButton.addEventListener("click", function () {
    download(analysisJson(lastReport), "application/json", reportName(".json"));
  });
  htmlButton.addEventListener("click", function () {
    download(lastReport, "text/html", reportName(".html"));
  });

  // The report tells the height of its content (not of its window, which would grow with the frame), so
  // the frame can show it without a second scroll bar; the frame takes exactly that height.
  window.addEventListener("message", function (event) {
    if (event.source === frame.contentWindow && event.data && event.data.type === "propaganda-lens-height") {
      var height = Math.min(Math.ceil(Number(event.data.height) || 0), 200000);
      if (Math.abs(frame.offsetHeight - height) > 1) { frame.style.height = height + "px"; }
    }
  });
})();
