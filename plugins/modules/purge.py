#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, cdn.origin maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
---
module: purge
short_description: Purge URLs from a CDN or an edge cache
version_added: 0.2.0
description:
  - Purges a list of URLs through one O(provider), each request built as the vendor documents it, sent with
    the Python standard library from the host the task runs on (usually the controller, with C(delegate_to) V(localhost)).
  - Requests go out in parallel, at most O(concurrency) at a time, over kept-alive connections. A request that
    gets no answer, a 5xx or a 429 is retried up to O(retries) times with exponential backoff; a 429's
    C(Retry-After) pauses every request to that provider. No request starts after O(total_timeout).
  - Every URL that is still not purged after the retries is listed in RV(failed_urls) and fails the task, so a
    lost purge never goes unnoticed.
  - Check mode sends nothing and lists in RV(would_send) every request the run would send, with credentials masked.
  - Credentials are dedicated C(no_log) options (O(token), O(zone_id), O(akamai_client_secret), ...), so they are
    never printed, also not with C(-vvv). Do not put credentials in O(headers); use O(token) with O(token_header).
  - Redirects are not followed and no proxy is used.
author:
  - cdn.origin maintainers (@cdn-origin)
options:
  provider:
    description:
      - V(webhook) POSTs the JSON body of the C(cdn.origin.mirror) role, an object with the keys C(host), C(dest),
        C(paths) and C(complete), to
        O(endpoint), O(batch_size) entries per request, for receivers written for the role. The body's C(paths)
        are O(paths), or the O(urls) as given.
      - V(http_purge) sends one C(PURGE) (O(method)) per URL, to the URL itself or, with O(endpoint), to that edge
        with the URL's path and C(Host). For Varnish (a VCL answering C(PURGE) with C(return (purge))), Apache
        Traffic Server, Squid and Fastly's URL purge.
      - V(nginx_cache_purge) sends one C(GET) per URL to C(<endpoint or the URL's origin>/purge<path>), the
        separate-location form of the nginx module C(ngx_cache_purge).
      - V(cloudflare) calls C(POST /client/v4/zones/{zone_id}/purge_cache) with the URLs in the body's C(files) list,
        O(batch_size) URLs a call.
      - V(fastly) calls C(POST /purge/{host}{path}) per URL (Fastly's single-URL purge).
      - V(akamai) calls Fast Purge v3 C(POST /ccu/v3/invalidate/url/{network}) with the URLs in the body's C(objects) list, each
        body under 50,000 bytes, signed with EdgeGrid C(EG1-HMAC-SHA256).
    type: str
    required: true
    choices: [webhook, http_purge, nginx_cache_purge, cloudflare, fastly, akamai]
  urls:
    description:
      - Absolute C(http://) or C(https://) URLs to purge, exactly as the cache keys them (percent-encoded, with
        the query string if any). A URL with whitespace, a fragment or user info fails the task before anything is
        sent. Duplicates are purged once.
      - An empty list sends nothing.
    type: list
    elements: str
    default: []
  paths:
    description:
      - V(webhook) only, instead of O(urls) - the entries of the body's C(paths), sent as given (the role sends
        C(purge_prefix) plus each changed path relative to C(dest)).
    type: list
    elements: str
  webhook_host:
    description:
      - V(webhook) only - the body's C(host) (the role sends C(inventory_hostname)).
    type: str
  webhook_dest:
    description:
      - V(webhook) only - the body's C(dest) (the role sends the tree's C(dest)).
    type: str
  webhook_complete:
    description:
      - V(webhook) only - the body's C(complete); V(false) tells the receiver the list was cut and it should purge
        the whole tree. Default V(true).
    type: bool
  endpoint:
    description:
      - V(webhook) (required) - the URL the JSON body is sent to.
      - V(http_purge), V(nginx_cache_purge) - the edge to send the purges to, C(scheme://host[:port]); each request
        carries the purged URL's host as C(Host). Without it each request goes to the purged URL's own origin.
    type: str
  base_url:
    description:
      - The API's base URL. Defaults - V(cloudflare) C(https://api.cloudflare.com), V(fastly) C(https://api.fastly.com),
        V(akamai) C(https://) plus O(akamai_host). Set it only to reach a stand-in or a gateway.
    type: str
  method:
    description:
      - V(webhook) - HTTP method, default V(POST) (the role's C(mirror_purge_method)).
      - V(http_purge) - HTTP method, default V(PURGE) (some set-ups use C(BAN) or C(FASTLYPURGE)).
    type: str
  headers:
    description:
      - V(webhook), V(http_purge), V(nginx_cache_purge) - extra request headers. Not C(no_log) - put a secret in
        O(token) instead. Their values are masked in RV(would_send), except C(Host), C(Content-Type) and C(Accept).
    type: dict
  host_header:
    description:
      - V(http_purge), V(nginx_cache_purge) - the C(Host) header to send instead of the purged URL's host.
    type: str
  status_code:
    description:
      - V(webhook), V(http_purge), V(nginx_cache_purge) - the statuses that mean purged. Defaults - V(webhook)
        C([200, 201, 202, 204]) (the role's); V(http_purge) C([200, 201, 202, 204, 404]) and V(nginx_cache_purge)
        C([200, 404]), since Traffic Server, Squid and ngx_cache_purge answer 404 for an object that was not cached.
      - 429 and 5xx answers are retried whatever this says.
    type: list
    elements: int
  token:
    description:
      - V(cloudflare) (required) - an API token with the Cache Purge permission, sent as C(Authorization) C(Bearer <token>).
      - V(fastly) - an API token with C(purge_select), sent as C(Fastly-Key); optional, URL purges are
        unauthenticated unless the service requires it.
      - V(webhook), V(http_purge), V(nginx_cache_purge) - sent as C(Authorization) C(Bearer <token>), or as the value of
        O(token_header).
    type: str
  token_header:
    description:
      - V(webhook), V(http_purge), V(nginx_cache_purge) - the header that carries O(token) as it is, for example
        C(X-Purge-Token).
    type: str
  zone_id:
    description:
      - V(cloudflare) (required) - the zone's ID.
    type: str
  soft:
    description:
      - V(fastly) - soft purge (header C(Fastly-Soft-Purge) V(1)) - mark the objects stale instead of removing them, so
        Fastly may serve them while it revalidates. Default V(false).
    type: bool
  network:
    description:
      - V(akamai) - the network to purge. Default V(production).
    type: str
    choices: [staging, production]
  akamai_host:
    description:
      - V(akamai) - the C(host) of the API client's credentials (C(akab-....luna.akamaiapis.net)), without scheme.
        Required unless O(base_url) is set.
    type: str
  akamai_client_token:
    description:
      - V(akamai) (required) - the C(client_token) of the API client's credentials.
    type: str
  akamai_client_secret:
    description:
      - V(akamai) (required) - the C(client_secret) of the API client's credentials.
    type: str
  akamai_access_token:
    description:
      - V(akamai) (required) - the C(access_token) of the API client's credentials.
    type: str
  batch_size:
    description:
      - URLs per request, for the providers that take several.
      - V(webhook) - default V(100) (the role's); V(0) sends everything in one request.
      - V(cloudflare) - default V(30), the limit of older plans; current Free, Pro and Business plans take V(100),
        Enterprise V(500) (at most V(500)).
      - V(akamai) - no count limit by default; bodies are split to stay under 50,000 bytes anyway.
      - V(http_purge), V(nginx_cache_purge), V(fastly) send one request per URL; a O(batch_size) other than V(1) fails.
    type: int
  concurrency:
    description:
      - Requests in flight at once, from 1 to 64.
    type: int
    default: 10
  retries:
    description:
      - Retries of a request after no answer, a 5xx or a 429, from 0 to 10.
    type: int
    default: 3
  timeout:
    description:
      - Seconds to wait for a connection and for each answer.
    type: int
    default: 30
  total_timeout:
    description:
      - Seconds after which no request or retry starts any more; what is left is reported in RV(failed_urls).
    type: int
    default: 600
  validate_certs:
    description:
      - Verify the server's TLS certificate.
    type: bool
    default: true
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Sends nothing and reports the requests it would send in RV(would_send).
  diff_mode:
    support: none
  platform:
    platforms: posix
seealso:
  - name: Cloudflare purge by single-file
    description: The API call of the V(cloudflare) provider and its limits per plan.
    link: https://developers.cloudflare.com/cache/how-to/purge-cache/purge-by-single-file/
  - name: Fastly purge a URL
    description: The API call of the V(fastly) provider.
    link: https://www.fastly.com/documentation/reference/api/purging/#purge-single-url
  - name: Akamai Fast Purge, invalidate by URL
    description: The API call of the V(akamai) provider.
    link: https://techdocs.akamai.com/purge-cache/reference/post-invalidate-url
  - name: Akamai EdgeGrid authentication
    description: The request signature of the V(akamai) provider.
    link: https://techdocs.akamai.com/developer/docs/authenticate-with-edgegrid
  - name: ngx_cache_purge
    description: The nginx module of the V(nginx_cache_purge) provider.
    link: https://github.com/FRiCKLE/ngx_cache_purge
notes:
  - For CloudFront, feed the changed paths to C(community.aws.cloudfront_invalidation), see the last example.
  - Runs on any host with Python 3.9 or later, standard library only.
'''

EXAMPLES = r'''
- name: Send the mirror role's JSON body to a custom receiver
  cdn.origin.purge:
    provider: webhook
    endpoint: https://purge.internal.example/purge
    paths: ["/site/index.html", "/site/news/today.html"]
    webhook_host: "{{ inventory_hostname }}"
    webhook_dest: /var/www/site
    token: "{{ vault_purge_token }}"
    token_header: X-Purge-Token
  delegate_to: localhost

- name: PURGE each URL at a Varnish or Traffic Server edge on 10.0.0.5:6081
  cdn.origin.purge:
    provider: http_purge
    endpoint: http://10.0.0.5:6081
    urls:
      - https://www.example.com/index.html
      - https://www.example.com/img/logo.png
  delegate_to: localhost

- name: Purge through ngx_cache_purge's /purge location of an nginx edge
  cdn.origin.purge:
    provider: nginx_cache_purge
    endpoint: http://edge.internal.example
    urls: ["https://www.example.com/index.html"]
  delegate_to: localhost

- name: Purge from a Cloudflare zone, 100 URLs per call (current plans)
  cdn.origin.purge:
    provider: cloudflare
    zone_id: "{{ vault_cloudflare_zone_id }}"
    token: "{{ vault_cloudflare_token }}"
    batch_size: 100
    urls: "{{ changed_urls }}"
  delegate_to: localhost

- name: Soft-purge from Fastly
  cdn.origin.purge:
    provider: fastly
    token: "{{ vault_fastly_token }}"
    soft: true
    urls: ["https://www.example.com/index.html"]
  delegate_to: localhost

- name: Invalidate on Akamai's staging network
  cdn.origin.purge:
    provider: akamai
    network: staging
    akamai_host: "{{ vault_akamai.host }}"
    akamai_client_token: "{{ vault_akamai.client_token }}"
    akamai_client_secret: "{{ vault_akamai.client_secret }}"
    akamai_access_token: "{{ vault_akamai.access_token }}"
    urls: "{{ changed_urls }}"
  delegate_to: localhost

# CloudFront has no provider here: community.aws.cloudfront_invalidation takes the
# changed paths of the cdn.origin.mirror role's results (purge_prefix '/site/' here)
- name: Invalidate the trees' changed paths on CloudFront
  community.aws.cloudfront_invalidation:
    distribution_id: "{{ cloudfront_distribution_id }}"
    target_paths: >-
      {{ mirror_results.results | selectattr('changed') | map(attribute='changes') | flatten
         | selectattr('action', 'in', ['symlink', 'copy', 'update', 'relink', 'remove'])
         | map(attribute='path') | map('regex_replace', '^', '/site/') | unique | list }}
  delegate_to: localhost
'''

RETURN = r'''
requests:
  description: Number of HTTP requests the purge needs (not counting retries); in check mode, that it would send.
  returned: always
  type: int
  sample: 4
sent:
  description: Number of HTTP requests sent, retries included; V(0) in check mode.
  returned: always
  type: int
  sample: 5
purged:
  description: The URLs (or V(webhook) O(paths)) whose purge was accepted.
  returned: always
  type: list
  elements: str
  sample: ["https://www.example.com/index.html"]
failed_urls:
  description: The URLs not purged after the retries, each with the last HTTP status (V(null) without an answer)
    and the reason. The task fails when this is not empty.
  returned: always
  type: list
  elements: dict
  sample: [{url: "https://www.example.com/a.css", status: 500, msg: "HTTP 500 (after 4 attempts)"}]
would_send:
  description: In check mode, every request the run would send - method, URL, headers (credentials and other
    values masked), a summary of the body (its size and the JSON fields, lists as their length) and the URLs it covers.
  returned: check mode
  type: list
  elements: dict
  sample:
    - method: POST
      url: https://api.cloudflare.com/client/v4/zones/********/purge_cache
      headers: {Authorization: "********", Content-Type: application/json}
      body: {bytes: 52, json: {files: 1 entries}}
      urls: ["https://www.example.com/index.html"]
provider:
  description: The provider used.
  returned: always
  type: str
  sample: cloudflare
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.cdn.origin.plugins.module_utils.purge import DEFAULTS, PROVIDERS, PurgeError, purge


def main():
    module = AnsibleModule(
        argument_spec=dict(
            provider=dict(type='str', required=True, choices=sorted(PROVIDERS)),
            urls=dict(type='list', elements='str', default=[]),
            paths=dict(type='list', elements='str'),
            webhook_host=dict(type='str'),
            webhook_dest=dict(type='str'),
            webhook_complete=dict(type='bool'),
            endpoint=dict(type='str'),
            base_url=dict(type='str'),
            method=dict(type='str'),
            headers=dict(type='dict'),
            host_header=dict(type='str'),
            status_code=dict(type='list', elements='int'),
            token=dict(type='str', no_log=True),
            token_header=dict(type='str', no_log=False),
            zone_id=dict(type='str', no_log=True),
            soft=dict(type='bool'),
            network=dict(type='str', choices=['staging', 'production']),
            akamai_host=dict(type='str'),
            akamai_client_token=dict(type='str', no_log=True),
            akamai_client_secret=dict(type='str', no_log=True),
            akamai_access_token=dict(type='str', no_log=True),
            batch_size=dict(type='int'),
            concurrency=dict(type='int', default=10),
            retries=dict(type='int', default=3),
            timeout=dict(type='int', default=30),
            total_timeout=dict(type='int', default=600),
            validate_certs=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    given = dict((name, module.params[name]) for name in DEFAULTS)
    try:
        result = purge(module.params['provider'], check_mode=module.check_mode, **given)
    except PurgeError as e:
        module.fail_json(msg=e.msg)
    if result.pop('failed', False):
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
