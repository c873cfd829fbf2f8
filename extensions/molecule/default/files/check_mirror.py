"""Check the mirrors on this host the way a CDN sees them, independently of
the module: work out from the source layers what each tree must hold, then
compare `dest` with it and fetch every file from nginx on loopback.

Reads a JSON spec on stdin ({"base_url": ..., "trees": [{dest, src, within,
exclude, link_style, purge_prefix, mode, group}]}) and prints {"trees":
[{dest, files, symlinked, copied, fetched}], "problems": [...]}.
"""

import fnmatch
import grp
import json
import os
import stat
import sys
import urllib.error
import urllib.parse
import urllib.request


def inside(path, root):
    return path == root or path.startswith(root.rstrip('/') + '/')


def excluded(rel, patterns):
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(os.path.basename(rel), p) for p in patterns)


def walk_layer(root, allowed, patterns):
    """rel -> real path of every file a layer offers, and the escaping links."""
    files, escapes = {}, set()
    stack = [('', root, {os.path.realpath(root)})]
    while stack:
        rel_dir, real_dir, seen = stack.pop()
        for name in sorted(os.listdir(real_dir)):
            rel = os.path.join(rel_dir, name) if rel_dir else name
            if excluded(rel, patterns):
                continue
            real = os.path.realpath(os.path.join(real_dir, name))
            if not any(inside(real, r) for r in allowed):
                escapes.add(rel)
            elif os.path.isdir(real):
                if real not in seen:
                    stack.append((rel, real, seen | {real}))
            elif os.path.isfile(real):
                files[rel] = real
    return files, escapes


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, b''


def check_tree(tree, base_url, problems):
    within = [os.path.realpath(w) for w in tree['within']]
    layers = tree['src'] if isinstance(tree['src'], list) else [tree['src']]
    allowed = within + [os.path.realpath(layer) for layer in layers]
    files, escapes = {}, set()
    for layer in layers:
        layer_files, layer_escapes = walk_layer(layer, allowed, tree['exclude'])
        files.update(layer_files)
        escapes = (escapes - set(layer_files)) | layer_escapes
    dest = tree['dest']
    url = base_url + tree['purge_prefix']

    def problem(rel, what):
        problems.append('%s: %s' % (os.path.join(dest, rel), what))

    present = set()
    for dirpath, dirnames, filenames in os.walk(dest):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            present.add(os.path.relpath(os.path.join(dirpath, name), dest))
    for rel in sorted(present - set(files)):
        problem(rel, 'in dest without a source')
    summary = {'dest': dest, 'files': sorted(files), 'symlinked': 0, 'copied': 0, 'fetched': 0}
    for rel, real in sorted(files.items()):
        path = os.path.join(dest, rel)
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            problem(rel, 'missing')
            continue
        if any(inside(real, w) for w in within):
            if not stat.S_ISLNK(st.st_mode):
                problem(rel, 'copied, but its source %s is inside within' % real)
                continue
            target = os.readlink(path)
            if os.path.realpath(path) != real:
                problem(rel, 'links to %s, not to %s' % (target, real))
            if os.path.isabs(target) != (tree['link_style'] == 'absolute'):
                problem(rel, 'link %s is not %s' % (target, tree['link_style']))
            summary['symlinked'] += 1
        else:
            if not stat.S_ISREG(st.st_mode):
                problem(rel, 'not a regular copy of %s (outside within)' % real)
                continue
            if tree.get('mode') and stat.S_IMODE(st.st_mode) != int(tree['mode'], 8):
                problem(rel, 'mode %o, not %s' % (stat.S_IMODE(st.st_mode), tree['mode']))
            if tree.get('group') and grp.getgrgid(st.st_gid).gr_name != tree['group']:
                problem(rel, 'group %s, not %s' % (grp.getgrgid(st.st_gid).gr_name, tree['group']))
            summary['copied'] += 1
        with open(real, 'rb') as f:
            source = f.read()
        status, body = fetch(url + urllib.parse.quote(rel))
        if status != 200 or body != source:
            problem(rel, 'served with status %d and %d bytes, the source has %d bytes' % (status, len(body), len(source)))
        else:
            summary['fetched'] += 1
    for rel in sorted(escapes):
        if os.path.lexists(os.path.join(dest, rel)):
            problem(rel, 'escaping source link was mirrored')
        status, _body = fetch(url + urllib.parse.quote(rel))
        if status != 404:
            problem(rel, 'escaping source link answered %d, not 404' % status)
    summary['escapes'] = sorted(escapes)
    return summary


def main():
    spec = json.load(sys.stdin)
    problems = []
    trees = [check_tree(tree, spec['base_url'], problems) for tree in spec['trees']]
    json.dump({'trees': trees, 'problems': problems}, sys.stdout, indent=1)


if __name__ == '__main__':
    main()
