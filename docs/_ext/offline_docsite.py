# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx extension that lets the site `antsibull-docs sphinx-init` generates build offline.

The generated conf.py downloads objects.inv inventories from docs.python.org and
docs.ansible.com at build time, only to turn references to ansible-core's docs and
other collections' plugins (``M(ansible.builtin.copy)``, ``M(ansible.posix.synchronize)``,
"common return values") into links.  CI has no internet, so the inventories are
dropped and those references are resolved here into the same docs.ansible.com
links.  A missing reference into this collection, or to any other label, stays a
build error.
"""

from __future__ import annotations

import re

from docutils import nodes

ANSIBLE_DOCS = 'https://docs.ansible.com/projects/ansible/devel/'
# antsibull-docs' label of a plugin's page; "__parameter-src" and the like follow for anchors on it.
PLUGIN_PAGE_LABEL = re.compile(r'ansible_collections\.(\w+)\.(\w+)\.(\w+)_([a-z]+)')
OWN_COLLECTION = ('cdn', 'origin')

# Labels of docs.ansible.com pages that antsibull-docs' page templates refer to.
DOCSITE_LABELS = {
    'action_plugins': ('plugins/action.html', 'Action plugins'),
    'ansible_configuration_settings': ('reference_appendices/config.html', 'Ansible Configuration Settings'),
    'common_return_values': ('reference_appendices/common_return_values.html', 'Return Values'),
}


def _ansible_docs_url(target):
    """Return (url, title) on docs.ansible.com for a std label, or None if it is not one."""
    page_label, anchor = target.split('__', 1) if '__' in target else (target, None)
    plugin = PLUGIN_PAGE_LABEL.fullmatch(page_label)
    if plugin and plugin.group(1, 2) != OWN_COLLECTION:
        namespace, name, plugin_name, plugin_type = plugin.groups()
        url = f'{ANSIBLE_DOCS}collections/{namespace}/{name}/{plugin_name}_{plugin_type}.html'
        if anchor:
            url += '#' + nodes.make_id(target)
        return url, f'{namespace}.{name}.{plugin_name}'
    if target in DOCSITE_LABELS:
        page, title = DOCSITE_LABELS[target]
        return f'{ANSIBLE_DOCS}{page}#{nodes.make_id(target)}', title
    return None


def resolve_ansible_docs(app, env, node, contnode):  # pylint: disable=unused-argument
    if node.get('refdomain') != 'std' or node.get('reftype') != 'ref':
        return None
    found = _ansible_docs_url(node['reftarget'])
    if found is None:
        return None
    url, title = found
    reference = nodes.reference('', '', internal=False, refuri=url)
    # An implicit :ref:`label` has the bare label as its text; show the page's title instead.
    reference += contnode if node.get('refexplicit') else nodes.inline(title, title)
    return reference


def offline_config(app, config):  # pylint: disable=unused-argument
    config.intersphinx_mapping = {}
    # The theme's defaults link the top bar to ansible.com's blog and forum and
    # its logo to "/", which is the file system root when the site is opened from disk.
    config.html_theme_options = dict(
        config.html_theme_options, topbar_links={}, documentation_home_url='index.html')


def setup(app):
    # Before sphinx.ext.intersphinx (priority 800) reads its mapping.
    app.connect('config-inited', offline_config, priority=100)
    app.connect('missing-reference', resolve_ansible_docs)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
