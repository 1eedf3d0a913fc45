// Sends the credentials as JSON so that they reach the server exactly as typed, then
// shows the welcome page. The form's own action still works when this script does not run.
(() => {
  "use strict";
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return; // a second click while the first request is in flight must not log in twice
    busy = true;
    error.textContent = "";
    const username = document.getElementById("username").value;
    const password = document.getElementById("password").value;
    try {
      const response = await fetch("/api/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ username, password }),
      });
      const body = await response.json();
      if (response.ok && body.ok) {
        window.location.assign(body.welcome);
        return;
      }
      error.textContent = body.error || "Sign-in failed.";
    } catch (e) {
      error.textContent = "The server cannot be reached.";
    }
    busy = false;
  });
})();
