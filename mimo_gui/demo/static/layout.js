// Reports where the tracked controls are to POST /api/layout, so that the scripted demo
// model can point where a real model would: it never sees the DOM, only these rects.
(() => {
  "use strict";
  const TRACKED = ["username", "password", "signin"];
  // `doc` tells reports from different page loads apart; `seq` orders those of one load.
  const state = { doc: Math.random().toString(36).slice(2) + Date.now().toString(36), seq: 0 };
  window.acmeLayout = state;
  let pending = false;

  function snapshot() {
    const elements = {};
    for (const id of TRACKED) {
      const el = document.getElementById(id);
      if (!el) continue;
      const r = el.getBoundingClientRect();
      elements[id] = {
        x: r.x, y: r.y, width: r.width, height: r.height,
        // Code points, not UTF-16 units: "ü" is one character to the reader.
        value_length: el instanceof HTMLInputElement ? Array.from(el.value).length : 0,
      };
    }
    const active = document.activeElement;
    return {
      viewport: [window.innerWidth, window.innerHeight],
      dpr: window.devicePixelRatio,
      scroll: [window.scrollX, window.scrollY],
      page: document.body.dataset.page,
      focused: active && active !== document.body && active.id ? active.id : null,
      elements,
      seq: state.seq,
      doc: state.doc,
      time: performance.timeOrigin + performance.now(),
    };
  }

  function send() {
    pending = false;
    state.seq += 1;
    // keepalive: a report sent just before navigating away still arrives.
    fetch("/api/layout", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(snapshot()),
      keepalive: true,
    }).catch(() => {});
  }

  // Coalesced to one report per task: focusout and focusin of one focus change fire in the
  // same task, and a report between them would claim that nothing has the focus.
  function schedule() {
    if (pending) return;
    pending = true;
    setTimeout(send, 0);
  }

  for (const type of ["scroll", "resize", "load", "pageshow"]) window.addEventListener(type, schedule);
  for (const type of ["focusin", "focusout", "input", "DOMContentLoaded"]) document.addEventListener(type, schedule);
  schedule();
})();
