# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Add the collection's guides to the site that `antsibull-docs collection` wrote into RST_DIR.

    guide_pages.py REPO RST_DIR

The role's README (fleet example, purge format, results), docs/security.md and
the changelog become pages of the site, listed on its index page under
"Guides". The Markdown files are read by myst-parser as they are in the
repository, so the site and GitHub show the same text. scripts/docs.sh runs
this between antsibull-docs (which rewrites RST_DIR) and sphinx-build.
"""

from __future__ import annotations

import pathlib
import shutil
import sys

# (page name in the site, file in the repository)
PAGES = (
    ('mirror_role_guide', 'roles/mirror/README.md'),
    ('security', 'docs/security.md'),
    ('changelog', 'CHANGELOG.rst'),
)

TOCTREE = '''

Guides
------

.. toctree::
   :maxdepth: 1

{entries}
'''


def main(repo, rst_dir):
    repo, rst_dir = pathlib.Path(repo), pathlib.Path(rst_dir)
    for name, source in PAGES:
        source = repo / source
        shutil.copyfile(source, rst_dir / (name + source.suffix))
    index = rst_dir / 'index.rst'
    entries = '\n'.join('   ' + name for name, _source in PAGES)
    index.write_text(index.read_text(encoding='utf-8').rstrip('\n') + TOCTREE.format(entries=entries), encoding='utf-8')
    return 0


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
