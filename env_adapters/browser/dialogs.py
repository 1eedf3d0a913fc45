"""Holding a page's dialogs open for the model, and the greenlet hand-off that makes it possible.

Playwright dismisses a dialog at once unless a listener is registered, which would
silently cancel a "Delete? OK/Cancel" confirm. `DialogDesk` registers a listener that does
*not* answer: the dialog stays open, shows up in `Observation.dialog`, and is answered only
by an `AnswerDialog` action.

While a dialog is open the page's JavaScript is blocked, and so is the input event that
opened it: Playwright's ``mouse.click`` (or ``keyboard.press``) does not return until the
dialog is answered. So every action runs in a greenlet of its own (the sync API is built on
greenlets: each blocking call switches to Playwright's dispatcher fiber); when a dialog
opens, the listener hands control back to the caller of `run`, and the blocked input call
is left to finish on the dispatcher once the dialog is answered.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ...actions.screen import Dialog

if TYPE_CHECKING:
    from playwright.sync_api import Dialog as PwDialog
    from playwright.sync_api import Page

__all__ = ["DialogDesk"]

_INTERRUPTED = "interrupted by a dialog"


@dataclass
class _Opened:
    """A dialog waiting for its answer."""

    dialog: PwDialog
    page: Page


class DialogDesk:
    """The dialogs open on a browser context, and how each was answered.

    Args:
        bring_forward: called with a dialog's page when the dialog opens, so the env
            looks at the tab that needs an answer.

    Attributes:
        log: every dialog seen and how it was answered, in order (dicts, JSON-ready).
    """

    def __init__(self, bring_forward: Callable[[Page], None]) -> None:
        self._bring_forward = bring_forward
        self._opened: list[_Opened] = []
        self._interrupt: tuple[Any, Any] | None = None
        self._handler_greenlet: Any = None
        self._closed = False
        self.log: list[dict[str, Any]] = []

    # -- what is open -----------------------------------------------------------------

    def is_open_on(self, page: Page) -> bool:
        """Whether a dialog waits on ``page`` (its JavaScript and screenshots are blocked)."""
        return self._opened_on(page) is not None

    def shown_on(self, page: Page) -> Dialog | None:
        """The dialog waiting on ``page``, as the model is told about it."""
        opened = self._opened_on(page)
        if opened is None:
            return None
        d = opened.dialog
        return Dialog(kind=d.type, message=d.message, default_value=d.default_value)

    def latest_kind(self) -> str:
        """The kind of the dialog opened last (``confirm``…), or ``a`` when none is open."""
        return self._opened[-1].dialog.type if self._opened else "a"

    # -- answering --------------------------------------------------------------------

    def answer(self, page: Page, *, accept: bool, text: str | None) -> str | None:
        """Answer the dialog on ``page``; a note of what was done, or None when none is open."""
        opened = self._opened_on(page)
        if opened is None:
            return None
        self._opened.remove(opened)
        dialog = opened.dialog
        entry = {"kind": dialog.type, "message": dialog.message, "url": page.url}
        if accept:
            if dialog.type == "prompt" and text is not None:
                dialog.accept(text)
            else:
                dialog.accept()
        else:
            dialog.dismiss()
        self.log.append({**entry, "event": "answered", "accept": accept, "text": text})
        return f"{dialog.type} dialog {'accepted' if accept else 'dismissed'}"

    def close(self, *, dismiss: bool) -> None:
        """Stop holding dialogs; with ``dismiss``, answer the open ones "cancel" first.

        A page someone else owns is not left frozen behind a dialog nobody will answer.
        """
        self._closed = True
        try:
            if dismiss:
                for opened in self._opened:
                    opened.dialog.dismiss()
                    d = opened.dialog
                    self.log.append({"event": "dismissed on close", "kind": d.type, "message": d.message})
        finally:
            self._opened.clear()

    # -- the listener and the hand-off --------------------------------------------------

    def run(self, work: Callable[[], str]) -> str | None:
        """Run ``work``; its result, or None when a dialog opened before it returned.

        ``work`` runs in a greenlet of its own. If a dialog opens while it is blocked in
        Playwright, `on_dialog` switches straight back here; the blocked call finishes
        later on the dispatcher fiber, once the dialog is answered, and its outcome is dropped.
        """
        greenlet = importlib.import_module("greenlet")
        results: list[str] = []
        errors: list[Exception] = []

        def body() -> None:
            try:
                results.append(work())
            except Exception as exc:
                errors.append(exc)

        worker = greenlet.greenlet(body)
        self._interrupt = (worker, greenlet.getcurrent())
        try:
            signal = worker.switch()
        finally:
            self._interrupt = None
        if signal == _INTERRUPTED:
            # Let the listener's greenlet run to its end, so Playwright's dispatch of
            # the dialog event completes (it would auto-dismiss if it saw no listener).
            handler, self._handler_greenlet = self._handler_greenlet, None
            handler.parent = greenlet.getcurrent()
            handler.switch()
            return None
        if errors:
            raise errors[0]
        return results[0]

    def on_dialog(self, dialog: PwDialog) -> None:
        """Playwright's ``dialog`` listener: hold the dialog, and hand control back to `run`."""
        page = dialog.page
        if page is None or self._closed:
            dialog.dismiss()
            return
        self._opened.append(_Opened(dialog=dialog, page=page))
        # A dialog needs an answer before anything else happens in its tab: bring it forward.
        self._bring_forward(page)
        self.log.append(
            {
                "event": "opened",
                "kind": dialog.type,
                "message": dialog.message,
                "default_value": dialog.default_value,
                "url": page.url,
            }
        )
        if self._interrupt is None:
            return
        greenlet = importlib.import_module("greenlet")
        worker, waiter = self._interrupt
        self._interrupt = None
        here = greenlet.getcurrent()
        # The blocked call now belongs to the dispatcher fiber, which resumes it when it completes.
        worker.parent = here.parent
        self._handler_greenlet = here
        waiter.switch(_INTERRUPTED)

    def _opened_on(self, page: Page) -> _Opened | None:
        return next((o for o in self._opened if o.page is page), None)
