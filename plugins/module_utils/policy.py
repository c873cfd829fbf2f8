# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure decisions about paths: containment, `within` parsing, excludes, modes.

Nothing here touches the file system except `os.path.realpath` on the
configured roots, so every rule can be unit-tested on plain strings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import stat

# Temporary entries we create in `dest` carry this fixed-length name (never
# derived from the final name, so a 255-byte name still fits) and are
# recognised and removed by the next run after a crash.
TEMP_PREFIX = '.cdn-origin-tmp-'
TEMP_RE = re.compile(r'\A\.cdn-origin-tmp-[0-9a-f]{16}\Z')


def is_temp_name(name):
    return name.startswith(TEMP_PREFIX) and TEMP_RE.match(name) is not None


def split_paths(value):
    """Accept a list of paths or the original backend's colon-separated string.

    Empty entries are kept, for the caller to refuse: in a PATH-like list an
    empty entry means the working directory.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = []
        for item in value:
            items.extend(split_paths(item))
        return items
    return str(value).split(':')


class Roots:
    """A set of real directories, with containment decided by path components.

    `/srv/htdocs-evil/x` is not inside `/srv/htdocs`: a root only contains
    itself and paths that continue it with a `/`.
    """

    def __init__(self, reals):
        self.reals = tuple(sorted(set(reals)))
        self._prefixes = tuple(r if r.endswith('/') else r + '/' for r in self.reals)

    @classmethod
    def resolve(cls, paths):
        return cls(os.path.realpath(os.path.abspath(os.path.expanduser(p))) for p in paths)

    def contains(self, real):
        for root, prefix in zip(self.reals, self._prefixes):
            if real == root or real.startswith(prefix):
                return True
        return False

    def __bool__(self):
        return bool(self.reals)

    __nonzero__ = __bool__


def inside(path, root):
    return Roots((root,)).contains(path)


class Excluder:
    """rsync's --exclude patterns, matched against an entry's path relative to the tree root.

    A pattern ending with `/` matches directories only. One starting with
    `/` is anchored at the tree root; any other is matched against the end
    of the path, at a `/`: without an inner `/` it matches the base name at
    any depth. `*`, `?` and `[...]` never match a `/`, `**` does, and a
    trailing `/***` matches the directory and everything in it. A backslash
    makes the next character literal.
    """

    def __init__(self, patterns):
        anywhere, dirs = [], []
        for pattern in patterns or ():
            if not pattern or pattern == '/':
                continue
            (dirs if pattern.endswith('/') else anywhere).append(_translate(pattern.rstrip('/') or '/'))
        self._any = _compile(anywhere)
        self._dirs = _compile(dirs)

    def __call__(self, rel, _name=None, is_dir=False):
        """Whether the entry at `rel` is excluded (its base name is part of `rel`); `is_dir` may be a callable,
        asked only when a directory-only pattern matches."""
        if self._any is not None and self._any.match(rel) is not None:
            return True
        if self._dirs is None or self._dirs.match(rel) is None:
            return False
        return bool(is_dir() if callable(is_dir) else is_dir)


def _compile(regexes):
    return re.compile('|'.join('(?:%s)' % r for r in regexes), re.DOTALL) if regexes else None


def _translate(pattern):
    """The regular expression of one pattern (its trailing `/` already cut), matched against a whole relative path."""
    anchored = pattern.startswith('/')
    text = pattern.lstrip('/') if anchored else pattern
    tail = ''
    if text.endswith('/***'):
        text, tail = text[:-4], '(?:/.*)?'
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '*':
            stars = len(text[i:]) - len(text[i:].lstrip('*'))
            out.append('.*' if stars > 1 else '[^/]*')
            i += stars
            continue
        if c == '?':
            out.append('[^/]')
        elif c == '\\' and i + 1 < n:
            i += 1
            out.append(re.escape(text[i]))
        elif c == '[':
            end = _class_end(text, i)
            if end is None:
                out.append(re.escape(c))
            else:
                body = text[i + 1:end]
                negate = body[:1] in ('!', '^')
                if negate:
                    body = body[1:]
                body = ''.join('\\' + ch if ch in '\\[]^&~|' else ch for ch in body if ch != '/')
                # a class never matches a `/` (one that holds nothing else matches nothing)
                out.append('[^%s/]' % body if negate else '[%s]' % body if body else '(?!)')
                i = end
        else:
            out.append(re.escape(c))
        i += 1
    return '%s%s%s\\Z' % ('' if anchored else '(?:.*/)?', ''.join(out), tail)


def _class_end(text, start):
    """The index of the `]` closing the class opened at `start`, or None (then `[` is literal)."""
    i = start + 1
    if i < len(text) and text[i] in '!^':
        i += 1
    if i < len(text) and text[i] == ']':
        i += 1
    end = text.find(']', i)
    return None if end < 0 else end


_SYMBOLIC = re.compile(r'\A([ugoa]*)((?:[-+=][rwxXst]*)+)\Z')
_OP = re.compile(r'([-+=])([rwxXst]*)')
_WHO_BITS = {'u': 0o4700, 'g': 0o2070, 'o': 0o0007}
_PERM_BITS = {'r': 0o444, 'w': 0o222, 'x': 0o111, 's': 0o6000, 't': 0o1000}


class ModeSpec:
    """`mode`/`directory_mode` as Ansible accepts them: octal or symbolic (u+rwX,go=r)."""

    def __init__(self, value, option='mode'):
        self.fixed = None
        self.clauses = ()
        if isinstance(value, int):
            self.fixed = value & 0o7777
            return
        text = str(value).strip()
        if re.match(r'\A0?[0-7]{1,4}\Z', text):
            self.fixed = int(text, 8)
            return
        clauses = []
        for clause in text.split(','):
            match = _SYMBOLIC.match(clause)
            if not match:
                raise ValueError('%s %r is neither octal nor symbolic (like u=rw,go=r)' % (option, value))
            who = match.group(1) or 'a'
            mask = 0
            for w in ('ugo' if 'a' in who else who):
                mask |= _WHO_BITS[w]
            clauses.append((mask, tuple(_OP.findall(match.group(2)))))
        self.clauses = tuple(clauses)

    def apply(self, base, is_dir=False):
        if self.fixed is not None:
            return self.fixed
        mode = base & 0o7777
        for mask, ops in self.clauses:
            for op, perms in ops:
                bits = 0
                for p in perms:
                    if p == 'X':
                        if is_dir or mode & 0o111:
                            bits |= 0o111
                    else:
                        bits |= _PERM_BITS[p]
                bits &= mask
                if op == '+':
                    mode |= bits
                elif op == '-':
                    mode &= ~bits
                else:
                    mode = (mode & ~mask) | bits
        return mode


def copy_mode(source_mode, spec):
    """Final permission bits of a copy.

    Without `mode` a copy keeps the source's permission bits, minus setuid and
    setgid: the copy is owned by whoever runs the mirror (often root), so
    keeping those bits would hand a source author a privileged executable.
    """
    base = stat.S_IMODE(source_mode) & ~(stat.S_ISUID | stat.S_ISGID)
    return base if spec is None else spec.apply(base)


def display(path):
    """A path as readable text, whatever bytes its name holds (JSON-safe)."""
    return os.fsencode(path).decode('utf-8', 'backslashreplace')
