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
