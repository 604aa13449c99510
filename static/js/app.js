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

  // Plain forms that ask before something that cannot be undone: data-confirm="question".
  // (Forms that htmx submits use htmx's own hx-confirm.)
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
    if (event.defaultPrevented || form.method.toLowerCase() !== "post") {
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

  // Autosave (forms marked data-autosave, sent by htmx with X-Autosave). A form with unsaved
  // text is marked data-dirty until the server confirms. If the connection drops or the session
  // has ended, the text stays on the page, the form says so, and it is sent again every ten
  // seconds; after a new login in another tab the next attempt picks up a fresh CSRF token.
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
      status.innerHTML = message;
    }
    window.clearTimeout(form._retry);
    form._retry = window.setTimeout(function () {
      refreshCsrf().finally(function () {
        window.htmx.trigger(form, "change");
      });
    }, 10000);
  }
  function refreshCsrf() {
    var url = document.body.dataset.sessionStatusUrl;
    if (!url) {
      return Promise.resolve();
    }
    return fetch(url, { credentials: "same-origin", headers: { "X-Background-Request": "1" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.csrf_token) {
          var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
          headers["X-CSRFToken"] = data.csrf_token;
          document.body.setAttribute("hx-headers", JSON.stringify(headers));
          document.querySelectorAll("input[name=csrfmiddlewaretoken]").forEach(function (input) {
            input.value = data.csrf_token;
          });
        }
      })
      .catch(function () {});
  }
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = autosaveForm(event.detail.elt);
    if (!form) {
      return;
    }
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (event.detail.successful) {
      delete form.dataset.dirty;
      window.clearTimeout(form._retry);
    } else if (status === 401 || status === 403) {
      var login = document.body.dataset.loginUrl || "/accounts/login/";
      retryLater(
        form,
        "Inte sparat: du har loggats ut. Texten finns kvar här. " +
          "<a href=\"" + login + "\" target=\"_blank\" rel=\"noopener\">Logga in i en ny flik</a>" +
          " så sparas den automatiskt."
      );
    } else if (status === 0 || status >= 500) {
      retryLater(form, "Inte sparat: ingen kontakt med servern. Texten finns kvar här och sparas när kontakten är tillbaka.");
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = autosaveForm(event.detail.elt);
    if (form) {
      retryLater(form, "Inte sparat: ingen kontakt med servern. Texten finns kvar här och sparas när kontakten är tillbaka.");
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (document.querySelector("form[data-dirty]")) {
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
