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
    lost purge never goes unnoticed. With O(pending_file) it is also kept there and sent first by the next run.
  - O(prefixes) purge everything below each prefix with the provider's broadest exact tool (see O(prefixes)); a
    provider without one fails the task before sending anything.
  - Check mode sends nothing and lists in RV(would_send) every request the run would send, with credentials masked,
    the entries of O(pending_file) included; it writes nothing.
  - Credentials are dedicated C(no_log) options (O(token), O(zone_id), O(service_id), O(akamai_client_secret), ...), so they are
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
        are O(paths), or the O(urls) as given. O(prefixes) go in requests of their own, whose body has empty C(paths)
        and adds the key C(prefixes) (a body without prefixes has no such key).
      - V(http_purge) sends one C(PURGE) (O(method)) per URL, to the URL itself or, with O(endpoint), to that edge
        with the URL's path and C(Host). For Varnish (a VCL answering C(PURGE) with C(return (purge))), Apache
        Traffic Server, Squid and Fastly's URL purge.
      - V(nginx_cache_purge) sends one C(GET) per URL to C(<endpoint or the URL's origin>/purge<path>), the
        separate-location form of the nginx module C(ngx_cache_purge).
      - V(cloudflare) calls C(POST /client/v4/zones/{zone_id}/purge_cache) with the URLs in the body's C(files) list,
        O(batch_size) URLs a call.
      - V(fastly) calls C(POST /purge/{host}{path}) per URL (Fastly's single-URL purge); O(prefixes) call
        C(POST /service/{service_id}/purge_all) once, a flush of the whole service.
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
  prefixes:
    description:
      - Absolute C(http://) or C(https://) URL prefixes (scheme, host and path; no query string, fragment or user
        info), each standing for every cached URL that starts with it, purged with the provider's broadest tool that
        still covers the prefix exactly or more. For a list of changes that was cut (the C(cdn.origin.mirror) role
        sends a tree's prefix when its change list is truncated). Duplicates are purged once.
      - V(cloudflare) - purge by prefix (the body's C(prefixes) list), each prefix sent as host and path without
        scheme (so it covers C(http) and C(https)), 30 a call whatever O(batch_size), at most 31 path separators each
        (every plan). Cloudflare rate-limits these calls per account, more tightly than URL purges (a Free plan 5 a
        minute); a 429 waits for its C(Retry-After), see O(retries).
      - V(http_purge) - one O(ban_method) request (default C(BAN)) per prefix, to the prefix's path with its C(Host).
        Varnish needs the VCL of the examples to turn it into a ban; only a 2xx answer counts as purged, so the edge
        must answer the C(BAN) itself, never pass it to an origin that answers 2xx to any method. Traffic Server
        and Squid have no prefix purge over HTTP (a C(BAN) fails there); purge every URL instead, from a complete
        list (C(changes_limit=0) of C(cdn.origin.symlink_or_copy)).
      - V(nginx_cache_purge) - one C(GET <endpoint>/purge<prefix path>*), the partial-key form of the
        C(nginx-modules/ngx_cache_purge) build (2.4 and later); only 200 and 202 count as purged. Debian 12's
        C(libnginx-mod-http-cache-purge) (ngx_cache_purge 2.3) has no partial keys; it answers 404 and removes
        nothing, so the prefix fails there; purge every URL instead.
      - V(fastly) - Fastly has no prefix purge; one C(POST /service/{service_id}/purge_all) (needs O(service_id) and
        a O(token) with the C(purge_all) scope) flushes the whole service, whatever the prefixes. It is always a hard
        purge; O(soft) does not apply to it.
      - V(webhook) - sent in the body's C(prefixes), see O(provider).
      - V(akamai) - Fast Purge has no prefix purge (URLs, CP codes and cache tags; a CP code is not limited to a
        path, and the directory purge of Akamai's ECCU takes up to 40 minutes); the task fails before anything is
        sent. Purge every URL instead, from a complete list.
    type: list
    elements: str
    default: []
    version_added: 0.2.0
  pending_file:
    description:
      - A file, on the host that runs the module (the controller with C(delegate_to) V(localhost)), that keeps the
        URLs, webhook paths and prefixes whose purge still failed after the retries, so that a purge lost to an
        endpoint that was down is not lost for good.
      - The next run reads it first and sends its entries first, before O(urls) and O(prefixes), also when those are
        empty; an entry is removed once it was purged. RV(pending) tells how many it keeps after the run,
        RV(pending_sent) how many of its entries this run sent.
      - Written atomically (a temporary file beside it, renamed over it) with mode C(0600), its directory created
        with mode C(0700) when missing, and removed once empty. A missing file is nothing pending. A file that is not
        such a list (or a symlink, or an entry that cannot be sent, such as webhook paths for another provider) fails
        the task naming the path, before anything is sent, since it may be the only record of a failed purge.
      - Runs sharing the file at once (the hosts of a play purging from the controller) each rewrite it under a lock
        on its directory from what it holds then, so none loses another's entries; a temporary file left beside it
        by a run that was killed is removed by the next update.
      - Check mode reads it, includes its entries in RV(would_send), and writes nothing.
    type: path
    version_added: 0.2.0
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
  ban_method:
    description:
      - V(http_purge) - the HTTP method of a O(prefixes) request, default V(BAN).
    type: str
    version_added: 0.2.0
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
  service_id:
    description:
      - V(fastly) - the service's ID, needed by O(prefixes) (C(purge_all) on that service).
    type: str
    version_added: 0.2.0
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
  - name: Cloudflare purge by prefix
    description: The V(cloudflare) call for O(prefixes) and its limits.
    link: https://developers.cloudflare.com/cache/how-to/purge-cache/purge_by_prefix/
  - name: Fastly purge everything from a service
    description: The V(fastly) call for O(prefixes).
    link: https://www.fastly.com/documentation/reference/api/purging/#purge-all
  - name: ngx_cache_purge with partial keys
    description: The build of ngx_cache_purge whose trailing C(*) the V(nginx_cache_purge) provider sends for O(prefixes).
    link: https://github.com/nginx-modules/ngx_cache_purge#partial-key-purge
  - name: Varnish bans
    description: What the VCL of the notes does with a V(http_purge) O(prefixes) request.
    link: https://varnish-cache.org/docs/trunk/users-guide/purging.html#bans
notes:
  - For CloudFront, feed the changed paths to C(community.aws.cloudfront_invalidation), see the last example.
  - Runs on any host with Python 3.9 or later, standard library only.
  - Varnish and O(prefixes) - Varnish bans nothing by itself on a C(BAN); the VCL in the examples (tried on Varnish
    7.1) bans every object of the request's C(Host) whose URL starts with the request's path, its regular expression
    characters escaped so that it matches as a plain prefix.
  - "Apache Traffic Server (and Squid) have no prefix purge over HTTP: C(PURGE) removes one URL, and a C(BAN) fails
    the prefix. Give the module every URL instead: a complete change list (C(changes_limit=0) of
    C(cdn.origin.symlink_or_copy), which the C(cdn.origin.mirror) role sets when a purge is configured) never needs
    a prefix. Traffic Server's own C(regex_revalidate) plugin can invalidate by regular expression from its
    configuration file, outside this module."
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

# Prefixes at Varnish: this VCL turns a BAN from the ACL into a ban of every object
# of that Host whose URL starts with the BAN's path (its regular expression characters
# escaped, so /site/c+d bans /site/c+d.html and not /site/cd.html); x-host and x-url
# let the ban lurker evict the objects without waiting for requests.
#   acl purgers { "127.0.0.1"; }
#   sub vcl_recv {
#       if (req.method == "BAN") {
#           if (!client.ip ~ purgers) { return (synth(405, "Not allowed")); }
#           ban("obj.http.x-host == " + req.http.host + " && obj.http.x-url ~ ^"
#               + regsuball(req.url, "[][\\^$.|?*+(){}]", "\\\0"));
#           return (synth(200, "Ban added"));
#       }
#   }
#   sub vcl_backend_response { set beresp.http.x-host = bereq.http.host; set beresp.http.x-url = bereq.url; }
#   sub vcl_deliver { unset resp.http.x-host; unset resp.http.x-url; }
- name: PURGE the changed URLs and BAN the prefix of a tree whose change list was cut, at a Varnish edge
  cdn.origin.purge:
    provider: http_purge
    endpoint: http://10.0.0.5:6081
    urls: "{{ changed_urls }}"
    prefixes: ["https://www.example.com/site/"]
    pending_file: /var/lib/cdn-origin/purge-pending.json
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

# A purge that fails (the API down, a 500 after the retries) fails the task and is kept
# in the pending file; the next run sends it first, even when nothing changed since.
- name: Purge a tree's prefix from a Cloudflare zone, keeping failed purges for the next run
  cdn.origin.purge:
    provider: cloudflare
    zone_id: "{{ vault_cloudflare_zone_id }}"
    token: "{{ vault_cloudflare_token }}"
    urls: "{{ changed_urls }}"
    prefixes: ["https://www.example.com/site/"]
    pending_file: "{{ playbook_dir }}/.purge/cloudflare-pending.json"
  delegate_to: localhost

- name: Soft-purge from Fastly
  cdn.origin.purge:
    provider: fastly
    token: "{{ vault_fastly_token }}"
    soft: true
    urls: ["https://www.example.com/index.html"]
  delegate_to: localhost

# Fastly has no prefix purge: a prefix flushes the whole service (purge_all, always hard)
- name: Flush a Fastly service because a tree's change list was cut
  cdn.origin.purge:
    provider: fastly
    token: "{{ vault_fastly_purge_all_token }}"
    service_id: "{{ vault_fastly_service_id }}"
    prefixes: ["https://www.example.com/site/"]
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
  description:
    - Number of HTTP requests the purge needs (not counting retries), those of the URLs, of the prefixes and of the
      entries of O(pending_file) together; in check mode, that it would send (each listed in RV(would_send)).
  returned: always
  type: int
  sample: 4
sent:
  description: Number of HTTP requests sent, retries included; V(0) in check mode.
  returned: always
  type: int
  sample: 5
purged:
  description: The URLs (or V(webhook) O(paths)) whose purge was accepted, those of O(pending_file) included.
  returned: always
  type: list
  elements: str
  sample: ["https://www.example.com/index.html"]
purged_prefixes:
  description: The O(prefixes) (and those of O(pending_file)) whose purge was accepted.
  returned: always
  type: list
  elements: str
  sample: ["https://www.example.com/site/"]
  version_added: 0.2.0
failed_urls:
  description:
    - The URLs and prefixes not purged after the retries, each with the last HTTP status (V(null) without an answer)
      and the reason; a prefix has C(prefix) V(true). The task fails when this is not empty.
    - With O(pending_file), each is kept there for the next run.
  returned: always
  type: list
  elements: dict
  sample: [{url: "https://www.example.com/a.css", status: 500, msg: "HTTP 500 (after 4 attempts)"}]
pending:
  description:
    - How many entries (URLs, webhook paths and prefixes) O(pending_file) holds after the run, for the next run to send
      first; V(0) without O(pending_file). In check mode, how many it holds (nothing is written).
  returned: always
  type: int
  sample: 0
  version_added: 0.2.0
pending_sent:
  description:
    - How many entries of O(pending_file) this run sent (in check mode, would send); V(0) without O(pending_file).
      Those purged are no longer in it.
  returned: always
  type: int
  sample: 3
  version_added: 0.2.0
would_send:
  description:
    - In check mode, every request the run would send, those of the O(pending_file) entries included, in the order
      they would go - method, URL, headers (credentials and other values masked), a summary of the body (its size and
      the JSON fields, lists as their length) and the URLs it covers (C(urls)), or for a prefix request the prefixes
      (C(prefixes)).
    - As many entries as RV(requests).
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
            prefixes=dict(type='list', elements='str', default=[]),
            pending_file=dict(type='path'),
            paths=dict(type='list', elements='str'),
            webhook_host=dict(type='str'),
            webhook_dest=dict(type='str'),
            webhook_complete=dict(type='bool'),
            endpoint=dict(type='str'),
            base_url=dict(type='str'),
            method=dict(type='str'),
            ban_method=dict(type='str'),
            headers=dict(type='dict'),
            host_header=dict(type='str'),
            status_code=dict(type='list', elements='int'),
            token=dict(type='str', no_log=True),
            token_header=dict(type='str', no_log=False),
            zone_id=dict(type='str', no_log=True),
            service_id=dict(type='str', no_log=True),
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
