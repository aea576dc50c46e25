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

  // --- Live: what the page learns from the server's event stream (the htmx sse extension,
  // connected by <div id="live" sse-connect=...> in the layout). Each event arrives as a toast
  // (or a hidden marker) swapped into #live-toasts; this code counts the new leads in the title
  // and the tabs, fills the list's banner, disables claim buttons of leads a colleague took,
  // and shows desktop notifications once the person asked for them. Never a contact's name:
  // the events carry none.
  var seenEvents = {};
  var unseenLeads = 0;
  var MAX_TOASTS = 4;

  function baseTitle() {
    return document.title.replace(/^\(\d+\) /, "");
  }

  // Reminders that fell due count in the title as long as their toast is open (done,
  // snoozed, cancelled or closed: it no longer counts).
  function dueReminders() {
    return document.querySelectorAll("#live-toasts .toast[data-kind=reminder]").length;
  }

  // Reminders beyond the toasts shown: counted, and gathered in one link to "À rappeler".
  var moreReminders = 0;

  function showMoreReminders(holder) {
    var link = holder.querySelector("[data-more-reminders-link]");
    if (!moreReminders) {
      if (link) link.remove();
      return;
    }
    if (!link) {
      link = document.createElement("a");
      link.className = "toast toast--mine toast--more";
      link.setAttribute("data-more-reminders-link", "");
      link.setAttribute("data-testid", "more-reminders");
      link.href = holder.dataset.remindersUrl || "/a-rappeler/";
      holder.appendChild(link);
    }
    link.textContent = "+" + moreReminders + " " + (holder.dataset.moreReminders || "");
  }

  function showTitleCount() {
    var title = baseTitle();
    var count = unseenLeads + dueReminders() + moreReminders;
    document.title = count > 0 ? "(" + count + ") " + title : title;
  }

  function bumpTabCount(family) {
    ["all", family].forEach(function (name) {
      var holder = document.getElementById("new-count-" + name);
      if (!holder) return;
      var value = holder.querySelector(".tab-count__value");
      if (!value) {
        value = document.createElement("span");
        value.className = "tab-count__value";
        value.textContent = "0";
        holder.appendChild(value);
      }
      var current = parseInt(value.textContent.replace(/\D/g, ""), 10) || 0;
      value.textContent = String(current + 1);
    });
  }

  function joinsList(banner, toast) {
    var family = banner.dataset.family;
    if (family && family !== "all" && family !== toast.dataset.family) return false;
    var portals = banner.dataset.portals ? banner.dataset.portals.split(",") : [];
    if (portals.length && portals.indexOf(toast.dataset.portal || "") < 0) return false;
    var listings = banner.dataset.classifieds ? banner.dataset.classifieds.split(",") : [];
    if (listings.length && listings.indexOf(toast.dataset.classified || "") < 0) return false;
    return true;
  }

  function bumpListBanner(toast) {
    var banner = document.querySelector("[data-live-banner]");
    if (!banner || !joinsList(banner, toast)) return;
    var count = (parseInt(banner.dataset.count || "0", 10) || 0) + 1;
    banner.dataset.count = String(count);
    var box = document.createElement("div");
    box.className = "banner banner--info new-leads-banner";
    box.setAttribute("role", "status");
    box.setAttribute("data-testid", "new-leads-banner");
    var text = document.createElement("p");
    text.className = "banner__title";
    text.textContent = (count === 1 ? banner.dataset.textOne : banner.dataset.textMany.replace("%(count)s", String(count))) + " · ";
    var link = document.createElement("a");
    link.href = banner.dataset.listUrl;
    link.textContent = banner.dataset.textShow;
    link.setAttribute("hx-get", banner.dataset.listUrl);
    link.setAttribute("hx-target", "#browser");
    link.setAttribute("hx-swap", "outerHTML");
    link.setAttribute("hx-push-url", "true");
    link.setAttribute("hx-indicator", "#page-indicator");
    text.appendChild(link);
    box.appendChild(text);
    banner.replaceChildren(box);
    if (window.htmx) window.htmx.process(banner);
  }

  function markTaken(marker) {
    document.querySelectorAll("form[data-claim]").forEach(function (form) {
      if (form.dataset.claim !== marker.dataset.lead) return;
      var note = document.createElement("p");
      note.className = "small muted";
      note.textContent = marker.dataset.takenText || "";
      form.replaceWith(note);
    });
  }

  function notificationsOn() {
    return "Notification" in window && Notification.permission === "granted" &&
      window.localStorage && localStorage.getItem("leadsportal.notifications") === "on";
  }

  function notify(toast) {
    // Only the tab that reads the stream notifies: one notification for all the tabs.
    if (!leading || !notificationsOn() || toast.hasAttribute("data-quiet")) return;
    if (document.visibilityState === "visible" && document.hasFocus()) return;
    var link = toast.querySelector("a[href]");
    var notification = new Notification(toast.dataset.notifyTitle || "leadsportal", {
      body: toast.dataset.notifyBody || "",
      tag: toast.dataset.reminder ? "reminder-" + toast.dataset.reminder : "lead-" + (toast.dataset.lead || ""),
    });
    notification.onclick = function () {
      window.focus();
      if (link) window.location.href = link.href;
    };
  }

  function trimToasts(holder) {
    var shown = holder.querySelectorAll(".toast:not([hidden]):not([data-more-reminders-link])");
    for (var k = MAX_TOASTS; k < shown.length; k++) {
      // A reminder was told once (the server will not tell it again): it is not dropped
      // silently, it joins the count of the link to "À rappeler".
      if (shown[k].dataset.kind === "reminder") moreReminders += 1;
      shown[k].remove();
    }
    showMoreReminders(holder);
    holder.querySelectorAll("[data-kind=assigned][hidden]").forEach(function (marker) {
      marker.remove();
    });
  }

  function onLiveEvent(holder, id) {
    var element = holder.querySelector('[data-live-event="' + id + '"]');
    if (!element) return;
    if (element.dataset.kind === "lead") {
      unseenLeads += 1;
      showTitleCount();
      bumpTabCount(element.dataset.family);
      bumpListBanner(element);
      notify(element);
    } else if (element.dataset.kind === "assigned") {
      markTaken(element);
      if (!element.hidden) notify(element);
    } else if (element.dataset.kind === "reminder") {
      notify(element);
    }
    trimToasts(holder);
    showTitleCount();
  }

  document.addEventListener("htmx:sseBeforeMessage", function (event) {
    // A stream that reconnects sends again what followed the page's first event id.
    var id = event.detail && event.detail.lastEventId;
    if (!id) return;
    if (seenEvents[id]) event.preventDefault();
    seenEvents[id] = true;
  });

  // One tab per agency reads the stream (it holds the Web Lock "leadsportal-live-<agency>"
  // until it closes, then the next tab takes over) and passes each event to the others on a
  // BroadcastChannel: over HTTP/1.1 a browser opens at most six connections to a host, and
  // an open stream per tab would block the seventh tab's pages.
  var liveChannel = null;
  var leading = false;

  function connectLive(live) {
    leading = true;
    live.setAttribute("hx-ext", "sse");
    live.setAttribute("sse-connect", live.dataset.streamUrl);
    // Set now, so that htmx registers the listener once the source exists.
    var holder = document.getElementById("live-toasts");
    if (holder) holder.setAttribute("sse-swap", "lead,assigned,reminder");
    if (window.htmx) window.htmx.process(live);
  }

  function receiveShared(message) {
    var holder = document.getElementById("live-toasts");
    if (!holder || !message || !message.id || seenEvents[message.id]) return;
    seenEvents[message.id] = true;
    var template = document.createElement("template");
    template.innerHTML = message.html;
    var element = template.content.firstElementChild;
    if (!element) return;
    holder.prepend(element);
    if (window.htmx) window.htmx.process(element);
    onLiveEvent(holder, message.id);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("live");
    if (!live || !live.dataset.streamUrl) return;
    var name = "leadsportal-live-" + live.dataset.agency;
    if (!("BroadcastChannel" in window) || !(navigator.locks && navigator.locks.request)) {
      connectLive(live);
      return;
    }
    liveChannel = new BroadcastChannel(name);
    liveChannel.onmessage = function (event) {
      receiveShared(event.data);
    };
    navigator.locks.request(name, function () {
      connectLive(live);
      return new Promise(function () {}); // held for as long as this tab is open
    });
  });

  document.addEventListener("htmx:sseMessage", function (event) {
    var id = event.detail && event.detail.lastEventId;
    if (!id || !event.target || event.target.id !== "live-toasts") return;
    onLiveEvent(event.target, id);
    if (liveChannel) liveChannel.postMessage({ id: id, html: event.detail.data });
  });

  // htmx takes the title of each page it brings: the count goes back in front.
  document.addEventListener("htmx:afterSettle", showTitleCount);

  document.addEventListener("click", function (event) {
    var close = event.target instanceof Element && event.target.closest("[data-toast-close]");
    if (close) {
      var toast = close.closest(".toast");
      if (toast) toast.remove();
      showTitleCount();
    }
    var banner = event.target instanceof Element && event.target.closest(".new-leads-banner a");
    if (banner) {
      unseenLeads = 0;
      showTitleCount();
    }
  });

  // A toast's reminder buttons replace the toast: the title's count follows.
  document.addEventListener("DOMContentLoaded", function () {
    var holder = document.getElementById("live-toasts");
    if (holder && "MutationObserver" in window) new MutationObserver(showTitleCount).observe(holder, { childList: true });
  });

  // Calls and e-mails started from a lead's page are recorded (its timeline then offers the
  // outcome); the tel:/mailto: link opens as usual. Without this script they are not recorded.
  function pageHeaders() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    } catch (error) {
      return {};
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target instanceof Element && event.target.closest("a[data-contact-attempt][data-attempt-url]");
    if (!link || !window.fetch) return;
    var body = new FormData();
    body.append("channel", link.dataset.contactAttempt);
    var headers = pageHeaders();
    headers["HX-Request"] = "true";
    window.fetch(link.dataset.attemptUrl, {
      method: "POST", body: body, headers: headers, credentials: "same-origin", keepalive: true,
    }).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      var timeline = document.getElementById("timeline");
      if (!html || !timeline) return;
      var template = document.createElement("template");
      template.innerHTML = html.trim();
      var fresh = template.content.firstElementChild;
      if (!fresh) return;
      timeline.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
    }).catch(function () {});
  });

  // Desktop notifications: asked for only when the person presses the button.
  function showNotifyButton(button) {
    if (!("Notification" in window)) return;
    button.hidden = false;
    if (Notification.permission === "denied") {
      button.textContent = button.dataset.deniedText;
      button.disabled = true;
    } else {
      button.textContent = notificationsOn() ? button.dataset.onText : button.dataset.offText;
      button.setAttribute("aria-pressed", notificationsOn() ? "true" : "false");
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-notify-toggle]").forEach(function (button) {
      showNotifyButton(button);
      button.addEventListener("click", function () {
        if (notificationsOn()) {
          localStorage.setItem("leadsportal.notifications", "off");
          showNotifyButton(button);
          return;
        }
        Notification.requestPermission().then(function (permission) {
          if (permission === "granted") localStorage.setItem("leadsportal.notifications", "on");
          showNotifyButton(button);
        });
      });
    });
  });

  // "En attente depuis 12 min" on leads nobody answered: the text follows the clock.
  function durationText(live, seconds) {
    var minutes = Math.round(seconds / 60);
    if (minutes < 1) return live.dataset.tLessThanMinute;
    if (minutes < 60) return live.dataset.tMinutes.replace("%(m)s", String(minutes));
    var hours = Math.floor(minutes / 60);
    minutes = minutes % 60;
    if (hours < 24) {
      return live.dataset.tHours.replace("%(h)s", String(hours)).replace("%(m)s", (minutes < 10 ? "0" : "") + minutes);
    }
    return live.dataset.tDays.replace("%(d)s", String(Math.floor(hours / 24))).replace("%(h)s", String(hours % 24));
  }

  function updateWaitingClocks() {
    var live = document.getElementById("live");
    if (!live || !live.dataset.tWaiting) return;
    var now = Date.now() / 1000;
    document.querySelectorAll("[data-waiting-since]").forEach(function (clock) {
      var since = parseInt(clock.dataset.waitingSince, 10);
      if (!since) return;
      var duration = durationText(live, now - since);
      var sentence = live.dataset.tWaiting.replace("%(duration)s", duration);
      if (clock.hasAttribute("data-compact")) {
        clock.textContent = now - since < 30 ? "< 1 min" : duration;
        clock.setAttribute("title", sentence);
        clock.setAttribute("aria-label", sentence);
      } else {
        clock.textContent = sentence;
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    window.setInterval(updateWaitingClocks, 30000);
  });
  document.addEventListener("htmx:afterSettle", updateWaitingClocks);

  // The tabs' counts of new leads: fetched once the list is shown (and again when htmx brings
  // new tabs), then each empty .tab-count is replaced by the server's. Plain fetch, not htmx, so
  // that this side request fires no htmx swap events.
  // The agency this page was rendered for (templates/base.html gives it to htmx too).
  function pageAgency() {
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      return headers["X-Leadsportal-Agency"] || "";
    } catch (error) {
      return "";
    }
  }

  function loadTabCounts(root) {
    var scope = root && root.querySelectorAll ? root : document;
    scope.querySelectorAll("[data-tab-counts-url]").forEach(function (holder) {
      if (holder.dataset.loaded) return;
      holder.dataset.loaded = "1";
      var headers = { Accept: "text/html" };
      var agency = pageAgency();
      if (agency) headers["X-Leadsportal-Agency"] = agency;
      fetch(holder.dataset.tabCountsUrl, { credentials: "same-origin", headers: headers })
        .then(function (response) {
          // The agency was switched in another tab: counts of another agency do not belong here.
          if (response.headers.get("HX-Refresh") === "true") return "";
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

// Menus made of <details> (the export menu): Escape closes the open one and gives the focus
// back to its button; a click elsewhere closes it too.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details.export-menu[open]").forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details.export-menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });
})();

// While a list's region is being replaced, it says so (aria-busy), fades and takes no clicks:
// the old results must not be opened under the new filter values.
(function () {
  "use strict";
  function region(event) {
    var target = event.detail && event.detail.target;
    return target && (target.id === "results" || target.id === "browser") ? target : null;
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    var busy = region(event);
    if (!busy) return;
    busy.setAttribute("aria-busy", "true");
    busy.classList.add("is-loading");
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var busy = region(event);
    if (!busy) return;
    busy.removeAttribute("aria-busy");
    busy.classList.remove("is-loading");
  });
})();

// Focus after a swap: the control that was used keeps the focus. htmx itself refocuses an
// element with the same id; for the others (a tab, "Suivante", a form's button) the new
// content's control with the same role, words and place takes it, and when the control is
// gone (the last page has no "Suivante") the replaced region does, never the page's top.
(function () {
  "use strict";
  var used = null;

  function place(element) {
    var landmark = element.closest("nav[aria-label], [role=region][aria-label], section[id], form[action]");
    if (!landmark) return "";
    return landmark.getAttribute("aria-label") || landmark.id || landmark.getAttribute("action") || "";
  }

  function words(element) {
    // A tab's words hold its count of new leads, which may change with the swap.
    var named = element.getAttribute("data-tab") || element.getAttribute("aria-label");
    return (named || element.textContent || "").replace(/\s+/g, " ").trim();
  }

  function focusKey(element) {
    return element.tagName + "|" + words(element) + "|" + place(element);
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var active = document.activeElement;
    var target = event.detail && event.detail.target;
    used = null;
    if (!active || active === document.body || !target || !target.contains(active)) return;
    used = { key: focusKey(active), region: target.id, parent: target.parentElement };
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!used) return;
    var wanted = used;
    used = null;
    var active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;  // htmx found it by id
    // A target without an id (a toast's claim form) is found again through its parent.
    var region = wanted.region ? document.getElementById(wanted.region) : wanted.parent;
    if (region && !region.isConnected) region = null;
    var scope = region || document;
    var candidates = scope.querySelectorAll("a[href], button, input, select, textarea, summary");
    for (var i = 0; i < candidates.length; i++) {
      if (focusKey(candidates[i]) === wanted.key) {
        candidates[i].focus({ preventScroll: true });
        return;
      }
    }
    if (region) {
      if (!region.hasAttribute("tabindex")) region.setAttribute("tabindex", "-1");
      region.focus({ preventScroll: true });
    }
  });
})();

// Bulk actions: "all on this page" in the table's header, shift-click for a range of rows, the
// count of ticked rows on the bar's button; ticking a row opens the bar. Without this file the
// bar's "toute la page" and "toute la liste" do the same.
(function () {
  "use strict";
  var lastTicked = null;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("input.row-select[form=bulk-form]"));
  }

  function refresh() {
    var all = rows();
    var ticked = all.filter(function (box) { return box.checked; }).length;
    var count = document.querySelector("[data-bulk-count]");
    if (count) count.textContent = ticked ? "(" + ticked + ")" : "";
    var header = document.querySelector("input[data-select-page]");
    if (header) {
      header.hidden = all.length === 0;
      header.checked = all.length > 0 && ticked === all.length;
      header.indeterminate = ticked > 0 && ticked < all.length;
    }
    if (ticked) {
      var bar = document.querySelector("details.bulk-bar");
      if (bar && !bar.open) bar.open = true;
      var selected = document.querySelector("#bulk-form input[name=scope][value=selected]");
      if (selected) selected.checked = true;
    }
  }

  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement)) return;
    if (box.matches("input[data-select-page]")) {
      rows().forEach(function (row) { row.checked = box.checked; });
      refresh();
      return;
    }
    if (!box.matches("input.row-select")) return;
    var all = rows();
    if (event.shiftKey && lastTicked && all.indexOf(lastTicked) >= 0) {
      var from = all.indexOf(lastTicked);
      var to = all.indexOf(box);
      var low = Math.min(from, to);
      var high = Math.max(from, to);
      for (var i = low; i <= high; i++) all[i].checked = box.checked;
    }
    lastTicked = box;
    refresh();
  });

  document.addEventListener("DOMContentLoaded", refresh);
  document.addEventListener("htmx:afterSettle", function () {
    lastTicked = null;
    refresh();
  });
})();
