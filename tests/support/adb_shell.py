"""The device shell of the adb test double: a small POSIX shell, so quoting is judged as a phone judges it.

adbd runs every ``shell:``/``exec:`` command line through ``/system/bin/sh -c`` (AOSP
``packages/modules/adb/daemon/shell_service.cpp``), so what a command *receives* depends on
POSIX quoting (IEEE Std 1003.1, Shell Command Language, 2.2 Quoting and 2.6 Word Expansions).
A double that split command lines with ``str.split`` or ``shlex`` would accept escaping a
phone rejects. This interpreter implements the parts that matter for that:

- single quotes (all literal), double quotes (backslash escapes only ``$ ` " \\`` and newline),
  backslash outside quotes, ``#`` comments;
- expansions ``$?``, ``$NAME``, ``${NAME}``, ``$(cmd)`` and backquotes, run *for real* against
  the device (an unescaped ``$(x)`` runs ``x``, gets "not found" and expands to nothing, as on a
  phone), with field splitting of unquoted results;
- operators ``;``, ``&&``, ``||``, ``|``, ``&`` (run in the foreground here), newlines, and
  redirections ``>``, ``>>``, ``<``, ``<>``, ``2>``, ``2>&1``, ``>&2``; an unquoted ``(`` or ``)``
  is a syntax error, as in ``sh`` for a simple command.

Not implemented (a command using them gets a syntax error, never a silent guess): ``$((..))``,
``${X:-..}`` modifiers, globbing (no file on the double matches a pattern, so words stay literal as
they would on a phone's ``/``), here-documents, functions, ``if``/``for``/``while``.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["Io", "ShellSyntaxError", "run_script"]

SH = "/system/bin/sh"
_OPS = ("&&", "||", ">>", "<>", ">&", ";", "&", "|", ">", "<", "(", ")")


class _Exit(Exception):
    """``exit N``: stop the script with status N."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class ShellSyntaxError(Exception):
    """The command line is not valid shell; the message is the shell's complaint."""


@dataclass
class Io:
    """Where a command reads and writes: ``out``/``err`` take bytes; ``closed`` says the client left."""

    out: Callable[[bytes], None]
    err: Callable[[bytes], None]
    stdin: bytes = b""
    closed: Callable[[], bool] = lambda: False


# A word is a list of parts: ("lit", text, quoted), ("var", name, quoted), ("sub", source, quoted).
Part = tuple[str, str, bool]


@dataclass
class _Word:
    parts: list[Part]


@dataclass
class _Command:
    words: list[_Word] = field(default_factory=list)
    redirs: list[tuple[str, _Word]] = field(default_factory=list)


Token = _Word | str


def _matching_paren(src: str, i: int) -> int:
    """Index of the ``)`` closing the ``$(`` whose ``(`` is at ``i - 1``, skipping quoted text."""
    depth = 1
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            j = src.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("syntax error: unterminated quoted string")
            i = j + 1
            continue
        if c == '"':
            i += 1
            while i < len(src) and src[i] != '"':
                i += 2 if src[i] == "\\" else 1
            i += 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ShellSyntaxError("syntax error: unmatched '('")


def _dollar(src: str, i: int, quoted: bool) -> tuple[Part, int]:
    """Parse the expansion starting at ``src[i] == '$'``; return the part and the next index."""
    nxt = src[i + 1] if i + 1 < len(src) else ""
    if nxt == "(":
        if src.startswith("((", i + 1):
            raise ShellSyntaxError("syntax error: arithmetic expansion is not supported by the double")
        end = _matching_paren(src, i + 2)
        return ("sub", src[i + 2 : end], quoted), end + 1
    if nxt == "{":
        end = src.find("}", i + 2)
        name = src[i + 2 : end] if end > 0 else ""
        if end < 0 or not (name.isidentifier() or name in ("?", "$", "#") or name.isdigit()):
            raise ShellSyntaxError(f"syntax error: bad substitution: ${{{src[i + 2 :]}")
        return ("var", name, quoted), end + 1
    if (nxt and nxt in "?$#!@*-") or nxt.isdigit():
        return ("var", nxt, quoted), i + 2
    if nxt == "_" or nxt.isalpha():
        j = i + 1
        while j < len(src) and (src[j] == "_" or src[j].isalnum()):
            j += 1
        return ("var", src[i + 1 : j], quoted), j
    return ("lit", "$", quoted), i + 1


def _backquote(src: str, i: int, quoted: bool) -> tuple[Part, int]:
    j = i + 1
    inner = []
    while j < len(src) and src[j] != "`":
        if src[j] == "\\" and j + 1 < len(src) and src[j + 1] in "`\\$":
            inner.append(src[j + 1])
            j += 2
            continue
        inner.append(src[j])
        j += 1
    if j >= len(src):
        raise ShellSyntaxError("syntax error: unterminated `")
    return ("sub", "".join(inner), quoted), j + 1


def lex(src: str) -> list[Token]:
    """Split a command line into words (with their quoting kept) and operator strings."""
    tokens: list[Token] = []
    parts: list[Part] | None = None
    i, n = 0, len(src)

    def flush() -> None:
        nonlocal parts
        if parts is not None:
            tokens.append(_Word(parts))
            parts = None

    def add(part: Part) -> None:
        nonlocal parts
        if parts is None:
            parts = []
        parts.append(part)

    while i < n:
        c = src[i]
        if c in " \t":
            flush()
            i += 1
        elif c == "\n":
            flush()
            tokens.append(";")
            i += 1
        elif c == "#" and parts is None:
            while i < n and src[i] != "\n":
                i += 1
        elif c == "\\":
            if i + 1 < n and src[i + 1] == "\n":
                i += 2
            elif i + 1 < n:
                add(("lit", src[i + 1], True))
                i += 2
            else:
                add(("lit", "\\", False))
                i += 1
        elif c == "'":
            j = src.find("'", i + 1)
            if j < 0:
                raise ShellSyntaxError("syntax error: unterminated quoted string")
            add(("lit", src[i + 1 : j], True))
            i = j + 1
        elif c == '"':
            add(("lit", "", True))
            i += 1
            while True:
                if i >= n:
                    raise ShellSyntaxError("syntax error: unterminated quoted string")
                d = src[i]
                if d == '"':
                    i += 1
                    break
                if d == "\\" and i + 1 < n and src[i + 1] in '$`"\\\n':
                    if src[i + 1] != "\n":
                        add(("lit", src[i + 1], True))
                    i += 2
                elif d == "$":
                    part, i = _dollar(src, i, True)
                    add(part)
                elif d == "`":
                    part, i = _backquote(src, i, True)
                    add(part)
                else:
                    add(("lit", d, True))
                    i += 1
        elif c == "$":
            part, i = _dollar(src, i, False)
            add(part)
        elif c == "`":
            part, i = _backquote(src, i, False)
            add(part)
        else:
            op = next((o for o in _OPS if src.startswith(o, i)), None)
            if op is None:
                add(("lit", c, False))
                i += 1
                continue
            # An unquoted single digit right before a redirection is its file descriptor ("2>").
            if op in (">", ">>", ">&", "<", "<>") and parts is not None and len(parts) == 1:
                kind, text, quoted = parts[0]
                if kind == "lit" and not quoted and text.isdigit() and len(text) == 1:
                    parts = None
                    op = text + op
            flush()
            tokens.append(op)
            i += len(op) if not op[0].isdigit() else len(op) - 1
    flush()
    return tokens


def parse(tokens: list[Token]) -> list[tuple[list[_Command], str]]:
    """Group tokens into and-or lists: ``[(pipeline, connector after it), ...]``."""
    result: list[tuple[list[_Command], str]] = []
    pipeline: list[_Command] = []
    cmd = _Command()
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if isinstance(tok, _Word):
            cmd.words.append(tok)
        elif tok.lstrip("0123456789") in (">", ">>", ">&", "<", "<>"):
            if i + 1 >= len(tokens) or not isinstance(tokens[i + 1], _Word):
                raise ShellSyntaxError("syntax error: redirection without a file")
            target = tokens[i + 1]
            assert isinstance(target, _Word)
            cmd.redirs.append((tok, target))
            i += 1
        elif tok in ("(", ")"):
            raise ShellSyntaxError(f"syntax error: '{tok}' unexpected")
        else:
            if not cmd.words and not cmd.redirs:
                if tok == ";" and not pipeline and not result and i == 0:
                    raise ShellSyntaxError("syntax error: ';' unexpected")
                if tok in (";", "&") and not pipeline:
                    i += 1
                    continue
                raise ShellSyntaxError(f"syntax error: '{tok}' unexpected")
            pipeline.append(cmd)
            cmd = _Command()
            if tok != "|":
                result.append((pipeline, tok))
                pipeline = []
        i += 1
    if cmd.words or cmd.redirs:
        pipeline.append(cmd)
    elif pipeline:
        raise ShellSyntaxError("syntax error: unexpected end of command after '|'")
    if pipeline:
        result.append((pipeline, ";"))
    return result


CommandFn = Callable[[list[str], Io], int]


class Shell:
    """Runs command lines; ``lookup(name)`` gives the device's command, or None for "not found"."""

    def __init__(self, lookup: Callable[[str], CommandFn | None], files: dict[str, bytes]) -> None:
        self.lookup = lookup
        self.files = files
        self.vars: dict[str, str] = {"?": "0", "$": "4242", "#": "0", "0": SH}

    def run(self, src: str, io_: Io) -> int:
        try:
            lists = parse(lex(src))
        except ShellSyntaxError as e:
            io_.err(f"{SH}: {e}\n".encode())
            self.vars["?"] = "2"
            return 2
        status = 0
        skip = False
        for pipeline, connector in lists:
            if not skip:
                try:
                    status = self._pipeline(pipeline, io_)
                except _Exit as e:
                    self.vars["?"] = str(e.status)
                    return e.status
                self.vars["?"] = str(status)
            # POSIX and-or lists: a skipped pipeline leaves $? as the last one that ran.
            skip = (connector == "&&" and status != 0) or (connector == "||" and status == 0)
        return status

    def _expand(self, word: _Word, io_: Io) -> list[str]:
        fields: list[str] = []
        cur: list[str] = []
        have = False  # a quoted part makes a field even when empty
        for kind, text, quoted in word.parts:
            if kind == "lit":
                cur.append(text)
                have = True
                continue
            value = self.vars.get(text, "") if kind == "var" else self._substitute(text, io_)
            if quoted:
                cur.append(value)
                have = True
                continue
            pieces = value.split()
            if not pieces:
                continue
            if value[:1].isspace() and (cur or have):
                fields.append("".join(cur))
                cur, have = [], False
            for k, piece in enumerate(pieces):
                if k:
                    fields.append("".join(cur))
                    cur = []
                cur.append(piece)
                have = True
            if value[-1:].isspace():
                fields.append("".join(cur))
                cur, have = [], False
        if cur or have:
            fields.append("".join(cur))
        return fields

    def _substitute(self, src: str, io_: Io) -> str:
        buf = io.BytesIO()
        status = Shell(self.lookup, self.files).run_capture(src, buf, io_)
        self.vars["?"] = str(status)
        return buf.getvalue().decode("utf-8", "replace").rstrip("\n")

    def run_capture(self, src: str, buf: io.BytesIO, outer: Io) -> int:
        return self.run(src, Io(out=buf.write, err=outer.err, closed=outer.closed))

    def _pipeline(self, pipeline: list[_Command], io_: Io) -> int:
        stdin = io_.stdin
        status = 0
        for k, cmd in enumerate(pipeline):
            last = k == len(pipeline) - 1
            buf = io.BytesIO()
            stage = Io(out=io_.out if last else buf.write, err=io_.err, stdin=stdin, closed=io_.closed)
            status = self._simple(cmd, stage)
            stdin = buf.getvalue()
        return status

    def _simple(self, cmd: _Command, io_: Io) -> int:
        argv: list[str] = []
        for w in cmd.words:
            argv.extend(self._expand(w, io_))
        out, err, stdin = io_.out, io_.err, io_.stdin
        pending: list[tuple[str, io.BytesIO, bool]] = []
        for op, target_word in cmd.redirs:
            targets = self._expand(target_word, io_)
            if len(targets) != 1:
                io_.err(f"{SH}: ambiguous redirect\n".encode())
                return 1
            target = targets[0]
            fd = op[0] if op[0].isdigit() else ("0" if op.lstrip("0123456789")[0] == "<" else "1")
            kind = op.lstrip("0123456789")
            if kind == ">&":
                sink = {"1": out, "2": err}.get(target)
                if sink is None:
                    io_.err(f"{SH}: {target}: bad file descriptor\n".encode())
                    return 1
                if fd == "2":
                    err = sink
                else:
                    out = sink
            elif kind in ("<", "<>"):
                if target not in self.files and kind == "<":
                    io_.err(f"{SH}: can't open '{target}': No such file or directory\n".encode())
                    return 1
                stdin = self.files.setdefault(target, b"")
            else:
                buf = io.BytesIO()
                pending.append((target, buf, kind == ">>"))
                if target != "/dev/null":
                    self.files.setdefault(target, b"") if kind == ">>" else self.files.__setitem__(
                        target, b""
                    )
                if fd == "2":
                    err = buf.write
                else:
                    out = buf.write
        status = 0
        if argv and argv[0] == "exit":
            raise _Exit(int(argv[1]) & 0xFF if len(argv) > 1 and argv[1].isdigit() else int(self.vars["?"]))
        if argv:
            fn = self.lookup(argv[0])
            if fn is None:
                err(f"{SH}: {argv[0]}: not found\n".encode())
                status = 127
            else:
                status = fn(argv, Io(out=out, err=err, stdin=stdin, closed=io_.closed))
        for target, buf, append in pending:
            if target != "/dev/null":
                old = self.files.get(target, b"") if append else b""
                self.files[target] = old + buf.getvalue()
        return status


def run_script(shell: Shell, src: str, io_: Io) -> int:
    """Run ``src`` as ``sh -c`` would; returns the exit status of the last command."""
    return shell.run(src, io_)
