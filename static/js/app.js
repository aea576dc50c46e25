// leadsportal: small progressive enhancements. Every form and link works without this file.
(function () {
  "use strict";

  // Forms marked data-autosubmit submit when their <select> changes; their button is then hidden.
  function enhanceAutosubmit(root) {
    root.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      if (form.dataset.autosubmitReady) return;
      form.dataset.autosubmitReady = "1";
      form.querySelectorAll("[data-autosubmit-button]").forEach(function (button) {
        button.classList.add("visually-hidden");
      });
      form.addEventListener("change", function (event) {
        if (event.target instanceof HTMLSelectElement) {
          if (typeof form.requestSubmit === "function") form.requestSubmit();
          else form.submit();
        }
      });
    });
  }

  // After htmx pushed a new URL, the language form must come back to that URL, not the first one.
  function syncLanguageNext(form) {
    var next = form.querySelector("input[name=next]");
    if (next) next.value = window.location.pathname + window.location.search;
  }

  function showNetworkError(visible) {
    var banner = document.getElementById("network-error");
    if (banner) banner.hidden = !visible;
  }

  document.addEventListener("DOMContentLoaded", function () {
    enhanceAutosubmit(document);
    document.addEventListener("submit", function (event) {
      if (event.target instanceof HTMLFormElement && event.target.hasAttribute("data-language-form")) {
        syncLanguageNext(event.target);
      }
    });
  });

  // Live "new leads" banner: every 60 s, while the browser tab is visible and a list with a
  // poller ([data-leads-poll]) is open, fire "leads:poll" on <body>; the poller's
  // hx-trigger="leads:poll from:body" asks the server. Hidden tab: no timer, no request. Back to
  // visible after a longer absence: ask at once. (htmx runs with allowEval=false, so this cannot
  // be an hx-trigger filter expression.)
  var POLL_INTERVAL_MS = 60000;
  var pollTimer = null;
  var lastPoll = Date.now();

  function pollNewLeads() {
    if (document.visibilityState !== "visible") return;
    if (!document.querySelector("[data-leads-poll]")) return;
    lastPoll = Date.now();
    document.body.dispatchEvent(new CustomEvent("leads:poll"));
  }

  function startPolling() {
    if (pollTimer === null) pollTimer = window.setInterval(pollNewLeads, POLL_INTERVAL_MS);
  }

  function stopPolling() {
    if (pollTimer !== null) window.clearInterval(pollTimer);
    pollTimer = null;
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      if (Date.now() - lastPoll >= POLL_INTERVAL_MS) pollNewLeads();
      startPolling();
    } else {
      stopPolling();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    lastPoll = Date.now();
    if (document.visibilityState === "visible") startPolling();
  });

  // The tabs' counts of new leads: fetched once the list is shown (and again when htmx brings
  // new tabs), then each empty .tab-count is replaced by the server's. Plain fetch, not htmx, so
  // that this side request fires no htmx swap events.
  function loadTabCounts(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-tab-counts-url]").forEach(function (holder) {
      if (holder.dataset.loaded) return;
      holder.dataset.loaded = "1";
      fetch(holder.dataset.tabCountsUrl, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.status === 200 ? response.text() : "";
        })
        .then(function (html) {
          if (!html) return;
          var template = document.createElement("template");
          template.innerHTML = html;
          template.content.querySelectorAll(".tab-count[id]").forEach(function (fresh) {
            var current = document.getElementById(fresh.id);
            if (current) current.replaceWith(fresh);
          });
        })
        .catch(function () {
          // The counts are a convenience: without them the tabs still work.
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    loadTabCounts(document);
  });

  document.addEventListener("htmx:load", function (event) {
    loadTabCounts(event.target);
  });

  document.addEventListener("htmx:load", function (event) {
    enhanceAutosubmit(event.target);
  });
  document.addEventListener("htmx:beforeRequest", function () {
    showNetworkError(false);
  });
  // The server answers problems of the leads API with a page and a banner; these two only fire
  // when our own server could not answer at all (network down, crash).
  document.addEventListener("htmx:sendError", function () {
    showNetworkError(true);
  });
  document.addEventListener("htmx:responseError", function () {
    showNetworkError(true);
  });
})();
