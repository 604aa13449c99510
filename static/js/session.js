// Idle-session warning. Two minutes before the session would end, a dialog offers
// "Fortsätt vara inloggad"; when the time is up the browser goes to the login page.
// The server decides: before warning we ask it how long is left (another tab may have been
// used), and that question is a background request that does not itself keep the session alive.
(function () {
  "use strict";

  var body = document.body;
  if (!body || !body.dataset.sessionStatusUrl) {
    return;
  }
  var idleSeconds = parseInt(body.dataset.sessionIdle, 10);
  var warningSeconds = parseInt(body.dataset.sessionWarning, 10);
  var statusUrl = body.dataset.sessionStatusUrl;
  var keepaliveUrl = body.dataset.sessionKeepaliveUrl;
  var loginUrl = body.dataset.loginUrl;
  var dialog = document.getElementById("session-warning");
  var countdown = document.getElementById("session-countdown");
  var continueButton = document.getElementById("session-continue");
  var checking = false;
  var deadline = Date.now() + idleSeconds * 1000;

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function goToLogin() {
    if (body.dataset.locked) {
      return;
    }
    // A page with unsaved text is locked instead (static/js/app.js): patient data hidden, the
    // text kept in memory until the same user has logged in again.
    var ended = new CustomEvent("atergang:session-ended", { cancelable: true });
    if (!document.dispatchEvent(ended)) {
      if (dialog && dialog.open) {
        dialog.close();
      }
      return;
    }
    var next = window.location.pathname + window.location.search;
    window.location.assign(loginUrl + "?next=" + encodeURIComponent(next));
  }

  function formatSeconds(total) {
    var minutes = Math.floor(total / 60);
    var seconds = total % 60;
    return minutes + ":" + (seconds < 10 ? "0" : "") + seconds;
  }

  function closeDialog() {
    if (dialog && dialog.open) {
      dialog.close();
    }
  }

  function openDialog() {
    if (dialog && !dialog.open) {
      dialog.showModal();
      if (continueButton) {
        continueButton.focus();
      }
    }
  }

  function applyServerAnswer(response) {
    if (response.status === 401) {
      goToLogin();
      return null;
    }
    return response.json().then(function (data) {
      if (data.expired) {
        goToLogin();
        return;
      }
      deadline = Date.now() + data.seconds_left * 1000;
      if (data.seconds_left > warningSeconds) {
        closeDialog();
      } else {
        openDialog();
      }
    });
  }

  function checkWithServer() {
    if (checking) {
      return;
    }
    checking = true;
    fetch(statusUrl, {
      credentials: "same-origin",
      headers: { "X-Background-Request": "1", Accept: "application/json" },
    })
      .then(applyServerAnswer)
      .catch(function () {
        // Offline: keep counting on our own estimate.
      })
      .finally(function () {
        checking = false;
      });
  }

  function tick() {
    if (body.dataset.locked) {
      return;
    }
    var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
    if (countdown) {
      countdown.textContent = formatSeconds(left);
    }
    if (left <= 0 || (left <= warningSeconds && dialog && !dialog.open)) {
      checkWithServer();
    }
  }

  if (continueButton) {
    continueButton.addEventListener("click", function () {
      fetch(keepaliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      }).then(applyServerAnswer);
    });
  }

  // Our own htmx requests count as activity on the server, except background polling.
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var headers = (event.detail.requestConfig && event.detail.requestConfig.headers) || {};
    if (headers["X-Background-Request"] !== "1" && event.detail.successful) {
      deadline = Date.now() + idleSeconds * 1000;
    }
  });

  window.setInterval(tick, 1000);
})();
