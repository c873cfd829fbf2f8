"""nox sessions of antsibull-nox, configured in antsibull-nox.toml.

Run through scripts/nox.sh (`make nox`, the named steps of `make test`), which
installs nox and antsibull-nox from requirements/nox.txt and keeps Galaxy and
git out of it.
"""

import sys

import nox

try:
    import antsibull_nox
except ImportError:
    print('antsibull-nox is not installed next to nox: run scripts/nox.sh')
    sys.exit(1)

antsibull_nox.load_antsibull_nox_toml()

if __name__ == '__main__':
    nox.main()
