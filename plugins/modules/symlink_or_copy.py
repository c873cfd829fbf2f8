#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: symlink_or_copy
short_description: Mirror files by symlinking trusted originals and copying everything else
version_added: 0.1.0
description:
  - Builds and keeps an origin mirror tree for an origin-pull CDN.
  - Every source file whose real path (symlinks resolved) lies inside one of the O(within) directories is
    B(symlinked) into O(dest); every other file is B(copied). Containment is decided by path components,
    so C(/srv/htdocs-evil/x) is not inside C(/srv/htdocs).
  - Every change is atomic. A copy is written to a temporary file in the same directory, given its final
    mode, owner and modification time, and renamed into place; a link that replaces an entry is created under
    a temporary name and renamed over it. A reader of C(dest/REL) sees the old complete entry or the new one.
    Temporary files left by an interrupted run are removed by the next run.
  - A run applies its changes in three phases, so a reader pulling a page and then the assets it names (a CDN
    edge) never finds a new page naming an asset that is not there yet, see the notes.
  - Nothing is written through a symlink found below O(dest); such a link is replaced. Nothing outside O(dest)
    is created or deleted.
  - Source symlinks whose real target lies outside every source root and every O(within) root, dangling
    links, link loops, FIFOs, sockets and devices are skipped with a warning and listed in RV(skipped_entries).
    So are links whose resolution passes through O(dest) at any step (what O(dest) holds changes from run to
    run), and chains of more than 40 links, which the kernel refuses too. The reason names the path in O(dest) as
    the link leads there, nothing in O(dest) looked at, so check mode gives the same reason as the real run.
  - "A skip warning reads C(DEST: skipped REL: reason), so the warnings of two hosts or trees stay apart (Ansible
    shows a warning text once per run); the first 20 are named, the rest counted. With C(--diff), the skips the
    diff lists (its C(! skip) lines) are counted in one warning instead of named twice."
  - Options are checked before anything is written. An empty or blank O(dest), O(src) entry or O(within) entry
    fails the task (an empty path would be the working directory), and so does a O(within) entry that is not
    an absolute path to an existing directory, a O(dest) that is a symlink to nothing, and an O(owner) or
    O(group) id that cannot be set.
  - When O(dest) exists, the whole tree is planned before anything is written. Conflicts, unreadable sources
    and O(max_delete) fail the task at that point, with nothing changed. Check mode runs the same planner and
    stops there, so it reports exactly the RV(changes) the next real run performs. A O(dest) that does not exist
    yet has nothing to lose, and is planned and written in one pass.
  - Without O(mode), a copy keeps the permission bits of its source except setuid and setgid.
  - A sparse source keeps its holes in the copy, as C(cp) does by default; only its data segments are written
    (found with C(SEEK_DATA)/C(SEEK_HOLE); where the file system cannot tell, the file is copied whole).
  - When the file system of O(dest) refuses symlinks (vfat, exFAT), files are copied instead, with a warning.
author:
  - cdn.origin maintainers (@cdn-origin)
options:
  src:
    description:
      - A file, a directory, or a list of directories.
      - A list is a stack of B(layers) merged by relative path; a later layer wins over an earlier one, a
        directory merging only with directories. Typical use is an original tree plus a tree of modified files.
      - A source directory that is a symlink to a place inside a source root or a O(within) root is descended
        into, its files mirrored one by one, with loop protection where the cycle closes, as C(cp -RL) and C(du -L)
        do. A directory reached through links is skipped (C(symlink loop back to PATH)) only when its real path is
        a directory already being walked above it; so C(sub/up -> ..) is skipped at once, while C(up -> ..) at
        the top of O(src) is descended, and its content mirrored down to O(src) itself, which is skipped there
        (and so is O(dest), when it lies there).
      - Below such a link, each real directory is entered through further links at most 8 times (counted in walk
        order below the outermost followed link); past that a link is skipped with a warning naming the fan-out,
        so links fanning out (each level linking twice to the next) cannot multiply the tree without end.
      - Symlinks in the given paths themselves are followed.
      - An empty or blank entry fails the task.
    type: raw
    required: true
  dest:
    description:
      - The mirror. With a directory O(src), C(dest/REL) is kept for every C(src/REL); O(dest) is created if
        it does not exist, and so are its missing parents unless O(parents=false).
      - With a single file O(src), the path of the link or copy; when O(dest) is an existing directory or ends
        with C(/), the file goes inside it under its own name.
      - An empty or blank O(dest) fails the task. With a directory O(src), a O(dest) that is a symlink to a
        directory is followed, one that is a symlink to nothing fails the task instead of creating its target.
    type: path
    required: true
  parents:
    description:
      - Create the missing parent directories of O(dest) (with a single file O(src), of the file), as the original
        backend's C(os.makedirs) did. They get O(directory_mode) (or the umask's default), O(owner) and O(group),
        as the directories the module creates in O(dest), are listed in RV(parents_created) and in the diff
        as C(+ mkdir   /srv/origin/) lines marked C(parent of dest), before the other lines, not in RV(changes) nor
        in RV(summary), and make the task changed. Check mode reports the same and creates nothing.
      - Each is created relative to the directory above it, from the deepest one that exists, without following
        a symlink; one planted on the way since the run looked fails the task naming it.
      - With V(false), a missing parent fails the task, as does a parent that exists and is not a directory
        (named in the message) either way.
    type: bool
    default: true
    version_added: 0.2.0
  within:
    description:
      - Trusted directories. A source file whose real path lies inside the real path of one of them is
        symlinked, every other file is copied.
      - A list, or a single colon-separated string such as C(/srv/htdocs:/srv/static).
      - Each entry must be an absolute path (a leading C(~) is expanded) to an existing directory; anything else,
        an empty or blank entry too (C(""), C(/a::/b)), fails the task before anything changes. A mistyped
        O(within) would otherwise turn every link into it into an escaping link, skipped, and with O(prune)
        delete what those links mirrored. V([]) trusts nothing, and everything is copied.
    type: raw
    default: []
  link_style:
    description:
      - V(absolute) links point at the source's real path.
      - V(relative) links point at the same file through a path relative to the link's real parent directory.
      - V(hard) (added in 0.2.0) makes a B(hard link) to the file's checked real path instead of a symlink, for web
        servers that refuse symlinks (nginx C(disable_symlinks on), Apache without C(FollowSymLinks)). It is made
        under a temporary name, checked to be the planned file, and renamed into place (action V(hardlink), or
        V(relink) when it replaces another entry; the diff shows C(=> TARGET)). It is unchanged when the O(dest)
        entry already is that file (same device and inode), so a deploy that replaces an original with a new file
        relinks it.
      - A hard link needs the original on the file system and the mount of O(dest)'s directory. Otherwise (another
        device, another mount, a bind mount included, or a non-root run with C(fs.protected_hardlinks) on a file it
        does not own) the file is copied, planned so (check mode is exact), with a warning. Should the kernel still
        refuse the link at run time (C(EXDEV), C(EPERM), C(EMLINK)), the file is copied with a warning; a rerun then
        tries the link again.
      - Files outside O(within) are copied, never hard-linked.
      - A hard link is the original itself; O(mode), O(owner), O(group) and O(link_owner) do not apply to it, and
        nothing ever writes into it (updates replace the entry by a rename, prune unlinks it). Whoever can write the
        original changes the mirror at once, and an original rewritten in place (not replaced by a rename) changes
        what the mirror serves without a run.
    type: str
    choices: [absolute, relative, hard]
    default: absolute
  link_owner:
    description:
      - Who owns each symlink. V(process) is the owner of the process, or O(owner)/O(group) when set.
      - V(target) gives each symlink the user and group id of the file it points to (read with C(stat)), for
        Apache C(Options SymLinksIfOwnerMatch) and nginx C(disable_symlinks if_not_owner), which refuse a link whose
        owner (C(lstat)) is not its target's. O(owner) and O(group) then do not apply to links.
      - An owned link is made under a temporary name, given its owner (C(lchown)) and renamed into place, so no
        moment shows it with another owner. A link whose owner or group is not the one asked for is replaced by one
        that is (action V(update), detail C(owner) or C(group)), in check mode too. Setting an owner needs root.
      - No effect on hard links, which are the original (see O(link_style)).
    type: str
    choices: [process, target]
    default: process
    version_added: 0.2.0
  link_target:
    description:
      - What a symlink points at. V(real) is the real path of the file (every link resolved), as checked.
      - V(given) points through the O(within) path as written, the closest one holding the file. With
        O(within=/srv/app/current) and C(current -> releases/41), a link points at C(/srv/app/current/img/a.png),
        not at C(/srv/app/releases/41/img/a.png). Switching C(current) to another release then changes nothing in
        the mirror (no relink, nothing to purge). With O(link_style=relative), the link is that path made relative to
        the link's directory.
      - Containment is still checked on real paths when the run plans; only files whose real path lies inside
        O(within) are linked. Between runs, the web server follows the given path as it is then, so the operator
        vouches for every link in it. Whoever can change C(current) (or any directory link on the given path) changes
        what is served, until the next run and after it.
      - V(given) needs symlinks; with O(link_style=hard) the task fails.
    type: str
    choices: [real, given]
    default: real
    version_added: 0.2.0
  prune:
    description:
      - Remove entries under O(dest) that have no counterpart in the sources, including entries whose source is
        skipped (an escaping link, a FIFO), since what O(dest) holds under such a name mirrors nothing.
      - Symlinks are never followed while removing. Pruning runs last, and not at all when anything failed
        earlier in the run, nor when a run too large to keep its plan in memory finds the trees changed
        between its two plans (the task fails; run it again).
      - Prune does not cross file systems, see O(prune_mounts).
      - With O(prune_grace), an entry is removed only once it has been absent from every source for that long.
    type: bool
    default: false
  state_file:
    description:
      - The module's record of what O(dest) served at the end of the last successful run, for B(refresh) and
        O(prune_grace). A path outside O(dest) and outside every O(src) (also as its links resolve; the task
        fails otherwise); its directory must exist (the mirror role creates C(/var/lib/cdn-origin) with mode
        C(0700)). Keep it where only the user the module runs as can write.
      - It records, per directory of O(dest), each link and hard link with its target and the target's size,
        modification time and inode, and each entry kept for its grace with the time it was first seen absent. It
        is read a directory at a time while the trees are walked, so memory stays flat, and written anew to a
        temporary file beside it, flushed (with O(fsync)) and renamed over it at the end of a successful run (not at
        all when it is unchanged). A failed run leaves the old record, and the next run sees again what that one
        changed. Check mode reads it and writes nothing.
      - B(refresh) (action V(refresh)) - a link left as it is whose target's size, modification time or inode
        differs from the record (an original under O(within) edited in place, or replaced by another file) is
        listed in RV(changes) and counted in RV(summary.refreshed); the diff shows it as
        C(~ refresh PATH -> TARGET (size, mtime)). O(dest) itself is unchanged; the task reports C(changed) because
        what the mirror serves changed, and the mirror role purges the path. A link the record does not know (the
        first run) is recorded, not refreshed.
      - A missing file is nothing known. A corrupt one, or one recording another O(dest) or format, is nothing
        known too, with a warning, and is written anew. Nothing known never deletes anything or skips a change; no
        refresh is found, and every absent entry starts its grace at this run.
    type: path
    version_added: 0.2.0
  prune_grace:
    description:
      - Seconds an entry of O(dest) that no source has any more stays before O(prune) removes it (V(0), the default,
        removes it at once, as without a O(state_file)). Needs O(state_file) and O(prune=true); the task fails
        otherwise.
      - The first run that finds the entry absent records when; until the grace is over the entry stays unchanged,
        is listed in RV(removals_pending) and counted in RV(summary.pending_removal). Recording that is not a change;
        a run that does nothing else reports C(changed=false). The first run after the grace removes it (action
        V(remove), purged by the role then). An entry that comes back during its grace is kept, its time forgotten.
      - O(max_delete) counts only the removals due in this run. Check mode reports the removals due now.
      - Deploy guides ask for this, so that assets of the previous release stay while pages cached before the deploy may
        still name them.
    type: int
    default: 0
    version_added: 0.2.0
  prune_mounts:
    description:
      - Whether O(prune) and O(force) may remove what lies on a file system mounted inside O(dest) (bind mounts
        included; mount points are read from C(/proc/self/mountinfo) when the run starts).
      - With V(false), a run that would remove anything on such a file system, or the mount point itself, fails
        naming the mount point, before anything is changed (check mode fails the same way). Copies and links are
        still written into a mounted directory that mirrors a source directory.
      - With V(true), what the mounted file system holds is pruned like the rest of O(dest), but the mount point
        itself is kept (it cannot be removed while mounted), and so are the directories holding it. A mount point
        where a file or link must go fails the run either way.
      - To keep a mounted directory out of the mirror altogether, list it in O(exclude).
    type: bool
    default: false
    version_added: 0.2.0
  exclude:
    description:
      - Patterns with the rules of C(rsync --exclude), matched against each entry's path relative to the tree
        root (O(dest), or the sources' roots). Matching entries are neither mirrored nor pruned; a matching
        directory is not descended into.
      - A pattern without a C(/) (other than a trailing one) matches the base name at any depth, so C(*.tmp)
        matches C(a.tmp) and C(img/x/b.tmp), C(cache) matches C(cache) and C(a/cache) but not C(xcache).
      - A pattern with an inner C(/) matches the end of the path, at a C(/), so C(img/private) matches
        C(img/private) and C(site/img/private), not C(site/ximg/private).
      - A pattern starting with C(/) matches from the tree root only, so C(/robots.txt) matches C(robots.txt), not
        C(docs/robots.txt).
      - A pattern ending with C(/) matches directories only (a directory link in a source counts as a
        directory), so C(tmp/) matches the directory C(a/tmp), not a file named C(tmp).
      - C(*) matches any characters but C(/), C(?) one character but C(/), C([...]) one character of a class
        (C([!...]) or C([^...]) negated), never C(/); C(**) matches anything, C(/) included. So C(css/*.css)
        matches C(css/site.css), not C(css/v2/site.css) (C(css/**) matches both), and C(**.tmp) is the same as
        C(*.tmp). A trailing C(/***) matches a directory and everything in it (C(/logs/***)); a backslash makes
        the next character literal.
      - Before version 0.2.0, patterns were C(fnmatch) globs matched against the whole relative path or the base
        name, C(*) also matching C(/), and patterns starting or ending with C(/) matched nothing.
    type: list
    elements: str
    default: []
  checksum:
    description:
      - By default a copy is up to date when its size and modification time match the source (copies keep
        the source's modification time). Where the file system of O(dest) cannot hold the source's time (ext4
        keeps times from 1901 to 2446), the kernel stores its bound instead, and a copy at such a bound (32-bit,
        ext4 or XFS bigtime limits, whole seconds) with the source beyond it counts as matching.
      - With V(true), contents are compared instead, and a copy whose content is equal is left alone.
    type: bool
    default: false
  force:
    description:
      - Replace a non-empty directory in O(dest) where a file or link must go.
      - Without it, such conflicts fail the task, naming each of them, before anything is changed; but with
        O(prune), a directory that prune would empty anyway (nothing in it matches O(exclude)) is replaced without
        O(force), its content counted by O(max_delete) as prune's deletions.
      - A plain file where a link must go, a link where a copy must go, or anything but a directory where a
        directory must go is normal convergence and needs no O(force).
    type: bool
    default: false
  mode:
    description:
      - Permission bits of every copy, octal (V("0644"); quote it, or YAML reads a number) or symbolic
        (V(u=rw,go=r), V(go-w)).
      - Without it, a copy gets its source's permission bits except setuid and setgid (the copy belongs to the user
        the module runs as, often root, so those bits would hand the source's author a privileged program). A symbolic
        O(mode) applies to those bits. The umask plays no part in a copy's mode.
      - A copy is given its mode before it is renamed into place; an existing copy with other bits is fixed in place
        (action V(update), C(perms)).
      - Symlinks have no mode of their own, hard links keep the original's; directories take O(directory_mode).
    type: raw
  owner:
    description:
      - Owner of every copy, of every symlink (unless O(link_owner=target)) and of O(dest) and its directories, a
        user name or a numeric id. Entries the run writes get it; an existing one with another owner is fixed
        (action V(update), C(owner); a symlink is replaced by one with the right owner, renamed into place).
      - Without it, whatever the run writes belongs to the user the module runs as, and entries it leaves alone keep
        their owner.
      - Hard links keep the original's owner.
      - A name that does not exist on the host, or an id C(chown) cannot set, fails the task before anything changes.
    type: str
  group:
    description:
      - Group of every copy, of every symlink (unless O(link_owner=target)) and of O(dest) and its directories, a
        group name or a numeric id, applied like O(owner).
      - Without it, whatever the run writes gets the group of the user the module runs as (or of its directory, where
        the directory is setgid), and entries it leaves alone keep their group.
      - Hard links keep the original's group.
      - A name that does not exist on the host, or an id C(chown) cannot set, fails the task before anything changes.
    type: str
  unsafe_writes:
    description:
      - Accepted, as by the file modules, and ignored. Every write of this module is atomic (a temporary file or link in
        the same directory, renamed into place); there is no non-atomic fallback to allow.
    type: bool
    default: false
  directory_mode:
    description:
      - Mode of O(dest) and of its directories, octal or symbolic (a symbolic mode applies to the umask's
        default, as for a directory created now). Directories this module creates get it at creation; an existing
        one with another mode is fixed in place (action V(update)), so a run killed between a mkdir and its
        chmod, or a chmod by hand, is repaired by the next run.
      - Without it, created directories get the system default (umask) and existing ones keep their mode.
    type: raw
  fsync:
    description:
      - Flush each copy to disk before renaming it into place, and each directory that changed once when
        the run leaves it, so a mirror that reported success survives a power loss.
      - Copies are written a batch at a time (the new ones in batches of 1024 additions, the replacements a burst
        at a time) and flushed together before the batch is renamed into place, with one
        C(syncfs) of the file system of O(dest) (which also writes out what other programs left unwritten there)
        instead of one C(fsync) per file, each of which waits for the disk to flush its cache. Where C(syncfs)
        cannot be called or fails, each copy is flushed with C(fsync), naming the path of an error.
      - V(false) trades that promise for speed; every change stays atomic either way.
    type: bool
    default: true
  max_delete:
    description:
      - Fail, before deleting anything, when the run would delete more than this many entries (by O(prune)
        or by O(force)). Guards against an empty or unmounted source, or a mistyped O(src) or O(within),
        wiping the mirror.
      - A number (V(0) deletes nothing), or a percentage such as V(50%) of the entries in O(dest) before the
        run (those the planner lists, in the directories it walks and in those it would delete).
      - Only deletions of mirrored content count. Removing a temporary file left by an interrupted run, or a
        file where a directory must go, repairs O(dest) and does not count.
      - The failure lists the first planned deletions in RV(errors) and in its message; in check mode the result also
        carries the whole plan (RV(summary), RV(changes), the diff), to see what would have gone.
      - A run with more changes than are kept in memory (20000) plans twice; it deletes no more than its
        first plan counted, and fails before its removals when the trees changed between the two plans.
      - A O(force) deletion (a directory where a file or link goes) is applied with the changes of type, after the
        replacements; a O(prune) deletion last (see the notes on phases).
    type: raw
  dedupe:
    description:
      - With layers (a list O(src)), a file that would be copied is linked instead when its bytes equal those of
        the entry at the same relative path in the nearest earlier layer that holds one, and that entry's real path
        lies inside O(within) (resolved and checked as for any link; a link in that layer is followed). The link
        points at that original's real path, as any other link. Counted in RV(summary.deduplicated); in the diff,
        such a link says C(identical to PATH), the original as named through its layer.
      - Sizes are compared first, then the bytes, streamed. A rerun compares again every file whose size matches
        its original, linked or not, so a later edit of either file turns the link back into a copy (or a copy
        into a link) on the next run; with dedupe, a rerun reads both files of every same-size pair in full.
      - The link serves whatever the original holds; an edit of the original shows through it at once, until
        the next run finds the two files different and copies the later layer's file.
      - Ignored in single-file mode, and where O(dest)'s file system holds no symlinks.
    type: bool
    default: false
    version_added: 0.2.0
  changes_limit:
    description:
      - How many entries RV(changes) (and the diff's itemized lines) and RV(removals_pending) list at most;
        RV(changes_truncated) tells when RV(changes) was cut, RV(summary) counts everything either way.
      - V(0) lists every change, what a caller acting on every changed path (a CDN purge) needs. The result then
        grows with the change list (one entry per change, held in memory and returned to the controller).
      - Check mode lists the same entries as the real run. A negative number fails the task.
      - Does not limit RV(skipped_entries) (1000 at most).
      - To act on every changed path of a big tree, O(purge_paths) is cheaper than V(0).
    type: int
    default: 1000
    version_added: 0.2.0
  purge_paths:
    description:
      - Also return RV(purge_paths), the path of every file or link whose URL serves something else after the run,
        always complete, whatever O(changes_limit).
      - What a CDN purge needs, as plain strings; a list of 10,000 costs the controller a fraction of the same
        change list in RV(changes) (the role C(cdn.origin.mirror) asks for it when it purges).
    type: bool
    default: false
    version_added: 0.3.0
  workers:
    description:
      - How many processes the read-only planning pass may fork to read the trees (see the notes). V(1) plans in
        the task's own process, without forking; a number below 1 fails the task.
      - Without it, one per CPU the task may use that the 1-minute load average does not show busy already (as
        C(make -l) judges it), at most 8, at least 1. On a busy origin the walk so leaves the CPUs to the web
        server rather than adding forks to the same work. A lower number does so whatever the load; nothing is written
        while they run, so the result is the same whatever the number.
    type: int
    version_added: 0.2.0
notes:
  - The file modules' C(attributes), C(seuser), C(serole), C(setype) and C(selevel) are not options of this module;
    a task setting one fails (unsupported parameter) before anything changes. A copy, being a new file, gets the
    SELinux context a new file gets in its directory.
  - Hard links (O(link_style=hard)) keep the original's mode and owner; O(mode), O(owner) and O(group) never reach them.
  - Runs on one O(dest) take turns. A run takes an advisory lock (C(flock)) on the O(dest) directory before
    planning and holds it to its end, so a run that waited plans what the other left, and reports only what it
    changed itself. A check-mode run takes the lock shared, so check-mode runs overlap; a real run waits for them
    and they for it. A O(dest) that does not exist yet is locked as soon as it is created; a run that finds it
    created by another run meanwhile waits for that run and then plans against the result. The lock creates
    nothing; in single-file mode it is taken on the directory that holds the file. Other writers that do not
    take it (a C(cp), another tool) are not kept out.
  - Runs on the managed host with the Python standard library only.
  - "A real run applies its plan in three phases. 1. Additions: every new directory, and every symlink, hard link or
    copy to a path that does not exist in O(dest), in walk order; nothing a reader can already see changes. 2.
    Replacements: every V(update) and V(relink) of an existing entry. Each new file or link is first staged complete
    (content, mode, owner, modification time, C(fsync)) under a temporary name beside its final one, then all of them
    are renamed into place back to back, in walk order, in one burst; an attribute fix in place (V(update) of a mode
    or owner) is made in that burst. Old and new entries are mixed only while the burst runs (a rename each). A plan
    of more than 10000 replacements stages and renames them in bursts of 10000 (no more temporary files at once, no
    descriptor held for any), so there the mix lasts from the first burst to the last. Then the changes of type, which
    no rename can make: a directory where a file or link goes is removed with what it holds (O(force)), then the file
    or link made; a file where a directory goes is removed, then the directory made and filled. Such a path is missing
    for a moment, and what lies below a new directory appears entry by entry. 3. Removals, last: temporary files left
    by an interrupted run, then O(prune)."
  - "What a reader of O(dest) can observe during a run: each entry is at any moment its old complete self or its new
    one (a change of type aside, missing in between), never a partial file, never a file before its final mode and
    owner; every addition exists before the first replacement is visible, so a new page never names an asset that is
    not there yet; every entry that existed stays until its replacement, and pruned entries go only after the last
    replacement, so a page read before the switch finds its assets until prune starts (a page read just before the
    burst whose assets prune removes right after can still miss them: prune does not wait). A reader can see new
    directories and files appear before the replacements (they are new names, not yet named by any old page), and old
    and new replacements side by side during the burst. Temporary files (C(.cdn-origin-tmp-) and 16 hex digits) lie
    beside their final names while staged, and until the next run after a kill."
  - "Failures: when an addition fails (or the walk does), no replacement and no change of type is made, since a new
    page could name what is missing: every existing entry stays as it was, and the next run makes them. A replacement
    that cannot be staged keeps its old entry (its temporary file is removed) and the others go on; a full disk or a
    read-only file system while staging removes every staged file of the burst and changes no existing entry. A
    failure during the burst is reported naming the path; the entries renamed before it stay new, those after it are
    renamed too unless the error stops the run (full disk, read-only file system), and the next run converges. After
    any error, prune does not run; temporary files are removed by the next run. Check mode lists the changes in the
    order a real run applies them."
  - "What waits for a later phase is kept in memory while it is small and otherwise spooled to an unnamed temporary
    file of the system's temporary directory (never in O(dest)), so memory stays flat whatever the plan's size."
  - When O(dest) exists, and in check mode, the read-only planning pass forks one process per idle CPU the task
    may use (at most 8, or O(workers)) to read the trees; they write nothing and exit before any change is made.
    The result is the one a single process would reach, in the same order. A tree that does not branch within
    its first 8 levels is planned by one process, and so is each subtree reached through a followed directory link.
seealso:
  - module: ansible.builtin.copy
  - module: ansible.builtin.file
  - module: ansible.posix.synchronize
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Runs the same planner as a real run and reports exactly the changes it would make.
  diff_mode:
    support: full
    details: An itemized listing, one line per change, in C(diff.prepared).
  platform:
    platforms: posix
'''

EXAMPLES = r'''
- name: Link or copy one file
  cdn.origin.symlink_or_copy:
    src: /srv/htdocs/img/logo.png
    dest: /srv/origin/img/logo.png
    within: /srv/htdocs

- name: Mirror a build tree; files that are really originals under /srv/htdocs become symlinks
  cdn.origin.symlink_or_copy:
    src: /srv/build
    dest: /srv/origin
    within:
      - /srv/htdocs
      - /srv/static
    link_style: relative
    owner: www-data
    group: www-data
    mode: "0644"
    directory_mode: "0755"

- name: A mirror for Apache SymLinksIfOwnerMatch / nginx disable_symlinks if_not_owner, through a release link
  cdn.origin.symlink_or_copy:
    src: /srv/app/current/public
    dest: /srv/origin
    within: /srv/app/current
    link_owner: target
    link_target: given

- name: Hard links for a web server that refuses symlinks (dest on the file system of /srv/htdocs)
  cdn.origin.symlink_or_copy:
    src: /srv/build
    dest: /srv/origin
    within: /srv/htdocs
    link_style: hard

- name: Layers - the original tree, then resized images that win over the originals
  cdn.origin.symlink_or_copy:
    src:
      - /srv/htdocs
      - /srv/resized
    dest: /srv/origin
    within: /srv/htdocs:/srv/static

- name: Keep the mirror exact, but never delete the cache dir, and never more than 500 entries
  cdn.origin.symlink_or_copy:
    src: /srv/build
    dest: /srv/origin
    within: [/srv/htdocs]
    prune: true
    exclude:
      - .well-known
      - "*.tmp"
    max_delete: 500

- name: Prune, but never more than a tenth of the mirror in one run
  cdn.origin.symlink_or_copy:
    src: /srv/build
    dest: /srv/origin
    within: /srv/htdocs
    prune: true
    max_delete: "10%"

- name: Keep the previous release's assets an hour after they left the build, and report edited originals
  cdn.origin.symlink_or_copy:
    src: /srv/build
    dest: /srv/origin
    within: /srv/htdocs
    prune: true
    prune_grace: 3600
    state_file: /var/lib/cdn-origin/srv_origin.state

- name: Preview the change (run the play with --check --diff)
  cdn.origin.symlink_or_copy:
    src: /srv/build
    dest: /srv/origin
    within: [/srv/htdocs]
    prune: true
  check_mode: true
  register: preview

- name: Show what the next real run would do
  ansible.builtin.debug:
    msg: "{{ preview.summary }} {{ preview.changes | map(attribute='path') | list }}"
'''

RETURN = r'''
summary:
  description:
    - Counts of what was done (or would be, in check mode).
    - V(hardlinked) counts new hard links (action V(hardlink)); V(symlinked) new symlinks.
    - V(updated) counts existing entries replaced or fixed (actions V(update) and V(relink)), directories
      whose mode, owner or group was fixed included; V(unchanged) counts files and links that were already right
      (a refreshed link is not);
      V(removed) counts every removal, repairs (a stale temporary file) included, not only the deletions
      O(max_delete) counts.
  returned: success; in check mode also when O(max_delete) stops the run
  type: dict
  sample: {symlinked: 1200, copied: 37, updated: 2, unchanged: 0, removed: 1, skipped: 1, directories_created: 40,
           hardlinked: 0, deduplicated: 3, refreshed: 1, pending_removal: 0}
  contains:
    refreshed:
      description:
        - Links whose target changed since the run the O(state_file) records (action V(refresh)); V(0) without one.
      type: int
      returned: success
      version_added: 0.2.0
    pending_removal:
      description:
        - Entries O(prune) keeps for their O(prune_grace), listed in RV(removals_pending); V(0) without a grace.
      type: int
      returned: success
      version_added: 0.2.0
    deduplicated:
      description:
        - The links made to an earlier layer's identical original instead of a copy (see O(dedupe)); each is counted
          as V(symlinked) or V(updated) too (actions V(symlink) and V(relink)). V(0) without O(dedupe).
      type: int
      returned: success
      version_added: 0.2.0
changes:
  description:
    - One entry per change, in the order they are applied, check mode too (see the notes on phases), so additions and
      skips in walk order, then replacements, then changes of type, then removals. Paths are relative to O(dest)
      (V(.) is O(dest) itself). Actions are V(symlink), V(hardlink), V(copy), V(update), V(relink), V(refresh),
      V(remove), V(mkdir) and V(skip).
    - V(refresh) (with O(state_file)) is a link left as it is whose target's content changed since the last run.
    - V(relink) replaces an entry by a link, a symlink or (O(link_style=hard)) a hard link; V(update) of a link
      fixes its owner or group.
    - Capped at O(changes_limit) entries (1000 by default); RV(changes_truncated) tells when there were more.
  returned: success; in check mode also when O(max_delete) stops the run
  type: list
  elements: dict
  sample: [{path: img/logo.png, action: symlink}, {path: css/site.css, action: update}]
removals_pending:
  description:
    - The entries O(prune) keeps for their O(prune_grace), in walk order, with when each was first seen absent and
      when it is removed at the earliest (ISO 8601 UTC times); capped at O(changes_limit) entries
      (RV(summary.pending_removal) counts them all). Empty without a grace.
  returned: success
  type: list
  elements: dict
  sample: [{path: static/app.1f2e.js, absent_since: "2026-12-01T09:00:00Z", remove_after: "2026-12-01T10:00:00Z"}]
  version_added: 0.2.0
purge_paths:
  description:
    - With O(purge_paths), the path of each change but V(mkdir) and V(skip), in the order of RV(changes) and relative to
      O(dest) as there (V(.) is O(dest) itself), never cut. So every path whose content, link or existence changed,
      V(refresh) too (a link whose target changed in place).
  returned: success, with O(purge_paths)
  type: list
  elements: str
  sample: [img/logo.png, css/site.css, old/page.html]
  version_added: 0.3.0
changes_truncated:
  description: Whether RV(changes) was cut at O(changes_limit) entries (never with O(changes_limit=0)).
  returned: success; in check mode also when O(max_delete) stops the run
  type: bool
  sample: false
skipped_entries:
  description: Source entries that were not mirrored, with the reason (capped at 1000 entries).
  returned: success; in check mode also when O(max_delete) stops the run
  type: list
  elements: dict
  sample: [{path: leak, reason: symlink points outside every source and within root (/etc/shadow)}]
parents_created:
  description:
    - The parent directories of O(dest) this run created (would create, in check mode), absolute paths, outermost
      first; see O(parents).
  returned: success
  type: list
  elements: str
  sample: [/srv/origin]
  version_added: 0.2.0
action:
  description: In single-file mode, what became of the file (V(symlinked), V(hardlinked), V(copied) or V(unchanged)).
  returned: success, when O(src) is a single file
  type: str
  sample: symlinked
errors:
  description:
    - On failure, each path that failed with the reason (at most 50).
    - When O(max_delete) stops the run, the first deletions it would have made, with C(would be deleted).
  returned: failure
  type: list
  elements: dict
  sample: [{path: /srv/origin/img, msg: non-empty directory in the way}]
'''

import grp
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cdn.origin.plugins.module_utils.engine import DEFAULTS, mirror


def _resolve_id(module, value, database, what):
    if value is None:
        return None
    text = str(value)
    # numbers go to the engine as given, which refuses the ones chown cannot set
    if (text[1:] if text.startswith('-') else text).isdigit():
        return int(text)
    try:
        entry = database(text)
    except KeyError:
        module.fail_json(msg='%s %s does not exist on this host' % (what, text))
    return entry[2]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='raw', required=True),
            dest=dict(type='path', required=True),
            within=dict(type='raw', default=[]),
            link_style=dict(type='str', default='absolute', choices=['absolute', 'relative', 'hard']),
            link_owner=dict(type='str', default='process', choices=['process', 'target']),
            link_target=dict(type='str', default='real', choices=['real', 'given']),
            prune=dict(type='bool', default=False),
            exclude=dict(type='list', elements='str', default=[]),
            checksum=dict(type='bool', default=False),
            force=dict(type='bool', default=False),
            prune_mounts=dict(type='bool', default=False),
            mode=dict(type='raw'),
            owner=dict(type='str'),
            group=dict(type='str'),
            unsafe_writes=dict(type='bool', default=False),
            parents=dict(type='bool', default=True),
            directory_mode=dict(type='raw'),
            fsync=dict(type='bool', default=True),
            max_delete=dict(type='raw'),
            workers=dict(type='int'),
            dedupe=dict(type='bool', default=False),
            state_file=dict(type='path'),
            prune_grace=dict(type='int', default=0),
            changes_limit=dict(type='int', default=1000),
            purge_paths=dict(type='bool', default=False),
        ),
        supports_check_mode=True,
    )
    params = module.params
    # the engine's options are the argument spec's names: a new option needs no glue here
    given = dict((name, params[name]) for name in DEFAULTS if name in params)
    given['owner'] = _resolve_id(module, params['owner'], pwd.getpwnam, 'owner')
    given['group'] = _resolve_id(module, params['group'], grp.getgrnam, 'group')
    result = mirror(params['src'], params['dest'], check_mode=module.check_mode, diff=module._diff, **given)
    for warning in result.pop('warnings', []):
        module.warn(warning)
    if result.get('failed'):
        result.pop('failed')
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
