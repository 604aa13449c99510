// Small behaviours that plain HTML lacks. No inline handlers anywhere: the CSP forbids them.
(function () {
  "use strict";

  // "Kopiera": copies the text of the element named by data-copy-target to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) {
      return;
    }
    var source = document.getElementById(button.getAttribute("data-copy-target"));
    if (!source) {
      return;
    }
    var text = source.value !== undefined ? source.value : source.textContent;
    var done = function () {
      var label = button.getAttribute("data-copied-label") || "Kopierat";
      var original = button.textContent;
      button.textContent = label;
      window.setTimeout(function () {
        button.textContent = original;
      }, 2000);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      source.select();
      document.execCommand("copy");
      done();
    }
  });

  // "Skriv ut": a button marked data-print prints the page (the print stylesheet hides the rest).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  // A submit button marked data-native-submit (a file download) bypasses htmx: stopping the
  // event before it reaches the form keeps htmx out, and the browser submits as usual.
  document.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("data-native-submit")) {
      event.stopPropagation();
    }
  }, true);

  // Forms that ask before something that cannot be undone: data-confirm="question". This runs
  // before htmx sees the submit, so it serves htmx forms too; never add hx-confirm beside it, or
  // the question is asked twice.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // A double click sends a POST form once. (The server also refuses a second record with the
  // same one-time key.) Downloads and GET forms may be sent again.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    // getAttribute, not form.method: a control named "method" (how feedback was given) shadows
    // the form's own property, and the guard would throw and let a double click through.
    var method = (form.getAttribute("method") || "get").toLowerCase();
    if (event.defaultPrevented || method !== "post") {
      return;
    }
    if (event.submitter && event.submitter.hasAttribute("data-native-submit")) {
      return;
    }
    if (form.hasAttribute("data-repeatable")) {
      return;
    }
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    form.dataset.submitting = "1";
  }, true);
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    if (form) {
      delete form.dataset.submitting;
    }
  });
  // After htmx replaces a part of the page, keyboard focus goes back to the control that was
  // used (the server names it in data-focus-id), not to the top of the page.
  document.addEventListener("htmx:afterSettle", function () {
    var holder = document.querySelector("[data-focus-id]");
    if (!holder) {
      return;
    }
    var id = holder.getAttribute("data-focus-id");
    holder.removeAttribute("data-focus-id");
    var element = document.getElementById(id);
    if (element) {
      if (element.disabled) {
        var item = element.closest("li");
        element = (item && item.querySelector("button:not([disabled])")) || element;
      }
      element.focus();
    }
  });

  // Character counters. A field with a length limit carries data-maxlength instead of maxlength
  // (templates/django/forms/widgets/attrs.html): a browser silently cuts pasted text at
  // maxlength, so a long text would be lost without a word. The server refuses a text that is
  // too long and gives the form back whole; the counter says so while typing.
  function formatCount(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u00a0");
  }
  function updateCounter(field) {
    var counter = field._counter;
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var length = field.value.length;
    var over = length - limit;
    // Always under a short text area; under a long one (a discussion) and a one-line field only
    // once the text nears its limit.
    var always = field.tagName === "TEXTAREA" && limit <= 4000;
    counter.hidden = !always && over < 0 && length < limit * 0.8;
    if (over > 0) {
      counter.className = "char-count char-count--over";
      counter.textContent = formatCount(over) + " tecken för mycket (högst " + formatCount(limit) + ")";
      field.setAttribute("aria-invalid", "true");
    } else {
      counter.className = "char-count";
      counter.textContent = formatCount(limit - length) + " tecken kvar av " + formatCount(limit);
      if (field._counterMarkedInvalid) {
        field.removeAttribute("aria-invalid");
      }
    }
    field._counterMarkedInvalid = over > 0;
  }
  function addCounters(root) {
    root.querySelectorAll("textarea[data-maxlength], input[data-maxlength]").forEach(function (field) {
      if (field._counter || field.readOnly) {
        return;
      }
      var counter = document.createElement("p");
      counter.id = (field.id || field.name) + "-count";
      counter.setAttribute("aria-live", "polite");
      field.insertAdjacentElement("afterend", counter);
      var described = field.getAttribute("aria-describedby");
      field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
      field._counter = counter;
      updateCounter(field);
    });
  }
  document.addEventListener("input", function (event) {
    if (event.target._counter) {
      updateCounter(event.target);
    }
  });
  // New content from htmx (a section swapped in) gets its counters; fields that have one are skipped.
  document.addEventListener("htmx:load", function () {
    addCounters(document);
  });
  addCounters(document);

  // Autosave (forms marked data-autosave, sent by htmx with X-Autosave). A form with unsaved
  // text is marked data-dirty until the server confirms. If the connection drops, the text
  // stays on the page and is sent again every ten seconds.
  //
  // If the session has ended (401), or the server says the page belongs to another user than
  // the one now logged in (409 with X-Page-User-Changed), nothing is sent again on its own: the
  // page is locked. Its content (patient data and the unsaved text) is taken out of the
  // document and held in this script's memory only, never in localStorage; a panel asks the
  // page's own user to log in again in another tab. When the session is theirs again the
  // content comes back and the unsaved text is saved. Another user's login saves nothing.
  var lock = null;
  function autosaveForm(element) {
    return element && element.closest ? element.closest("form[data-autosave]") : null;
  }
  function statusOf(form) {
    return form.querySelector(".save-status");
  }
  document.addEventListener("input", function (event) {
    var form = autosaveForm(event.target);
    if (form) {
      form.dataset.dirty = "1";
    }
  });
  function retryLater(form, message) {
    var status = statusOf(form);
    if (status) {
      status.className = "save-status save-status--offline";
      status.setAttribute("role", "alert");
      status.textContent = message;
    }
    window.clearTimeout(form._retry);
    form._retry = window.setTimeout(function () {
      if (!lock) {
        window.htmx.trigger(form, "change");
      }
    }, 10000);
  }
  function sessionStatus() {
    var url = document.body.dataset.sessionStatusUrl;
    if (!url) {
      return Promise.resolve(null);
    }
    return fetch(url, { credentials: "same-origin", headers: { "X-Background-Request": "1" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; });
  }
  function useCsrfToken(token) {
    var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
    headers["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(headers));
    document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
      input.value = token;
    });
  }
  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      node.setAttribute(name, attributes[name]);
    });
    if (text) {
      node.textContent = text;
    }
    return node;
  }
  function lockPage() {
    var main = document.getElementById("main");
    if (lock || !main) {
      return;
    }
    document.querySelectorAll("form[data-autosave]").forEach(function (form) {
      window.clearTimeout(form._retry);
    });
    var warning = document.getElementById("session-warning");
    if (warning && warning.open) {
      warning.close();
    }
    var held = document.createDocumentFragment();
    while (main.firstChild) {
      held.appendChild(main.firstChild);
    }
    var name = document.body.dataset.pageUserName || "";
    var login = document.body.dataset.loginUrl || "/accounts/login/";
    var panel = element("section", { "class": "card locked-page", "aria-labelledby": "locked-title" });
    panel.appendChild(element("h1", { id: "locked-title" }, "Du är utloggad"));
    panel.appendChild(element("p", {},
      "Det du skrev är inte sparat än. Det finns kvar bara i den här fliken, inte på datorn, " +
      "och patientuppgifterna är dolda tills du har loggat in igen."));
    var how = element("p", {}, "Logga in igen som " + name + " i en ny flik och kom sedan tillbaka hit. ");
    how.appendChild(element("a", { href: login, target: "_blank", rel: "noopener" }, "Logga in i en ny flik"));
    panel.appendChild(how);
    var button = element("button", { type: "button", id: "locked-resume" }, "Jag har loggat in – spara texten");
    panel.appendChild(button);
    var status = element("p", { id: "locked-status", role: "status" });
    panel.appendChild(status);
    main.appendChild(panel);
    document.body.dataset.locked = "1";
    lock = { main: main, held: held, panel: panel, status: status, checking: false };
    button.addEventListener("click", tryToUnlock);
    main.focus();
  }
  function tryToUnlock() {
    if (!lock || lock.checking) {
      return;
    }
    lock.checking = true;
    sessionStatus().then(function (data) {
      lock.checking = false;
      if (!data || data.expired) {
        lock.status.textContent = "Du är fortfarande utloggad. Logga in i en ny flik först.";
        return;
      }
      if (data.page_user !== document.body.dataset.pageUser) {
        lock.status.textContent =
          "En annan användare är inloggad i webbläsaren. Texten sparas bara när " +
          (document.body.dataset.pageUserName || "du") + " loggar in igen.";
        return;
      }
      unlock(data.csrf_token);
    });
  }
  function unlock(csrfToken) {
    var current = lock;
    lock = null;
    delete document.body.dataset.locked;
    useCsrfToken(csrfToken);
    current.panel.remove();
    current.main.appendChild(current.held);
    current.main.querySelectorAll("form[data-autosave][data-dirty]").forEach(function (form) {
      window.htmx.trigger(form, "change");
    });
  }
  // Coming back to this tab after logging in in another one is the moment to check.
  window.addEventListener("focus", function () {
    if (lock) {
      tryToUnlock();
    }
  });
  // The idle timeout (static/js/session.js) locks a page with unsaved text instead of leaving it.
  document.addEventListener("atergang:session-ended", function (event) {
    if (document.querySelector("form[data-autosave][data-dirty]")) {
      event.preventDefault();
      lockPage();
    }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 409 && xhr.getResponseHeader("X-Page-User-Changed")) {
      lockPage();
      return;
    }
    var form = autosaveForm(event.detail.elt);
    if (!form) {
      return;
    }
    var status = xhr ? xhr.status : 0;
    if (event.detail.successful) {
      delete form.dataset.dirty;
      delete form.dataset.csrfRetried;
      window.clearTimeout(form._retry);
    } else if (status === 401) {
      lockPage();
    } else if (status === 403 && !form.dataset.csrfRetried) {
      // The same user logged in again elsewhere: the page's CSRF token is stale. Once.
      form.dataset.csrfRetried = "1";
      sessionStatus().then(function (data) {
        if (data && !data.expired && data.page_user === document.body.dataset.pageUser) {
          useCsrfToken(data.csrf_token);
          window.htmx.trigger(form, "change");
        } else {
          lockPage();
        }
      });
    } else if (status === 403) {
      var refused = statusOf(form);
      if (refused) {
        refused.className = "save-status save-status--error";
        refused.setAttribute("role", "alert");
        refused.textContent = "Inte sparat: du får inte spara här. Texten finns kvar; kopiera den innan du lämnar sidan.";
      }
    } else if (status === 0 || status >= 500) {
      retryLater(form, "Inte sparat: ingen kontakt med servern. Texten finns kvar här och sparas när kontakten är tillbaka.");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = autosaveForm(event.detail.elt);
    if (form && !lock) {
      retryLater(form, "Inte sparat: ingen kontakt med servern. Texten finns kvar här och sparas när kontakten är tillbaka.");
    }
  });
  window.addEventListener("beforeunload", function (event) {
    var unsaved = lock
      ? lock.held.querySelector("form[data-dirty]")
      : document.querySelector("form[data-dirty]");
    if (unsaved) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      delete form.dataset.submitting;
    });
  });
})();
