# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of the built docs site that Sphinx does not make itself; scripts/docs.sh runs them.

check_docs_site.py assets SITE_DIR
    Every stylesheet, script, image and font that a page or a stylesheet of the site
    loads is a file inside SITE_DIR: nothing comes from the internet, nothing is missing.
check_docs_site.py page DOM NETLOG BROWSER_LOG ANSIBLE_DOC_JSON
    A page as headless Chromium rendered it (--dump-dom output, --log-net-log file,
    --enable-logging=stderr output) shows the title and every option of the plugin
    that ANSIBLE_DOC_JSON (`ansible-doc --json` output) describes, logged nothing to
    the console (JavaScript errors land there) and sent no network request.
check_docs_site.py guide DOM NETLOG BROWSER_LOG SOURCE INDEX_DOM
    A guide page made from SOURCE (Markdown or reStructuredText, see
    docs/_ext/guide_pages.py) shows SOURCE's title as its heading and every heading
    of SOURCE, the index page (INDEX_DOM) links to it, and the console and network
    logs are as clean as for a plugin page.
"""

from __future__ import annotations

import html.parser
import json
import pathlib
import re
import sys
import urllib.parse

# (tag, attribute) pairs whose URL the browser fetches while rendering the page;
# <a href> and <link rel="next"> are only navigation.
LOADING_ATTRS = {
    ('script', 'src'), ('img', 'src'), ('iframe', 'src'), ('source', 'src'),
    ('video', 'src'), ('audio', 'src'), ('embed', 'src'), ('object', 'data'),
}
LOADING_LINK_RELS = {'stylesheet', 'icon', 'shortcut', 'preload', 'modulepreload', 'manifest'}
CSS_URL = re.compile(r'''url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]''')
CONSOLE_LINE = re.compile(r':CONSOLE[:(\]]')


class _LoadedUrls(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == 'link':
            if LOADING_LINK_RELS & set((attrs.get('rel') or '').lower().split()):
                self.urls.append(attrs.get('href'))
            return
        self.urls.extend(value for name, value in attrs.items() if (tag, name) in LOADING_ATTRS)
        if attrs.get('srcset'):
            self.urls.extend(part.split()[0] for part in attrs['srcset'].split(',') if part.strip())


def _loaded_urls(path):
    text = path.read_text(encoding='utf-8', errors='replace')
    if path.suffix == '.css':
        return [first or second for first, second in CSS_URL.findall(text)]
    parser = _LoadedUrls()
    parser.feed(text)
    return [url for url in parser.urls if url]


def check_assets(site):
    site = site.resolve()
    problems = []
    files = sorted(site.rglob('*.html')) + sorted(site.rglob('*.css'))
    for path in files:
        for url in _loaded_urls(path):
            parts = urllib.parse.urlsplit(url)
            if parts.scheme == 'data':
                continue
            if parts.scheme or parts.netloc:
                problems.append(f'{path.relative_to(site)}: loads {url} from outside the site')
                continue
            if not parts.path:
                continue
            target = (path.parent / urllib.parse.unquote(parts.path)).resolve()
            if not target.is_relative_to(site) or not target.is_file():
                problems.append(f'{path.relative_to(site)}: loads {url}, which is not a file of the site')
    print(f'{len(files)} HTML/CSS files checked for the resources they load')
    return problems


def _expectations(doc):
    """Heading parts and option anchors of the page of the module or role in `ansible-doc --json` output."""
    (fqcn, data), = doc.items()
    if 'entry_points' in data:
        # the page is titled after the main entry point; every other one is a section of it
        heading = [f'{fqcn} role', data['entry_points']['main'].get('short_description', '')]
        anchors, sections = [], []
        for entry_point, spec in data['entry_points'].items():
            if entry_point != 'main':
                sections.append(spec.get('short_description', ''))
            anchors += [f'parameter-{entry_point}--{name}' for name in spec.get('options') or {}]
        return heading, sections, anchors
    heading = [f'{fqcn} module', data['doc']['short_description']]
    return heading, [], [f'parameter-{name}' for name in data['doc'].get('options') or {}]


def _page_requests(netlog):
    """URLs the page itself requested; Chromium's own background requests are not tied to a file:// page."""
    log = json.loads(netlog.read_text(encoding='utf-8'))
    start_job = log['constants']['logEventTypes']['URL_REQUEST_START_JOB']
    return [
        event['params']['url'] for event in log['events']
        if event['type'] == start_job and 'url' in event.get('params', {})
        and event['params'].get('network_isolation_key', '').startswith('file://')
    ]


def check_page(dom, netlog, browser_log, doc_json):
    problems = []
    text = dom.read_text(encoding='utf-8')
    heading, sections, anchors = _expectations(json.loads(doc_json.read_text(encoding='utf-8')))
    h1 = re.search(r'<h1>(.*?)</h1>', text, re.S)
    h1_text = _heading_text(h1.group(1)) if h1 else ''
    problems += [f'page heading {h1_text!r} lacks {part!r}' for part in heading if part not in h1_text]
    page_text = _heading_text(text)
    problems += [f'the page has no section {part!r}' for part in sections if part not in page_text]
    problems += [f'option anchor id="{anchor}" missing' for anchor in anchors if f'id="{anchor}"' not in text]
    problems += _browser_problems(browser_log, netlog)
    print(f'{dom.name}: heading {h1_text!r}, {len(anchors)} option anchors checked')
    return problems


RST_UNDERLINE = re.compile(r'\A([=\-~^"\'`#*+])\1+\Z')


def _source_headings(source):
    """The headings of a Markdown or reStructuredText file, as plain text, the title first."""
    lines = source.read_text(encoding='utf-8').splitlines()
    if source.suffix == '.md':
        in_code, found = False, []
        for line in lines:
            if line.startswith('```'):
                in_code = not in_code
            elif not in_code and re.match(r'#{1,6} ', line):
                found.append(line.lstrip('#').strip())
        return [heading.replace('`', '') for heading in found]
    return [line.strip() for line, under in zip(lines, lines[1:])
            if line.strip() and RST_UNDERLINE.match(under.strip()) and len(under.strip()) >= len(line.strip())]


def _heading_text(fragment):
    """A heading's text: its permalink anchor holds an icon-font glyph, not heading text, and its
    inline markup (a <code>) is part of the words around it: "(state_file)", not "( state_file )"."""
    return html.unescape(re.sub(r'<[^>]+>', '', re.sub(r'<a class="headerlink".*?</a>', '', fragment, flags=re.S)))


def _browser_problems(browser_log, netlog):
    """What the browser said on its console, and what the page asked the network for."""
    problems = [f'browser console: {line.strip()}' for line in
                browser_log.read_text(encoding='utf-8', errors='replace').splitlines()
                if CONSOLE_LINE.search(line)]
    return problems + [f'page requested {url} from the network' for url in _page_requests(netlog)]


def check_guide(dom, netlog, browser_log, source, index_dom):
    problems = []
    text = dom.read_text(encoding='utf-8')
    page = dom.name.replace('.dom.html', '.html')
    headings = [' '.join(h.split()) for h in _source_headings(source)]
    shown = [' '.join(_heading_text(h).split()) for h in re.findall(r'<h[1-6][^>]*>(.*?)</h[1-6]>', text, re.S)]
    if not headings or not shown or shown[0] != headings[0]:
        problems.append(f'page heading {shown[:1]} is not the title of {source}: {headings[:1]}')
    problems += [f'heading {h!r} of {source} is not on the page' for h in headings if h not in shown]
    if f'href="{page}"' not in index_dom.read_text(encoding='utf-8'):
        problems.append(f'the index page has no link to {page}')
    problems += _browser_problems(browser_log, netlog)
    print(f'{dom.name}: title and {len(headings)} headings of {source} checked, linked from the index')
    return problems


def main(argv):
    checks = {'assets': (check_assets, 1), 'page': (check_page, 4), 'guide': (check_guide, 5)}
    if len(argv) < 2 or argv[1] not in checks or len(argv) - 2 != checks[argv[1]][1]:
        sys.exit(__doc__)
    check, _count = checks[argv[1]]
    problems = check(*(pathlib.Path(arg) for arg in argv[2:]))
    for problem in problems:
        print(f'ERROR: {problem}', file=sys.stderr)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
